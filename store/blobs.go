package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Blobs is the content-addressed file store under the data directory where
// raw mail and attachments live, each at blobs/<sha256[:2]>/<sha256>. A blob
// is written to a temporary file in its final directory, fsynced, renamed and
// the directory fsynced, so once Commit returns the bytes survive a crash and
// a reader never sees a half-written file. Writing the same content twice is
// harmless: the name is the content.
type Blobs struct {
	Dir string // the data directory; blobs go under Dir/blobs
	// FsyncEach makes Flush fsync each pending file and directory (run
	// concurrently) instead of flushing the blob store's whole file system
	// with one syncfs before the renames and one after (Linux 5.8+; the
	// default there). syncfs measured 15-20% faster for a batch of replies
	// (docs/BENCHMARKS.md), but it also waits for every other writer's dirty
	// data on that file system: set this where the data directory shares a
	// busy disk.
	FsyncEach bool

	pending *pendingBlobs // set by Deferred
}

// pendingBlobs are written but not yet durable: they stay at their
// temporary names until Flush, so no content-addressed name ever points at
// bytes that might not survive a crash.
type pendingBlobs struct {
	mu       sync.Mutex
	files    map[string]*pendingFile // sha256 -> written, waiting for Flush
	flushing map[string]string       // sha256 -> temporary name, while Flush places it
	fs       *fsSyncer               // nil: fsync each file
	started  bool
	closed   bool

	// spare holds empty temporary files made ahead of need by a goroutine:
	// creating a file waits for the file system's journal, which a flush
	// keeps busy, and that wait is better spent beside the fetching and
	// parsing than in front of it.
	spare     chan *os.File
	stopSpare chan struct{}
	spareDone chan struct{}
}

// pendingFile is one pending blob: its open temporary file, and how many
// writers committed the same content since the last Flush.
type pendingFile struct {
	f    *os.File
	refs int
}

// Deferred returns a Blobs whose Commit leaves each blob at its temporary
// name until Flush makes them all durable together: one wait for the disk
// per batch instead of one per blob. Open finds pending blobs too. Nothing
// may be recorded as referring to a pending blob before Flush returns.
// Commit and Release may run while another goroutine flushes.
func (b Blobs) Deferred() Blobs {
	return Blobs{Dir: b.Dir, FsyncEach: b.FsyncEach, pending: &pendingBlobs{files: map[string]*pendingFile{}, flushing: map[string]string{}}}
}

// Close releases what Deferred holds open. Pending blobs not flushed stay
// at their temporary names, which CleanTemp removes later.
func (b Blobs) Close() {
	p := b.pending
	if p == nil {
		return
	}
	p.mu.Lock()
	started := p.started && !p.closed
	p.closed = true
	p.mu.Unlock()
	if !started {
		return
	}
	close(p.stopSpare)
	<-p.spareDone
	for drained := false; !drained; {
		select {
		case f := <-p.spare:
			f.Close()
			os.Remove(f.Name())
		default:
			drained = true
		}
	}
	p.mu.Lock()
	if p.fs != nil {
		p.fs.close()
		p.fs = nil
	}
	p.mu.Unlock()
}

// start runs once per deferred set, before its first temporary file: it
// opens the file system flusher (so that it sees every later write's
// errors) and starts making spare temporary files.
func (b Blobs) start(tmpDir string) {
	p := b.pending
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	if !b.FsyncEach {
		p.fs = openFSSyncer(b.Dir)
	}
	p.spare = make(chan *os.File, 128)
	p.stopSpare = make(chan struct{})
	p.spareDone = make(chan struct{})
	go func() {
		defer close(p.spareDone)
		for {
			f, err := os.CreateTemp(tmpDir, "incoming-*")
			if err != nil {
				return // Create makes its own, and reports the error
			}
			select {
			case p.spare <- f:
			case <-p.stopSpare:
				f.Close()
				os.Remove(f.Name())
				return
			}
		}
	}()
}

// tempFile is a new empty temporary file in tmpDir: with Deferred, one of
// the spares when there is one.
func (b Blobs) tempFile(tmpDir string) (*os.File, error) {
	if p := b.pending; p != nil {
		b.start(tmpDir)
		select {
		case f := <-p.spare:
			return f, nil
		default:
		}
	}
	return os.CreateTemp(tmpDir, "incoming-*")
}

// Release gives up one Commit of a pending blob that will not be recorded
// after all (the message turned out to be stored already, or it was cut
// short): when no other commit of the same content is waiting, its
// temporary file is removed instead of made durable. A blob already flushed
// is left alone. Without Deferred it does nothing.
func (b Blobs) Release(sum string) {
	p := b.pending
	if p == nil {
		return
	}
	p.mu.Lock()
	pf, ok := p.files[sum]
	if ok {
		pf.refs--
		if pf.refs > 0 {
			ok = false
		} else {
			delete(p.files, sum)
		}
	}
	p.mu.Unlock()
	if ok {
		pf.f.Close()
		os.Remove(pf.f.Name())
	}
}

// Flush makes every pending blob durable: the temporary files are written
// to stable storage (on Linux, one syncfs of the blob store's file system;
// else, or with FsyncEach, an fsync of each, concurrently, so the file
// system can commit them as a group), renamed to their content addresses,
// and the renames made durable too. Without Deferred it does nothing.
func (b Blobs) Flush() error {
	if b.pending == nil {
		return nil
	}
	p := b.pending
	p.mu.Lock()
	files := p.files
	p.files = map[string]*pendingFile{}
	for sum, pf := range files {
		p.flushing[sum] = pf.f.Name()
	}
	p.mu.Unlock()
	if len(files) == 0 {
		return nil
	}
	defer func() {
		p.mu.Lock()
		for sum := range files {
			delete(p.flushing, sum)
		}
		p.mu.Unlock()
	}()
	type item struct{ sum, tmp string }
	items := make([]item, 0, len(files))
	open := make([]*os.File, 0, len(files))
	for sum, pf := range files {
		items = append(items, item{sum, pf.f.Name()})
		open = append(open, pf.f)
	}
	removeAll := func() {
		for _, it := range items {
			os.Remove(it.tmp)
		}
	}
	p.mu.Lock()
	fs := p.fs
	p.mu.Unlock()
	if fs != nil {
		// One flush of the file system covers every temporary file.
		var err error
		for _, f := range open {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err == nil {
			err = fs.sync()
		}
		if err != nil {
			removeAll()
			return fmt.Errorf("blob store: sync: %w", err)
		}
	} else {
		err := parallel(len(open), func(i int) error {
			err := open[i].Sync()
			if cerr := open[i].Close(); err == nil {
				err = cerr
			}
			return err
		})
		if err != nil {
			removeAll()
			return fmt.Errorf("blob store: sync: %w", err)
		}
	}
	dirs := map[string]bool{}
	var failed error
	for _, it := range items {
		dest := b.Path(it.sum)
		dir := filepath.Dir(dest)
		if err := b.place(it.tmp, dest); err != nil && failed == nil {
			failed = err
		}
		dirs[dir] = true
	}
	if failed != nil {
		return failed
	}
	if fs != nil {
		if err := fs.sync(); err != nil {
			return fmt.Errorf("blob store: sync renames: %w", err)
		}
		return nil
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	if err := parallel(len(dirList), func(i int) error { return syncDir(dirList[i]) }); err != nil {
		return fmt.Errorf("blob store: sync directory: %w", err)
	}
	return nil
}

// place moves a durable temporary file to its content address. An existing
// blob is left alone: it was made durable before it was renamed into place,
// and the name is the content.
func (b Blobs) place(tmp, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		os.Remove(tmp)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o750); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("blob store: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("blob store: %w", err)
	}
	return nil
}

// parallel runs f(0..n-1) on a few goroutines and returns the first error.
func parallel(n int, f func(int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for w := 0; w < min(n, 16); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// Path is where the blob with this hex SHA-256 lives.
func (b Blobs) Path(sum string) string {
	if len(sum) < 2 {
		return filepath.Join(b.Dir, "blobs", "xx", sum)
	}
	return filepath.Join(b.Dir, "blobs", sum[:2], sum)
}

// Open opens a stored (or, with Deferred, pending) blob for reading.
func (b Blobs) Open(sum string) (*os.File, error) {
	if p := b.pending; p != nil {
		p.mu.Lock()
		var tmp string
		if pf, ok := p.files[sum]; ok {
			tmp = pf.f.Name()
		} else {
			tmp = p.flushing[sum]
		}
		p.mu.Unlock()
		if tmp != "" {
			f, err := os.Open(tmp)
			if err == nil || !errors.Is(err, os.ErrNotExist) {
				return f, err
			}
			// Flush has just moved it to its content address.
		}
	}
	return os.Open(b.Path(sum))
}

// Has reports whether the blob is already stored durably.
func (b Blobs) Has(sum string) bool {
	_, err := os.Stat(b.Path(sum))
	return err == nil
}

const blobBufSize = 128 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, blobBufSize); return &b }}

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) { b = b[:0]; bufPool.Put(&b) }

// BlobWriter streams one blob to disk, hashing as it goes, so memory does not
// grow with the size of what is written.
type BlobWriter struct {
	b    Blobs
	f    *os.File
	cur  []byte // being filled: decoders hand over small pieces; write in large ones
	h    hash.Hash
	n    int64
	done bool

	// Full buffers are hashed and written by a goroutine of the writer's
	// own, started by the first of them, so that the caller goes on
	// receiving and decoding meanwhile. Small blobs never start one.
	work   chan []byte
	idle   chan struct{} // closed when the goroutine has ended
	werr   error         // the goroutine's write error, set before failed
	failed atomic.Bool
}

// Create starts a new blob. The caller writes to it and then calls Commit,
// or Abort to throw it away.
func (b Blobs) Create() (*BlobWriter, error) {
	tmpDir := filepath.Join(b.Dir, "blobs", "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	f, err := b.tempFile(tmpDir)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &BlobWriter{b: b, f: f, cur: getBuf(), h: sha256.New()}, nil
}

func (w *BlobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("blob already committed or aborted")
	}
	n := 0
	for len(p) > 0 {
		if w.failed.Load() {
			return n, fmt.Errorf("blob store: write: %w", w.werr)
		}
		k := copy(w.cur[len(w.cur):cap(w.cur)], p)
		w.cur = w.cur[:len(w.cur)+k]
		p = p[k:]
		n += k
		w.n += int64(k)
		if len(w.cur) == cap(w.cur) {
			w.hand()
		}
	}
	return n, nil
}

// hand passes the full buffer to the writer's goroutine.
func (w *BlobWriter) hand() {
	if w.work == nil {
		w.work = make(chan []byte, 2)
		w.idle = make(chan struct{})
		go func(work <-chan []byte) {
			defer close(w.idle)
			for buf := range work {
				if w.werr == nil {
					w.h.Write(buf)
					if _, err := w.f.Write(buf); err != nil {
						w.werr = err
						w.failed.Store(true)
					}
				}
				putBuf(buf)
			}
		}(w.work)
	}
	w.work <- w.cur
	w.cur = getBuf()
}

// settle waits for the writer's goroutine to write everything handed to
// it, writes the rest, and returns the first write error.
func (w *BlobWriter) settle() error {
	if w.work != nil {
		close(w.work)
		<-w.idle
		w.work = nil
	}
	err := w.werr
	if err == nil && len(w.cur) > 0 {
		w.h.Write(w.cur)
		_, err = w.f.Write(w.cur)
	}
	if w.cur != nil {
		putBuf(w.cur)
		w.cur = nil
	}
	return err
}

// Size is the number of bytes written so far.
func (w *BlobWriter) Size() int64 { return w.n }

// Abort removes the temporary file; it is safe after Commit.
func (w *BlobWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.settle()
	w.f.Close()
	os.Remove(w.f.Name())
}

// Commit makes the blob durable under its content address and returns its
// hex SHA-256 and size. The temporary file lives in blobs/tmp, on the same
// file system as the destination, so the rename is atomic. With Deferred,
// the blob stays pending (readable through Open) until Flush.
func (w *BlobWriter) Commit() (string, int64, error) {
	if w.done {
		return "", 0, errors.New("blob already committed or aborted")
	}
	if err := w.settle(); err != nil {
		w.Abort()
		return "", 0, fmt.Errorf("blob store: write: %w", err)
	}
	sum := hex.EncodeToString(w.h.Sum(nil))
	if p := w.b.pending; p != nil {
		w.done = true
		p.mu.Lock()
		defer p.mu.Unlock()
		if pf, dup := p.files[sum]; dup {
			pf.refs++
			w.f.Close()
			os.Remove(w.f.Name())
		} else {
			p.files[sum] = &pendingFile{f: w.f, refs: 1} // closed by Flush or Release
		}
		return sum, w.n, nil
	}
	if err := w.f.Sync(); err != nil {
		w.Abort()
		return "", 0, fmt.Errorf("blob store: sync: %w", err)
	}
	if err := w.f.Close(); err != nil {
		w.done = true
		os.Remove(w.f.Name())
		return "", 0, fmt.Errorf("blob store: close: %w", err)
	}
	w.done = true
	dest := w.b.Path(sum)
	if err := w.b.place(w.f.Name(), dest); err != nil {
		return "", 0, err
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return "", 0, fmt.Errorf("blob store: sync %s: %w", filepath.Dir(dest), err)
	}
	return sum, w.n, nil
}

// WriteBlob stores everything r yields and returns its hex SHA-256 and size.
func (b Blobs) WriteBlob(r io.Reader) (string, int64, error) {
	w, err := b.Create()
	if err != nil {
		return "", 0, err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Abort()
		return "", 0, err
	}
	return w.Commit()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
