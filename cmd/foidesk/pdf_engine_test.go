package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"foidesk/ingest/imaptest"
)

// The first PDF on a machine compiles the PDF engine, which takes seconds:
// 'foidesk extract' says so on stderr, once; the next run is silent.
func TestExtractAnnouncesPDFEngineOnce(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // a machine that never read a PDF
	// The race detector more than doubles the compilation's ~350 MB.
	cfg := writeFile(t, "foidesk.toml", "[extract]\nworker_memory_mb = 4096\n")
	pdf := filepath.Join("..", "..", "extract", "testdata", "pdf", "pdf_test.pdf")
	out, errOut, code := runCLI(t, "--config", cfg, "extract", pdf)
	if code != exitOK || !strings.Contains(out, "This is a heading") {
		t.Fatalf("first extract: exit %d %q %q", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 2 || lines[0] != "foidesk: preparing the PDF engine, once: ~5 s" || !strings.HasPrefix(lines[1], "foidesk: the PDF engine is ready (prepared in ") {
		t.Fatalf("first extract's stderr: %q, want the notice and how long it took", errOut)
	}
	out, errOut, code = runCLI(t, "--config", cfg, "extract", pdf)
	if code != exitOK || !strings.Contains(out, "This is a heading") || errOut != "" {
		t.Fatalf("second extract: exit %d %q, stderr %q, want nothing on stderr", code, out, errOut)
	}
}

// run starts its loops without waiting for the PDF engine: /healthz
// answers while the preparation waits on another command's compilation
// (here, the test holding the cache's lock), and a stop ends the wait.
func TestRunServesWhilePreparingPDFEngine(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir := filepath.Join(cache, "foidesk", "pdfium")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The lock package extract takes while it compiles (extract/prepare.go).
	lock, err := os.OpenFile(filepath.Join(dir, "prepare.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}

	imap := imaptest.Start(t, true, "INBOX")
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	tmp := t.TempDir()
	cfg := filepath.Join(tmp, "foidesk.toml")
	body := fmt.Sprintf("[store]\ndata_dir = %q\n\n[imap]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\nusername = %q\npoll_interval = \"100ms\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n",
		filepath.Join(tmp, "data"), imap.Port, imaptest.User)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--config", cfg, "--db", filepath.Join(tmp, "foidesk.db"), "run"}, strings.NewReader(""), out, errb)
	}()
	addr := servingAddr(t, out)
	eventually(t, "run to wait for the PDF engine", func() bool {
		return strings.Contains(errb.String(), "waiting while the PDF engine is prepared")
	})
	eventually(t, "/healthz to be ok while the PDF engine is prepared", func() bool {
		code, body := httpGet(t, "http://"+addr+"/healthz")
		return code == 200 && body == "ok\n"
	})
	if strings.Contains(errb.String(), "the PDF engine is ready") {
		t.Fatal("the PDF engine was prepared under another command's lock")
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("run exited %d on a clean stop while preparing:\n%s", code, errb.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("run did not stop while preparing the PDF engine")
	}
}
