package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks contrib/foidesk.service: it runs 'foidesk run',
// keeps the sandboxing README promises, and systemd-analyze verifies it
// without a complaint (an unknown key is only a warning there, so any
// output fails the test).
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "contrib", "foidesk.service"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(unit), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{
		"ExecStart=/usr/local/bin/foidesk --config /etc/foidesk/foidesk.toml --log-format json run",
		"DynamicUser=yes", "StateDirectory=foidesk", "WorkingDirectory=/var/lib/foidesk",
		"ProtectSystem=strict", "ReadWritePaths=/var/lib/foidesk", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service", "Restart=on-failure",
		"LoadCredential=smtp-password:/etc/foidesk/smtp-password", "LoadCredential=imap-password:/etc/foidesk/imap-password",
		"KillSignal=SIGTERM", "TimeoutStopSec=45s",
		// The PDF engine's cache: without it every start compiles PDFium.
		"CacheDirectory=foidesk", "Environment=XDG_CACHE_HOME=%C",
	} {
		if !lines[want] {
			t.Errorf("the unit lacks %q", want)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "true" {
			t.Skip("systemd-analyze is not installed")
		}
		t.Fatal("systemd-analyze is not installed; CI must have it to verify contrib/foidesk.service")
	}
	// verify checks that ExecStart's program exists: point it at an
	// executable that does.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "foidesk.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/foidesk", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
