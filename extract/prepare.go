package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"
)

// Preparing the PDF engine. PDFium is a 5.8 MB WebAssembly module that
// wazero compiles to machine code: 3–7 s and about 350 MB the first time on
// a machine, after which the compiled code is read back from the cache
// directory in milliseconds. Done silently inside the first PDF, that first
// time looked like a hang. So the first worker an Extractor starts is first
// used to prepare the engine: it compiles the module into the cache, with a
// notice before and after, and a marker file then says it is done. The
// compilation happens in the worker process, so its memory is never the
// daemon's, and under a file lock, so two commands started together compile
// once. The marker does not look into wazero's files: a cache emptied of
// them but not of the marker, or carried to a machine whose CPU features
// differ (wazero's key includes them), is compiled again without a notice.

// PrepareNotice is what the user is told when the PDF engine is compiled.
const PrepareNotice = "preparing the PDF engine, once: ~5 s"

// prepareLimit bounds the preparation's compilation. It is far above the
// few seconds it takes, and above the per-file limit on purpose: a slow
// machine that needs longer than worker_timeout compiles once, here,
// instead of failing every PDF.
const prepareLimit = 10 * time.Minute

// prepareMemoryMB is the least memory budget the preparing worker gets
// (it peaks at ~350 MB compiling): the compilation reads no one's file, so
// a budget set low for hostile documents does not apply to it, and
// workers that start from the cache need far less (~60 MB).
const prepareMemoryMB = 1024

// Files in the cache directory besides wazero's own.
const (
	prepareLockFile = "prepare.lock"
	readyPrefix     = "ready-"
)

// Prepare makes sure PDFium's compiled code is in the cache directory,
// compiling it in a worker process if it is not, so that the first PDF
// does not wait for it. It announces a compilation through Options.Notice.
// When the cache directory cannot be written it says so once and returns
// nil: PDFs are still read, each worker compiling the engine in memory.
// An Extractor prepares by itself before its first PDF; calling Prepare
// earlier moves that wait ahead of need. The worker it started is kept for
// the next PDF when it has a document's memory budget.
func (x *Extractor) Prepare(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.prepare(ctx)
}

// prepare is Prepare with x.mu held. It runs once per Extractor: after an
// error the workers compile as they did before there was a cache.
func (x *Extractor) prepare(ctx context.Context) error {
	if x.prepared {
		return nil
	}
	x.prepared = true
	dir := x.cacheDir()
	if dir == "" {
		x.withoutCache("there is no cache directory (set XDG_CACHE_HOME)")
		return nil
	}
	if engineReady(dir) {
		x.workerCache = dir
		return nil
	}
	lock, err := lockPrepare(ctx, dir, x.notice)
	var unwritable *unwritableError
	if errors.As(err, &unwritable) {
		x.withoutCache(fmt.Sprintf("%s is not writable (%v)", dir, unwritable.err))
		return nil
	}
	if err != nil {
		return err
	}
	defer lock.Close()
	x.workerCache = dir
	if engineReady(dir) {
		// Another command compiled it while this one waited.
		return nil
	}
	x.notice(PrepareNotice)
	start := time.Now()
	if x.w == nil {
		w, err := x.startWorker(max(x.opts.WorkerMemoryMB, prepareMemoryMB))
		if err != nil {
			return err
		}
		x.w = w
	}
	defer x.keepWorkerWithinBudget()
	_, err = x.doLocked(ctx, workerRequest{Op: "prepare"}, prepareLimit)
	if err != nil {
		var cache *cacheError
		if errors.As(err, &cache) {
			// Compiled, and the worker has the engine; only keeping it failed.
			x.withoutCache(fmt.Sprintf("%s is not writable (%s)", dir, cache.reason))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("preparing the PDF engine: %w", err)
	}
	if err := markReady(dir); err != nil {
		x.notice(fmt.Sprintf("the PDF engine is prepared, but %s could not record it (%v): it will be announced again", dir, err))
		return nil
	}
	x.notice(fmt.Sprintf("the PDF engine is ready (prepared in %.1f s)", time.Since(start).Seconds()))
	return nil
}

// withoutCache has the workers compile the engine in memory, and tells the
// user what that costs and why.
func (x *Extractor) withoutCache(why string) {
	x.workerCache = ""
	x.notice("the PDF engine will be compiled on every start (~5 s each) because " + why)
}

// keepWorkerWithinBudget stops the preparing worker when its budget is
// larger than a document's; the next document starts one of its own.
func (x *Extractor) keepWorkerWithinBudget() {
	if x.w != nil && x.w.memoryMB != x.opts.WorkerMemoryMB {
		x.w.kill()
		x.w = nil
	}
}

// notice tells the user about the engine's preparation.
func (x *Extractor) notice(msg string) {
	if x.opts.Notice != nil {
		x.opts.Notice(msg)
		return
	}
	x.opts.Logger.Info(msg)
}

// cacheError is the worker's answer to "prepare" when the engine compiled
// but its code could not be written to the cache directory.
type cacheError struct{ reason string }

func (e *cacheError) Error() string { return e.reason }

// cacheErrorPrefix marks a cacheError in the worker protocol's error text.
const cacheErrorPrefix = "cache: "

// engineReady says whether a preparation finished for this build in dir.
func engineReady(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, readyName()))
	return err == nil
}

// markReady records a finished preparation: written whole, then renamed,
// so a crash never leaves a marker for code that was not kept.
func markReady(dir string) error {
	tmp, err := os.CreateTemp(dir, readyPrefix+"*.tmp")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(tmp, "PDFium compiled for %s\non %s\n", buildKey(), time.Now().UTC().Format(time.RFC3339))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, readyName()))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// readyName is the marker's file name: a hash of what determines the
// compiled code, so that a foidesk built with another PDFium or another
// wazero prepares its own.
func readyName() string {
	sum := sha256.Sum256([]byte(buildKey()))
	return readyPrefix + hex.EncodeToString(sum[:8])
}

// buildKey names what the compiled code depends on: the wazero that
// compiles, the go-pdfium module that embeds PDFium (its go.sum hash covers
// the WebAssembly file), the platform. A binary built without module
// information (a test binary) has none and shares one marker with every
// other such build.
func buildKey() string {
	key := "wazero unknown, go-pdfium unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods := map[string]string{}
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			mods[d.Path] = d.Version + " " + d.Sum
		}
		if w, p := mods["github.com/tetratelabs/wazero"], mods["github.com/klippa-app/go-pdfium"]; w != "" && p != "" {
			key = "wazero " + w + ", go-pdfium " + p
		}
	}
	return key + ", " + runtime.GOOS + "/" + runtime.GOARCH
}

// unwritableError is why the cache directory cannot be used.
type unwritableError struct{ err error }

func (e *unwritableError) Error() string { return e.err.Error() }

// lockPrepare takes the cache directory's preparation lock, waiting while
// another process (or another Extractor) holds it and saying so once. The
// lock is released when the returned file is closed, or when its process
// dies.
func lockPrepare(ctx context.Context, dir string, notice func(string)) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &unwritableError{err}
	}
	f, err := os.OpenFile(filepath.Join(dir, prepareLockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &unwritableError{err}
	}
	said := false
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if !said {
			notice("waiting while the PDF engine is prepared (once, ~5 s)")
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
