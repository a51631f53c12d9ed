package extract

import (
	"fmt"
	"io"
	"os"
	"time"
)

// A worker enforces its memory budget itself as well as through its
// parent's watchdog (pool.go): a parent killed with SIGKILL takes its
// watchdog with it, and a worker that outlived it for a moment (its
// parent-death signal pending, a parse in a tight loop) must still not
// grow past the budget.

// selfWatchEvery is how often a worker looks at its own resident memory.
const selfWatchEvery = 50 * time.Millisecond

// watchOwnMemory calls exceeded, once, when rss reports more than limit
// bytes, checking every interval until stop is closed.
func watchOwnMemory(limit int64, interval time.Duration, rss func() int64, exceeded func(int64), stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if n := rss(); n > limit {
			exceeded(n)
			return
		}
	}
}

// exitOverMemory ends the worker with the words its parent reads as having
// run out of memory (deathReason), when its parent's watchdog did not
// stop it first.
func exitOverMemory(stderr io.Writer, limitMB int) func(int64) {
	return func(rss int64) {
		fmt.Fprint(stderr, overMemoryMessage(rss, limitMB))
		os.Exit(2)
	}
}

// overMemoryMessage is what a worker over its budget says as it exits.
func overMemoryMessage(rss int64, limitMB int) string {
	return fmt.Sprintf("fatal error: out of memory: resident %d MB passed the worker's budget of %d MB\n", rss>>20, limitMB)
}
