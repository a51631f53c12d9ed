//go:build linux

package blob

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// fsSyncer flushes the whole file system that holds the blob store with
// syncfs(2): one call, and one journal commit, for every file of a batch
// instead of an fsync each. Since Linux 5.8 syncfs reports a writeback
// error of any file on the file system that happened after the descriptor
// was opened; it is opened before the first temporary file of a batch is
// created, so a failed write of one of them cannot go unnoticed.
type fsSyncer struct{ f *os.File }

// openFSSyncer returns nil (use fsync per file) when the temporary
// directory is not on the same file system as the blob store, or when the
// kernel is too old for syncfs to report errors.
func openFSSyncer(dir string) *fsSyncer {
	if !syncfsReportsErrors() {
		return nil
	}
	tmp := filepath.Join(dir, "blobs", "tmp")
	f, err := os.Open(tmp)
	if err != nil {
		return nil
	}
	var a, b syscall.Stat_t
	if syscall.Fstat(int(f.Fd()), &a) != nil || syscall.Stat(filepath.Join(dir, "blobs"), &b) != nil || a.Dev != b.Dev {
		f.Close()
		return nil
	}
	return &fsSyncer{f: f}
}

func (s *fsSyncer) sync() error {
	for {
		err := unix.Syncfs(int(s.f.Fd()))
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func (s *fsSyncer) close() { s.f.Close() }

// syncfsReportsErrors is whether the kernel is 5.8 or later.
func syncfsReportsErrors() bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var major, minor int
	r := u.Release[:]
	i := 0
	for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
		major = major*10 + int(r[i]-'0')
	}
	if i >= len(r) || r[i] != '.' {
		return false
	}
	for i++; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
		minor = minor*10 + int(r[i]-'0')
	}
	return major > 5 || major == 5 && minor >= 8
}
