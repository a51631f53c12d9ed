package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// workerProc is one running worker process.
type workerProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *tailBuffer
	done   chan struct{} // closed when the process has exited
	// overMemory is set by the watchdog before it kills the worker.
	mu         sync.Mutex
	overMemory int64 // resident bytes seen, when killed for memory
}

// workerDied is a request that cost its worker: a crash, a hang, or memory.
// The reason is for people.
type workerDied struct{ reason string }

func (e *workerDied) Error() string { return e.reason }

// startWorker starts the worker command with the memory budget in its
// environment and a watchdog on its resident memory. The worker dies with
// this process (startWorkerProcess).
func (x *Extractor) startWorker() (*workerProc, error) {
	argv := x.opts.WorkerCommand
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(workerEnv(),
		"FOIDESK_EXTRACT_WORKER_MEMORY_MB="+strconv.Itoa(x.opts.WorkerMemoryMB),
		"FOIDESK_EXTRACT_WORKER_CACHE="+x.cacheDir(),
	)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w := &workerProc{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 1<<20), stderr: &tailBuffer{max: 4096}, done: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := startWorkerProcess(cmd); err != nil {
		return nil, fmt.Errorf("start extract worker %s: %w", argv[0], err)
	}
	go func() {
		_ = cmd.Wait()
		close(w.done)
	}()
	go w.watch(int64(x.opts.WorkerMemoryMB) << 20)
	return w, nil
}

// workerEnv is the parent's environment without foidesk's secrets: a
// worker parses hostile files and needs no password.
func workerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "FOIDESK_") && strings.HasSuffix(name, "PASSWORD") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func (x *Extractor) cacheDir() string {
	if x.opts.CacheDir != "" {
		return x.opts.CacheDir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return d + "/foidesk/pdfium"
	}
	return ""
}

// watch kills the worker when its resident memory passes the budget. It
// polls often because a runaway allocation can grow by gigabytes a second;
// setrlimit in the worker is the backstop.
func (w *workerProc) watch(limit int64) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	pid := w.cmd.Process.Pid
	page := int64(os.Getpagesize())
	for {
		select {
		case <-w.done:
			return
		case <-t.C:
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue // not Linux, or already gone
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		rss, _ := strconv.ParseInt(f[1], 10, 64)
		if rss*page > limit {
			w.mu.Lock()
			w.overMemory = rss * page
			w.mu.Unlock()
			_ = w.cmd.Process.Kill()
			return
		}
	}
}

func (w *workerProc) kill() {
	_ = w.stdin.Close()
	_ = w.cmd.Process.Kill()
	<-w.done
}

// do sends one request to the worker, starting one if needed, and waits at
// most the worker timeout. A worker that dies, hangs or overspends is
// replaced on the next request; the error says what happened.
func (x *Extractor) do(ctx context.Context, req workerRequest) (workerResponse, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w != nil {
		select {
		case <-x.w.done:
			x.w = nil
		default:
		}
	}
	if x.w == nil {
		w, err := x.startWorker()
		if err != nil {
			return workerResponse{}, err
		}
		x.w = w
	}
	w := x.w
	_ = w.stderr.String() // keep only what this request makes the worker say
	line, err := json.Marshal(req)
	if err != nil {
		return workerResponse{}, err
	}
	type reply struct {
		resp workerResponse
		err  error
	}
	ch := make(chan reply, 1)
	go func() {
		if _, err := w.stdin.Write(append(line, '\n')); err != nil {
			ch <- reply{err: err}
			return
		}
		b, err := readLine(w.stdout, x.opts.Limits.MaxWorkerReplyBytes)
		if err != nil {
			ch <- reply{err: err}
			return
		}
		var r workerResponse
		err = json.Unmarshal(b, &r)
		ch <- reply{resp: r, err: err}
	}()
	timer := time.NewTimer(x.opts.WorkerTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err == nil {
			if r.resp.Error != "" {
				return r.resp, errors.New(r.resp.Error)
			}
			return r.resp, nil
		}
		w.kill()
		x.w = nil
		if errors.Is(r.err, errLineTooLong) {
			// The rest of the line is still in the pipe: the worker is
			// replaced, and the document failed with the reason.
			x.opts.Logger.Warn("extract worker's answer was over its limit; the next file gets a new worker", "file", req.Path, "op", req.Op, "limit", x.opts.Limits.MaxWorkerReplyBytes)
			return workerResponse{}, &workerDied{reason: fmt.Sprintf("the PDF parser's answer was over the %d-byte limit (more text than a document may keep) and was dropped", x.opts.Limits.MaxWorkerReplyBytes)}
		}
		reason := w.deathReason(x.opts.WorkerMemoryMB)
		x.opts.Logger.Warn("extract worker died; the next file gets a new one", "file", req.Path, "op", req.Op, "reason", reason)
		return workerResponse{}, &workerDied{reason: reason}
	case <-timer.C:
		w.kill()
		x.w = nil
		x.opts.Logger.Warn("extract worker stopped at its time limit; the next file gets a new one", "file", req.Path, "op", req.Op, "limit", x.opts.WorkerTimeout)
		return workerResponse{}, &workerDied{reason: fmt.Sprintf("the PDF parser did not finish within %s and was stopped", x.opts.WorkerTimeout)}
	case <-ctx.Done():
		w.kill()
		x.w = nil
		return workerResponse{}, ctx.Err()
	}
}

// errLineTooLong is a line longer than its reader's limit.
var errLineTooLong = errors.New("line over its length limit")

// readLine reads one line, its newline included, of at most max bytes;
// a longer one is errLineTooLong, read no further than max bytes, so that
// a runaway answer cannot take the parent's memory with it.
func readLine(r *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if int64(len(line))+int64(len(chunk)) > max {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// deathReason explains, for people, why a worker exited mid-request.
func (w *workerProc) deathReason(budgetMB int) string {
	<-w.done
	w.mu.Lock()
	over := w.overMemory
	w.mu.Unlock()
	if over > 0 {
		return fmt.Sprintf("the PDF parser used more than the %d MB memory limit and was stopped", budgetMB)
	}
	tail := w.stderr.String()
	switch {
	case strings.Contains(tail, "out of memory"), strings.Contains(tail, "cannot allocate memory"),
		// A worker built with -race keeps its heap in a fixed window of
		// addresses; when the address-space limit (or the window) refuses
		// a heap reservation, that runtime says this instead of "out of
		// memory". It is the same death.
		strings.Contains(tail, "too many address space collisions for -race mode"):
		return fmt.Sprintf("the PDF parser ran out of memory (limit %d MB) and was stopped", budgetMB)
	case strings.Contains(tail, "goroutine stack exceeds"), strings.Contains(tail, "stack overflow"):
		return "the PDF parser overflowed its stack (deeply nested or looping objects) and was stopped"
	}
	msg := "the PDF parser crashed"
	if st, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		msg += " (" + st.Signal().String() + ")"
	}
	if first := firstLine(tail); first != "" {
		msg += ": " + first
	}
	return msg
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && (strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "runtime:")) {
			return l
		}
	}
	return ""
}

// tailBuffer keeps the first max bytes written to it: a dying Go process
// puts the reason at the top of its stderr.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.buf.String()
	t.buf.Reset()
	return s
}
