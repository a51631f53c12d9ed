//go:build linux

package blob

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// processStart is a process's start time in clock ticks since boot, from
// /proc/PID/stat: with the PID it names one process for as long as the
// machine runs, where a PID alone may be reused.
func processStart(pid int) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// fields are counted after its closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(s[i+1:])
	// After the name: state is field 3, starttime field 22.
	if len(f) < 20 {
		return "", false
	}
	return f[19], true
}

// processStartKnowable: /proc answers, so a process it does not list has
// exited.
func processStartKnowable() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
