package blob

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

const blobBufSize = 128 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, blobBufSize); return &b }}

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) { b = b[:0]; bufPool.Put(&b) }

// Writer streams one blob to disk, hashing as it goes, so memory does not
// grow with the size of what is written.
type Writer struct {
	b    Store
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
func (b Store) Create() (*Writer, error) {
	tmpDir := filepath.Join(b.Dir, "blobs", "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	f, err := b.tempFile(tmpDir)
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &Writer{b: b, f: f, cur: getBuf(), h: sha256.New()}, nil
}

func (w *Writer) Write(p []byte) (int, error) {
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
func (w *Writer) hand() {
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
func (w *Writer) settle() error {
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
func (w *Writer) Size() int64 { return w.n }

// Abort removes the temporary file; it is safe after Commit.
func (w *Writer) Abort() {
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
func (w *Writer) Commit() (string, int64, error) {
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

// Put stores everything r yields and returns its hex SHA-256 and size.
func (b Store) Put(r io.Reader) (string, int64, error) {
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
