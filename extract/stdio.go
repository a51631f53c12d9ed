package extract

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ServeWorkerStdio runs a worker on the process's stdin and stdout, as
// started by an Extractor. It moves the protocol to a private copy of
// stdout and points file descriptor 1 at stderr first, so that anything a
// PDF library prints cannot corrupt the protocol stream.
func ServeWorkerStdio() error {
	fd, err := unix.Dup(1)
	if err != nil {
		return err
	}
	if err := unix.Dup3(2, 1, 0); err != nil {
		return err
	}
	proto := os.NewFile(uintptr(fd), "protocol")
	mem, _ := strconv.Atoi(os.Getenv("FOIDESK_EXTRACT_WORKER_MEMORY_MB"))
	return RunWorker(os.Stdin, proto, WorkerOptions{MemoryMB: mem, CacheDir: os.Getenv("FOIDESK_EXTRACT_WORKER_CACHE")})
}
