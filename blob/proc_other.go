//go:build !linux

package blob

import (
	"errors"
	"os"
	"syscall"
)

// processStart is unknown here: a dead owner's files are removed once they
// are an hour old.
func processStart(pid int) (string, bool) { return "", false }

func processStartKnowable() bool { return false }

func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission)
}
