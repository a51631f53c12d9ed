package blob

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestCleanTempRemovesWhatNoLiveProcessOwns: a killed writer's files go at
// the next start, not an hour later; a live writer's stay, even one whose
// PID a dead writer once had.
func TestCleanTempRemovesWhatNoLiveProcessOwns(t *testing.T) {
	if runtime.GOOS != "linux" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs on Linux, where owners are told apart by /proc start times")
		}
		t.Skip("owners are told apart by /proc start times on Linux only; elsewhere the hour rule applies")
	}
	b := Store{Dir: t.TempDir()}
	tmp := filepath.Join(b.Dir, "blobs", "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		t.Fatal(err)
	}
	touch := func(name string, age time.Duration) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return name
	}
	// A process that has exited.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	// A process still running, writing blobs of its own.
	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer live.Process.Kill()
	liveStart, ok := processStart(live.Process.Pid)
	if !ok {
		t.Fatal("cannot read the start time of a running process")
	}

	mine := touch("incoming-"+owner()+"-1", 2*time.Hour)
	dead := touch(fmt.Sprintf("incoming-%d.777-2", done.Process.Pid), 0)
	reused := touch(fmt.Sprintf("incoming-%d.1-3", os.Getpid()), 0) // this PID, another start: a dead writer's
	other := touch(fmt.Sprintf("incoming-%d.%s-4", live.Process.Pid, liveStart), 2*time.Hour)
	oldUnowned := touch("incoming-123456789", 2*time.Hour)
	newUnowned := touch("incoming-987654321", time.Minute)

	if n := b.CleanTemp(nil); n != 3 {
		t.Errorf("removed %d files, want 3", n)
	}
	for name, wantKept := range map[string]bool{mine: true, dead: false, reused: false, other: true, oldUnowned: false, newUnowned: true} {
		_, err := os.Stat(filepath.Join(tmp, name))
		if kept := err == nil; kept != wantKept {
			t.Errorf("%s: kept %v, want %v", name, kept, wantKept)
		}
	}
	// Once the other writer has gone, its files go too.
	live.Process.Kill()
	live.Wait()
	if n := b.CleanTemp(nil); n != 1 {
		t.Errorf("after the other writer exited: removed %d, want 1", n)
	}
}

func TestTempFilesCarryTheirOwner(t *testing.T) {
	b := Store{Dir: t.TempDir()}
	w, err := b.Create()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if got := ownerOf(filepath.Base(w.f.Name())); got != owner() {
		t.Errorf("temporary file %s names owner %q, want %q", w.f.Name(), got, owner())
	}
}
