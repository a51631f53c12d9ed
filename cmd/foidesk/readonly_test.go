package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadingCommandsNeedNoWriteAccess: a database the user may read but
// not write (a colleague's, a copy on a read-only share) can be listed.
// As root the test runs the commands as nobody, since root may write any
// file; otherwise it takes the write bits away.
func TestReadingCommandsNeedNoWriteAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildFoidesk(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "foidesk.db")
	if out, err := exec.Command(bin, "--db", db, "authorities", "import", "--uk-councils").CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	run := func(args ...string) (string, error) {
		c := exec.Command(bin, append([]string{"--db", db}, args...)...)
		c.Dir = dir
		if os.Geteuid() == 0 {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := c.CombinedOutput()
		return string(out), err
	}
	for _, p := range []string{filepath.Dir(filepath.Dir(bin)), filepath.Dir(bin), filepath.Dir(dir), dir} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(db, 0o444); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
	}
	out, err := run("authorities", "list", "--nation", "Wales")
	if err != nil || !strings.Contains(out, "Cardiff") {
		t.Errorf("authorities list on a read-only database: %v\n%s", err, out)
	}
	out, err = run("messages", "list")
	if err != nil {
		t.Errorf("messages list on a read-only database: %v\n%s", err, out)
	}
	// Writing still needs write access, and says so.
	out, err = run("requests", "recompute")
	if err == nil || !strings.Contains(out, "readonly") && !strings.Contains(out, "read-only") && !strings.Contains(out, "permission") {
		t.Errorf("recompute on a read-only database: %v\n%s", err, out)
	}
	// A mistyped --db is an error, never a new empty database.
	if out, err := exec.Command(bin, "--db", filepath.Join(dir, "typo.db"), "authorities", "list").CombinedOutput(); err == nil {
		t.Errorf("listing a missing database succeeded:\n%s", out)
	}
}
