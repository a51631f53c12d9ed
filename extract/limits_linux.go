package extract

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// limitAddressSpace caps the worker's virtual memory so that a runaway
// allocation fails inside the worker (Go then dies with "out of memory")
// even if the parent's RSS watchdog is late. Virtual size exceeds resident
// size (Go and wazero reserve address space they never touch), hence the
// headroom; the RSS watchdog enforces the budget itself.
func limitAddressSpace(memoryMB int) {
	limit := uint64(memoryMB+addressSpaceHeadroomMB) << 20
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}

// addressSpaceHeadroomMB was measured: a worker that has instantiated
// PDFium and parsed the 204-file corpus peaks at about 1.9 GB of address
// space (VmPeak) with about 200 MB resident (VmHWM).
const addressSpaceHeadroomMB = 2048

// ownRSS is this process's resident memory in bytes, from /proc/self/statm.
func ownRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
