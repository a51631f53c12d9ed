//go:build linux

package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ran is what one run of the foidesk binary cost.
type ran struct {
	wall time.Duration
	// peakKB is the child's ru_maxrss from wait4: on Linux the largest
	// resident set of foidesk and of every process it waited for, so a
	// PDF worker foidesk closed before exiting counts too.
	peakKB int64
	// workerKB is the largest VmHWM read from foidesk's own children
	// (PDF workers) while it ran, sampled every 10 ms: 0 when it started
	// none.
	workerKB int64
	// selfKB is foidesk's own VmHWM, sampled the same way: its growth
	// after the last sample is missed.
	selfKB int64
	tail   string // the last line of standard output
}

// runCommand runs the foidesk binary with config cfg and database db,
// standard output into the file out, and times it from start to exit.
// The config, opening the store and printing are all in the time.
func runCommand(bin, cfg, db, out string, args ...string) (ran, error) {
	f, err := os.Create(out)
	if err != nil {
		return ran{}, err
	}
	defer f.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--config", cfg, "--db", db}, args...)...)
	cmd.Stdout, cmd.Stderr = f, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return ran{}, err
	}
	stop, sampled := make(chan struct{}), make(chan [2]int64)
	go sample(cmd.Process.Pid, stop, sampled)
	err = cmd.Wait()
	r := ran{wall: time.Since(start)}
	close(stop)
	peaks := <-sampled
	r.selfKB, r.workerKB = peaks[0], peaks[1]
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.peakKB = ru.Maxrss
	}
	if err != nil {
		return r, fmt.Errorf("foidesk %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	r.tail, err = lastLine(out)
	return r, err
}

// sample reads, every 10 ms until stop, the peak resident memory (VmHWM)
// of process pid and of every child of it, and sends the largest of each
// seen. Growth after the last sample is missed.
func sample(pid int, stop <-chan struct{}, peaks chan<- [2]int64) {
	var self, kids int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		self = max(self, vmHWM(fmt.Sprint(pid)))
		for _, c := range children(pid) {
			kids = max(kids, vmHWM(c))
		}
		select {
		case <-stop:
			peaks <- [2]int64{self, kids}
			return
		case <-tick.C:
		}
	}
}

// children lists the processes whose parent is pid, from every thread's
// children file (a worker is started from a locked thread of its own).
func children(pid int) []string {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

// vmHWM is a process's peak resident set in KB, or 0 once it is gone.
func vmHWM(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// lastLine is the last non-empty line of the file at path.
func lastLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	buf := make([]byte, min(st.Size(), 4096))
	if _, err := f.ReadAt(buf, st.Size()-int64(len(buf))); err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	return lines[len(lines)-1], nil
}
