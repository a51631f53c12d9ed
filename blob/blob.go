// Package blob is foidesk's content-addressed file store: raw mail and
// attachments, under the data directory at
// blobs/<first two hex digits of the SHA-256>/<SHA-256>. A blob is durable
// before its name is: nothing may refer to one in the database until Commit
// (or, for a deferred batch, Flush) has returned. It knows nothing of the
// database; ingest writes blobs before recording the mail that names them,
// and extract reads them.
package blob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Store is the content-addressed file store under the data directory where
// raw mail and attachments live, each at blobs/<sha256[:2]>/<sha256>. A blob
// is written to a temporary file in its final directory, fsynced, renamed and
// the directory fsynced, so once Commit returns the bytes survive a crash and
// a reader never sees a half-written file. Writing the same content twice is
// harmless: the name is the content.
type Store struct {
	Dir string // the data directory; blobs go under Dir/blobs
	// FsyncEach makes Flush fsync each pending file and directory (run
	// concurrently) instead of flushing the blob store's whole file system
	// with one syncfs before the renames and one after (Linux 5.8+; the
	// default there). syncfs measured 15-20% faster for a batch of replies
	// (docs/BENCHMARKS.md), but it also waits for every other writer's dirty
	// data on that file system: set this where the data directory shares a
	// busy disk.
	FsyncEach bool

	pending *pendingSet // set by Deferred
}

// pendingSet are written but not yet durable: they stay at their
// temporary names until Flush, so no content-addressed name ever points at
// bytes that might not survive a crash.
type pendingSet struct {
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

// Deferred returns a Store whose Commit leaves each blob at its temporary
// name until Flush makes them all durable together: one wait for the disk
// per batch instead of one per blob. Open finds pending blobs too. Nothing
// may be recorded as referring to a pending blob before Flush returns.
// Commit and Release may run while another goroutine flushes.
func (b Store) Deferred() Store {
	return Store{Dir: b.Dir, FsyncEach: b.FsyncEach, pending: &pendingSet{files: map[string]*pendingFile{}, flushing: map[string]string{}}}
}

// Close releases what Deferred holds open. Pending blobs not flushed stay
// at their temporary names, which CleanTemp removes later.
func (b Store) Close() {
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
func (b Store) start(tmpDir string) {
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
			f, err := os.CreateTemp(tmpDir, tempPattern())
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
func (b Store) tempFile(tmpDir string) (*os.File, error) {
	if p := b.pending; p != nil {
		b.start(tmpDir)
		select {
		case f := <-p.spare:
			return f, nil
		default:
		}
	}
	return os.CreateTemp(tmpDir, tempPattern())
}

// Release gives up one Commit of a pending blob that will not be recorded
// after all (the message turned out to be stored already, or it was cut
// short): when no other commit of the same content is waiting, its
// temporary file is removed instead of made durable. A blob already flushed
// is left alone. Without Deferred it does nothing.
func (b Store) Release(sum string) {
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
func (b Store) Flush() error {
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
func (b Store) place(tmp, dest string) error {
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
func (b Store) Path(sum string) string {
	if len(sum) < 2 {
		return filepath.Join(b.Dir, "blobs", "xx", sum)
	}
	return filepath.Join(b.Dir, "blobs", sum[:2], sum)
}

// Open opens a stored (or, with Deferred, pending) blob for reading.
func (b Store) Open(sum string) (*os.File, error) {
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
func (b Store) Has(sum string) bool {
	_, err := os.Stat(b.Path(sum))
	return err == nil
}
