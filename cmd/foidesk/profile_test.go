package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A profile is written where FOIDESK_CPUPROFILE says, and a second process
// with the same environment (a PDF worker) leaves it alone.
func TestProfileIsWrittenOnceWhereAsked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	t.Setenv(profileEnv, path)
	var stderr strings.Builder
	stop := startProfile(&stderr)
	second := startProfile(&stderr) // the file exists: not profiled again
	second()
	for i := 0; i < 1e6; i++ {
		_ = strings.Repeat("x", i%7)
	}
	stop()
	if stderr.Len() != 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	b, err := os.ReadFile(path)
	// A CPU profile is gzipped protobuf.
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("profile: %v, %d bytes", err, len(b))
	}
}

// A path that cannot be created is said on stderr; the command still runs.
func TestProfileBadPathIsSaid(t *testing.T) {
	t.Setenv(profileEnv, filepath.Join(t.TempDir(), "missing", "cpu.pprof"))
	var stderr strings.Builder
	startProfile(&stderr)()
	if !strings.Contains(stderr.String(), profileEnv) {
		t.Fatalf("stderr: %q", stderr.String())
	}
}
