//go:build unix

package mailer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A dispatcher's identity is a random id recorded on every row it claims,
// and an exclusive lock on a file named after it, held for as long as the
// process lives. The kernel drops the lock when the process dies, however
// it dies, so another dispatcher can tell "claimed by a live process" (lock
// held) from "claimed by one that died mid-send" (lock free) at once and
// without timers.
type owner struct {
	id   string
	dir  string
	file *os.File
}

// lockDir is the directory of the dispatchers' lock files of the database
// at dbPath. Every dispatcher of one database must find the same directory
// however it was told the path (relative, through a symlink, with "..":
// a dispatcher looking in another directory would take a live one for
// dead and mark its claim unknown), so it is named after the file the path
// resolves to, as SQLite names the journal it shares between connections.
func lockDir(dbPath string) (string, error) {
	real, err := filepath.EvalSymlinks(dbPath)
	if err != nil {
		return "", fmt.Errorf("dispatcher lock directory: resolve database path: %w", err)
	}
	if real, err = filepath.Abs(real); err != nil {
		return "", fmt.Errorf("dispatcher lock directory: %w", err)
	}
	return real + ".dispatchers", nil
}

func newOwner(dbPath string) (*owner, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	dir, err := lockDir(dbPath)
	if err != nil {
		return nil, err
	}
	o := &owner{id: fmt.Sprintf("pid%d-%s", os.Getpid(), hex.EncodeToString(b[:])), dir: dir}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, fmt.Errorf("dispatcher lock directory: %w", err)
	}
	// The file is locked under a temporary name and then renamed into
	// place, so a file under a dispatcher's name is never seen unlocked
	// while its dispatcher lives: sweep relies on it.
	tmp := o.path(o.id) + ".new"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_RDWR|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dispatcher lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("dispatcher lock: %w", err)
	}
	if err := os.Rename(tmp, o.path(o.id)); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("dispatcher lock: %w", err)
	}
	o.file = f
	return o, nil
}

// sweep removes the lock files of dispatchers that have exited (killed
// ones leave theirs behind). Call it after their rows were recovered.
func (o *owner) sweep() {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || id == o.id {
			continue
		}
		p := filepath.Join(o.dir, e.Name())
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.Remove(p)
		}
		f.Close()
	}
}

func (o *owner) path(id string) string {
	return filepath.Join(o.dir, strings.NewReplacer("/", "_", string(filepath.Separator), "_").Replace(id)+".lock")
}

// dead reports whether the dispatcher id holds no lock: it has exited. When
// it reports true, the caller holds that lock until release is called, so
// no other check races it.
func (o *owner) dead(id string) (bool, func(), error) {
	if id == o.id {
		return false, func() {}, nil
	}
	p := o.path(id)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false, nil, fmt.Errorf("check dispatcher %s: %w", id, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return false, func() {}, nil
	}
	if err != nil {
		f.Close()
		return false, nil, fmt.Errorf("check dispatcher %s: %w", id, err)
	}
	return true, func() { os.Remove(p); f.Close() }, nil
}

func (o *owner) close() {
	if o.file != nil {
		os.Remove(o.path(o.id))
		o.file.Close()
		o.file = nil
	}
}
