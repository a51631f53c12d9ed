package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func putBlob(t *testing.T, b Store, content string) string {
	t.Helper()
	w, err := b.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, content); err != nil {
		t.Fatal(err)
	}
	sum, n, err := w.Commit()
	if err != nil || n != int64(len(content)) {
		t.Fatalf("commit: %v, %d bytes", err, n)
	}
	h := sha256.Sum256([]byte(content))
	if sum != hex.EncodeToString(h[:]) {
		t.Fatalf("sum %s", sum)
	}
	return sum
}

func tmpFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestDeferredBlobs(t *testing.T) {
	for _, fs := range []bool{false, true} {
		t.Run(map[bool]string{true: "syncfs", false: "fsync-each"}[fs], func(t *testing.T) {
			dir := t.TempDir()
			b := Store{Dir: dir, FsyncEach: !fs}.Deferred()
			a := putBlob(t, b, "raw message")
			c := putBlob(t, b, "shared attachment")
			putBlob(t, b, "shared attachment") // a second commit of the same content
			d := putBlob(t, b, "a duplicate's copy")
			if usesFS := b.pending.fs != nil; usesFS != (fs && runtime.GOOS == "linux") {
				t.Errorf("flushes with syncfs: %v", usesFS)
			}

			// Pending: readable through the set, not at its content address.
			if b.Has(a) {
				t.Fatal("pending blob already at its content address")
			}
			f, err := b.Open(a)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(f)
			f.Close()
			if string(got) != "raw message" {
				t.Fatalf("pending blob reads %q", got)
			}

			// One of two commits given up: still flushed. The only commit
			// given up: never made durable, its temporary file gone.
			b.Release(c)
			b.Release(d)
			if err := b.Flush(); err != nil {
				t.Fatal(err)
			}
			for _, sum := range []string{a, c} {
				if !b.Has(sum) {
					t.Errorf("blob %s not stored after Flush", sum[:8])
				}
			}
			if b.Has(d) {
				t.Error("a released blob was stored")
			}
			// After the flush the set still opens the blob, now from its
			// content address; releasing it changes nothing.
			b.Release(a)
			if f, err := b.Open(a); err != nil {
				t.Error(err)
			} else {
				f.Close()
			}
			if !b.Has(a) {
				t.Error("releasing a flushed blob removed it")
			}
			// A second batch that stores the same content again.
			putBlob(t, b, "raw message")
			if err := b.Flush(); err != nil {
				t.Fatal(err)
			}
			b.Close()
			if left := tmpFiles(t, dir); len(left) != 0 {
				t.Errorf("temporary files left after Close: %v", left)
			}
			if err := b.Flush(); err != nil {
				t.Errorf("Flush with nothing pending: %v", err)
			}
		})
	}
}

func TestBlobsWithoutDeferredAreDurableAtCommit(t *testing.T) {
	dir := t.TempDir()
	b := Store{Dir: dir}
	sum := putBlob(t, b, strings.Repeat("x", 300<<10))
	if !b.Has(sum) {
		t.Fatal("not stored at Commit")
	}
	if left := tmpFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	b.Close()
}
