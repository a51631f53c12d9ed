//go:build unix

package supervise

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Lock is an exclusive lock on a file, held for as long as the process
// lives or until Release: one daemon per database. The kernel drops it
// however the process ends, so a crash never leaves a stale lock; the file
// holds the holder's pid, so that a second daemon can say who holds it.
type Lock struct {
	f *os.File
}

// HeldError is returned by Acquire when another process holds the lock.
type HeldError struct {
	Path string
	PID  int // 0 when the holder's pid could not be read
}

func (e *HeldError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s is locked by another process", e.Path)
	}
	return fmt.Sprintf("%s is locked by process %d", e.Path, e.PID)
}

// pidBytes is as much of a held lock file as is read for its holder's
// pid: a pid's digits and a newline, with room to spare.
const pidBytes = 32

// Acquire takes the lock on path, creating the file, and writes this
// process's pid into it. It does not wait: when another process holds the
// lock it returns a *HeldError naming that process.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			// A pid and its newline: the start of the file is enough,
			// whatever else another program left in it.
			b := make([]byte, pidBytes)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, &HeldError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The pid is written only once the lock is held, so a holder's pid is
	// never overwritten by a process that then fails to take the lock.
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up. The file is left in place: removing it would
// let a process that opened it before the removal lock a file no one else
// can see.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
