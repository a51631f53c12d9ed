package extract

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWorkerWatchesItsOwnMemory(t *testing.T) {
	var rss atomic.Int64
	rss.Store(100 << 20)
	got := make(chan int64, 1)
	stop := make(chan struct{})
	defer close(stop)
	go watchOwnMemory(128<<20, time.Millisecond, rss.Load, func(n int64) { got <- n }, stop)
	select {
	case n := <-got:
		t.Fatalf("stopped at %d MB, under the budget", n>>20)
	case <-time.After(30 * time.Millisecond):
	}
	rss.Store(200 << 20)
	select {
	case n := <-got:
		if n != 200<<20 {
			t.Errorf("stopped at %d bytes", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a worker over its budget was not stopped")
	}
	if runtime.GOOS == "linux" && ownRSS() <= 0 {
		t.Error("cannot read this process's resident memory")
	}
}

// The words a worker dies with when it stops itself are the ones its
// parent reads as running out of memory.
func TestSelfStopIsReadAsOutOfMemory(t *testing.T) {
	w := &workerProc{stderr: &tailBuffer{max: 4096}, done: make(chan struct{}), memoryMB: 256}
	close(w.done)
	w.stderr.Write([]byte(overMemoryMessage(300<<20, 256)))
	if got := w.deathReason(); !strings.Contains(got, "ran out of memory") {
		t.Errorf("a worker that stopped itself over its budget is reported as %q", got)
	}
}
