package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// profileEnv names a file to write a CPU profile of the whole process to,
// for finding where a command run from the command line spends its time
// (bench/: the scale benchmark times the built binary). Like
// FOIDESK_CLOCK it is for engineers, not user configuration. The file is
// created only if it does not exist, so the PDF workers a command starts
// (the same binary, with the same environment) find it taken and do not
// profile themselves.
const profileEnv = "FOIDESK_CPUPROFILE"

// startProfile starts the CPU profile $FOIDESK_CPUPROFILE asks for and
// returns what stops it; a problem is said on stderr and the command runs
// unprofiled.
func startProfile(stderr io.Writer) (stop func()) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if os.IsExist(err) {
		return func() {}
	}
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "foidesk: %s: %v\n", profileEnv, err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "foidesk: %s: %v\n", profileEnv, err)
		}
	}
}
