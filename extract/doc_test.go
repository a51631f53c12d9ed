package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeAntiword is a program in antiword's place that prints script's
// output, so a test decides what "antiword" says.
func fakeAntiword(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "antiword")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// antiword's output is held to the text limit: more fails the document
// with that reason, promptly (antiword is not read to its end); output
// within the limit is the document's text.
func TestAntiwordOutputIsCapped(t *testing.T) {
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 4096)...)
	p := writeTemp(t, "old.doc", ole)

	// Endless output: only the cap ends it.
	x := newTestExtractor(t, Options{Antiword: fakeAntiword(t, "yes 'a line of a policy'"), Limits: Limits{MaxTextBytes: 64 << 10}})
	start := time.Now()
	res := mustExtract(t, x, p)
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "larger than the text limit (65536 bytes)") || res.Text() != "" {
		t.Fatalf("endless antiword: %s: %s (%d bytes of text)", res.Status, res.Reason, len(res.Text()))
	}
	if d := time.Since(start); d > antiwordTimeout/2 {
		t.Errorf("the over-long output was read for %s, not stopped at the cap", d)
	}

	x = newTestExtractor(t, Options{Antiword: fakeAntiword(t, "echo 'A short policy.'"), Limits: Limits{MaxTextBytes: 64 << 10}})
	res = mustExtract(t, x, p)
	if res.Status != StatusOK || strings.TrimSpace(res.Text()) != "A short policy." {
		t.Fatalf("short antiword output: %s: %s %q", res.Status, res.Reason, res.Text())
	}
}

// A cappedBuffer that does not refuse keeps the start and takes the rest
// without failing the program.
func TestCappedBufferKeepsTheStart(t *testing.T) {
	b := cappedBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "hij"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("write %q: %d %v", s, n, err)
		}
	}
	if b.String() != "abcde" || !b.over {
		t.Errorf("kept %q, over %v", b.String(), b.over)
	}
}
