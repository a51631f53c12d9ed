package main

import (
	"runtime"
	"time"
)

// sampleHeapPeak samples the live heap every millisecond until the
// returned function is called, which returns the largest seen, in MB: what
// the benchmarks here report as peak-heap-MB.
func sampleHeapPeak() (stop func() float64) {
	var peak uint64
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-quit:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	return func() float64 {
		close(quit)
		<-done
		return float64(peak) / (1 << 20)
	}
}
