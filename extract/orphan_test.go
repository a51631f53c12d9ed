//go:build linux

package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A worker dies with its parent, even one killed with SIGKILL while the
// worker is busy and not reading its input: nothing would stop it, or its
// memory, otherwise.
func TestWorkerDiesWithKilledParent(t *testing.T) {
	parent := exec.Command(os.Args[0], "parent-of-hung-worker")
	var stderr bytes.Buffer
	parent.Stderr = &stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("worker pid: %q %v %v; parent said %s", line, err, perr, stderr.String())
	}
	if !alive(pid) {
		t.Fatalf("worker %d not running before its parent was killed", pid)
	}
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("worker %d still running 5s after its parent was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A worker whose input closes while it serves a request exits rather than
// finishing (or hanging in) work no one will read: the kernel closes that
// pipe when the parent dies, wherever the parent-death signal is missing.
func TestWorkerExitsWhenInputClosesMidRequest(t *testing.T) {
	cmd := exec.Command(os.Args[0], "worker-hung-in-request")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if _, err := in.Write([]byte(`{"op":"pdf","path":"x.pdf"}` + "\n")); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(errOut)
	if !sc.Scan() || sc.Text() != "serving" {
		t.Fatalf("worker said %q, want serving", sc.Text())
	}
	in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	exited := make(chan error, 1)
	var said string
	go func() {
		// Its last words first: Wait closes the pipe.
		sc.Scan()
		said = sc.Text()
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("worker exit: %v", err)
		}
		if !strings.Contains(said, "input closed in the middle of a request") {
			t.Errorf("worker said %q", said)
		}
	case <-ctx.Done():
		t.Fatal("worker still serving 5s after its input closed")
	}
}

// The worker caps its own address space from the budget it is given, so
// its memory is bounded without the parent's watchdog.
func TestWorkerLimitsItsOwnAddressSpace(t *testing.T) {
	x := newTestExtractor(t, Options{WorkerMemoryMB: 300})
	if _, err := x.do(context.Background(), workerRequest{Op: "ping"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(x.w.cmd.Process.Pid) + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatUint(uint64(300+addressSpaceHeadroomMB)<<20, 10)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Max address space") {
			if f := strings.Fields(l); len(f) < 5 || f[3] != want || f[4] != want {
				t.Fatalf("%s, want soft and hard limits %s", l, want)
			}
			return
		}
	}
	t.Fatalf("no address space limit in\n%s", b)
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its new parent to reap it has exited).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}
