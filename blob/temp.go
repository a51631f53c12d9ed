package blob

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Temporary files. A blob is written to blobs/tmp under a name that says
// which process made it, "incoming-OWNER-RANDOM", OWNER being the process's
// id and start time. A process killed mid-write leaves its files behind;
// CleanTemp removes every file whose owner is no longer running, at once,
// and anything (including files named before owners were recorded) older
// than an hour. A live process's files are never touched: its id and start
// time still match.

// staleAfter is how old an ownerless temporary file must be to be removed.
const staleAfter = time.Hour

var (
	ownerOnce sync.Once
	ownerTag  string
)

// owner is this process's tag, "PID.START", or "PID" where the start time
// cannot be read (then a reused PID keeps a dead owner's files until they
// are an hour old).
func owner() string {
	ownerOnce.Do(func() {
		pid := os.Getpid()
		ownerTag = fmt.Sprint(pid)
		if st, ok := processStart(pid); ok {
			ownerTag = fmt.Sprintf("%d.%s", pid, st)
		}
	})
	return ownerTag
}

// tempPattern is the os.CreateTemp pattern for this process's files.
func tempPattern() string { return "incoming-" + owner() + "-*" }

// ownerOf returns the owner tag in a temporary file's name, "" when it
// has none (a name from before owners were recorded).
func ownerOf(name string) string {
	rest, ok := strings.CutPrefix(name, "incoming-")
	if !ok {
		return ""
	}
	tag, _, ok := strings.Cut(rest, "-")
	if !ok || !strings.ContainsAny(tag[:1], "0123456789") {
		return ""
	}
	return tag
}

// ownerAlive reports whether the process a tag names is still running, and
// whether that can be known at all.
func ownerAlive(tag string) (alive, known bool) {
	pidStr, start, hasStart := strings.Cut(tag, ".")
	var pid int
	if _, err := fmt.Sscan(pidStr, &pid); err != nil || pid <= 0 {
		return false, false
	}
	cur, ok := processStart(pid)
	if !ok {
		if processExists(pid) {
			return true, true
		}
		return false, processStartKnowable()
	}
	if !hasStart {
		return true, false // a PID alone may have been reused
	}
	return cur == start, true
}

// CleanTemp removes the temporary files no running process owns: those of
// a process that has exited (killed mid-write, say) at once, and any other
// older than an hour. It is safe to run while other processes write blobs.
func (b Store) CleanTemp(log *slog.Logger) (removed int) {
	dir := filepath.Join(b.Dir, "blobs", "tmp")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	me := owner()
	for _, e := range entries {
		tag := ownerOf(e.Name())
		if tag == me {
			continue
		}
		stale := false
		if tag != "" {
			alive, known := ownerAlive(tag)
			if known && alive {
				continue // a running process's file, however old
			}
			stale = known
		}
		if !stale {
			fi, err := e.Info()
			if err != nil || time.Since(fi.ModTime()) < staleAfter {
				continue
			}
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			if log != nil {
				log.Warn("could not remove a stale temporary blob; it is harmless and will be retried next start", "file", e.Name(), "err", err)
			}
			continue
		}
		removed++
	}
	return removed
}
