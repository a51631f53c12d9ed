//go:build linux

package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ran is what one run of the foidesk binary cost.
type ran struct {
	wall time.Duration // from start to exit, timed by the runner
	// peakKB is foidesk's ru_maxrss from wait4: on Linux the largest
	// resident set of foidesk and of every process it waited for, so a
	// PDF worker foidesk closed before exiting counts too.
	peakKB int64
	// selfKB is foidesk's own VmHWM and workerKB the largest of its
	// children's (PDF workers), read every 10 ms while it ran: growth after
	// the last reading is missed; workerKB is 0 when it started none.
	selfKB, workerKB int64
	tail             string // the last line of standard output
}

// runnerEnv makes the test binary the runner: see TestMain.
const runnerEnv = "FOIDESK_SCALE_RUNNER"

// TestMain lets the test binary start each timed foidesk itself. A child's
// ru_maxrss starts from its parent's peak (the address space it was
// forked from), and this process holds a whole 100,000-request build, so
// every run is started by a fresh copy of the test binary, a few MB.
func TestMain(m *testing.M) {
	if os.Getenv(runnerEnv) != "" {
		os.Exit(runner(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runner runs argv with this process's standard output and error, and
// writes its wall time, ru_maxrss and exit status to file descriptor 3.
func runner(argv []string) int {
	report := os.NewFile(3, "report")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, runnerEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = cmd.Wait()
	wall := time.Since(start)
	var maxrss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxrss = ru.Maxrss
	}
	fmt.Fprintf(report, "%d %d %d\n", wall.Nanoseconds(), maxrss, cmd.ProcessState.ExitCode())
	return 0
}

// runCommand runs the foidesk binary with config cfg and database db,
// standard output into the file out, through a runner (TestMain), and
// reports its wall time from start to exit: the config, opening the store
// and printing are all in it.
func runCommand(bin, cfg, db, out string, args ...string) (ran, error) {
	return runProfiled("", bin, cfg, db, out, args...)
}

// runProfiled is runCommand with a CPU profile of foidesk written to
// profile, unless it is "".
func runProfiled(profile, bin, cfg, db, out string, args ...string) (ran, error) {
	f, err := os.Create(out)
	if err != nil {
		return ran{}, err
	}
	defer f.Close()
	self, err := os.Executable()
	if err != nil {
		return ran{}, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return ran{}, err
	}
	defer pr.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(self, append([]string{bin, "--config", cfg, "--db", db}, args...)...)
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = f, &stderr, []*os.File{pw}
	cmd.Env = append(os.Environ(), runnerEnv+"=1")
	if profile != "" {
		os.Remove(profile)
		cmd.Env = append(cmd.Env, "FOIDESK_CPUPROFILE="+profile)
	}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return ran{}, err
	}
	pw.Close()
	stop, sampled := make(chan struct{}), make(chan [2]int64)
	go sample(fmt.Sprint(cmd.Process.Pid), stop, sampled)
	err = cmd.Wait()
	close(stop)
	peaks := <-sampled
	line, _ := io.ReadAll(pr)
	var r ran
	var wall int64
	var code int
	if _, serr := fmt.Sscan(string(line), &wall, &r.peakKB, &code); serr != nil && err == nil {
		err = fmt.Errorf("runner said %q: %v", line, serr)
	}
	r.wall, r.selfKB, r.workerKB = time.Duration(wall), peaks[0], peaks[1]
	if err == nil && code != 0 {
		err = fmt.Errorf("exit status %d", code)
	}
	if err != nil {
		return r, fmt.Errorf("foidesk %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	r.tail, err = lastLine(out)
	return r, err
}

// sample reads, every 10 ms until stop, the peak resident memory (VmHWM)
// of the runner's child (foidesk) and of that child's children (PDF
// workers), and sends the largest of each seen.
func sample(runner string, stop <-chan struct{}, peaks chan<- [2]int64) {
	var self, kids int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range children(runner) {
			self = max(self, vmHWM(pid))
			for _, c := range children(pid) {
				kids = max(kids, vmHWM(c))
			}
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
func children(pid string) []string {
	files, _ := filepath.Glob("/proc/" + pid + "/task/*/children")
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
