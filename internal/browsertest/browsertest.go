// Package browsertest runs end-to-end tests of the web app in a real
// browser: Debian's chromium, headless, driven over the DevTools protocol
// by chromedp. A test gets a browser tab (New), a loopback server for the
// handler under test (Serve), and a record of what the page logged,
// including Content-Security-Policy violations (Console).
//
// Chromium is a Debian package (.ci/run installs it). Where it is missing
// a test skips, except under CI=true, where it fails: the browser tests
// must run in CI.
package browsertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Timeout bounds one test's whole browser session.
const Timeout = 60 * time.Second

// candidates are the names chromium goes by, tried in order after
// $FOIDESK_CHROMIUM.
var candidates = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// Chromium finds the browser: $FOIDESK_CHROMIUM, else the first of the
// usual names on $PATH.
func Chromium() (string, error) {
	if p := os.Getenv("FOIDESK_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on $PATH (apt-get install chromium, or set $FOIDESK_CHROMIUM)")
}

// New starts a headless chromium with a fresh profile in a temporary
// directory and returns the context of its first tab; the browser is
// stopped when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := Chromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser test under CI=true: %v", err)
		}
		t.Skipf("skipping browser test: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, Timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	// Start the browser now, so a failure to launch is reported as such.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// Serve serves h on a loopback listener for the rest of the test and
// returns its base URL (http://127.0.0.1:PORT). The listener is open
// before the URL is returned, so the browser never races the server.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}
