package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputFilesOverTheirLimit: a config, codebook or password file far
// larger than one can be is refused with its name, read no further than
// the limit, and nothing is written.
func TestInputFilesOverTheirLimit(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "huge.bin")
	if err := os.WriteFile(big, []byte(strings.Repeat("# comment line\n", 2*maxConfigBytes/15)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "--config", big, "config", "check")
	if code == 0 || !strings.Contains(errOut, big) || !strings.Contains(errOut, "more than a config file can be") {
		t.Errorf("config: exit %d %q", code, errOut)
	}
	db := filepath.Join(dir, "foidesk.db")
	_, errOut, code = runCLI(t, "--db", db, "codebook", "set", "any", big)
	if code == 0 || !strings.Contains(errOut, big) || !strings.Contains(errOut, "more than a codebook can be") {
		t.Errorf("codebook: exit %d %q", code, errOut)
	}
	_, errOut, code = runCLI(t, "--db", db, "users", "add", "ana", "--password-file", big)
	if code == 0 || !strings.Contains(errOut, "more than a password file can be") {
		t.Errorf("password file: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(db); err == nil {
		out, _, _ := runCLI(t, "--db", db, "users", "list")
		if strings.Contains(out, "ana") {
			t.Errorf("a user was added from an oversized password file:\n%s", out)
		}
	}
}
