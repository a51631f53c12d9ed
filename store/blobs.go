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
)

// Blobs is the content-addressed file store under the data directory where
// raw mail and attachments live, each at blobs/<sha256[:2]>/<sha256>. A blob
// is written to a temporary file in its final directory, fsynced, renamed and
// the directory fsynced, so once Commit returns the bytes survive a crash and
// a reader never sees a half-written file. Writing the same content twice is
// harmless: the name is the content.
type Blobs struct {
	Dir string // the data directory; blobs go under Dir/blobs
}

// Path is where the blob with this hex SHA-256 lives.
func (b Blobs) Path(sum string) string {
	if len(sum) < 2 {
		return filepath.Join(b.Dir, "blobs", "xx", sum)
	}
	return filepath.Join(b.Dir, "blobs", sum[:2], sum)
}

// Open opens a stored blob for reading.
func (b Blobs) Open(sum string) (*os.File, error) {
	return os.Open(b.Path(sum))
}

// Has reports whether the blob is already stored.
func (b Blobs) Has(sum string) bool {
	_, err := os.Stat(b.Path(sum))
	return err == nil
}

// BlobWriter streams one blob to disk, hashing as it goes, so memory does not
// grow with the size of what is written.
type BlobWriter struct {
	b    Blobs
	f    *os.File
	h    hash.Hash
	n    int64
	done bool
}

// Create starts a new blob. The caller writes to it and then calls Commit,
// or Abort to throw it away.
func (b Blobs) Create() (*BlobWriter, error) {
	tmpDir := filepath.Join(b.Dir, "blobs", "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "incoming-*")
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &BlobWriter{b: b, f: f, h: sha256.New()}, nil
}

func (w *BlobWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// Size is the number of bytes written so far.
func (w *BlobWriter) Size() int64 { return w.n }

// Abort removes the temporary file; it is safe after Commit.
func (w *BlobWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}

// Commit makes the blob durable under its content address and returns its
// hex SHA-256 and size. The temporary file lives in blobs/tmp, on the same
// file system as the destination, so the rename is atomic.
func (w *BlobWriter) Commit() (string, int64, error) {
	if w.done {
		return "", 0, errors.New("blob already committed or aborted")
	}
	sum := hex.EncodeToString(w.h.Sum(nil))
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
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		os.Remove(w.f.Name())
		return "", 0, fmt.Errorf("blob store: %w", err)
	}
	if err := os.Rename(w.f.Name(), dest); err != nil {
		os.Remove(w.f.Name())
		return "", 0, fmt.Errorf("blob store: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", 0, fmt.Errorf("blob store: sync %s: %w", dir, err)
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
