package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"foidesk/internal/demo"
	"foidesk/store/document"
	"foidesk/store/tally"
)

// TestDemo runs a short demo in-process, on a clock fast enough to play
// the whole cycle in a few seconds (and a longer span than the default, as
// the dispatcher's and the chasers' looks are on the wall clock: on this
// clock a digest or a chaser may wait days of campaign time to go), and checks what a newcomer is told
// against what happened: every council got one request, every reply was
// stored and matched, requests went overdue and a digest said so, the
// summary counts the councils written to, and nothing is left behind.
func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	const councils = 10

	var (
		requests           map[string]int
		delivered, digests int
		followUps          int
		counts             tally.Counts
		overdueAlerts      int
		docTypes           = map[string]bool{}
		scans              []scannedReply
	)
	demoFinished = func(sim *demo.Councils, st *stores) {
		ctx := context.Background()
		requests, delivered, digests, followUps = sim.Requests(), sim.Replies(), sim.Digests(), sim.FollowUps()
		var err error
		if counts, err = tally.New(st.Store).Count(ctx); err != nil {
			t.Error(err)
		}
		docs, err := st.documents.List(ctx, document.Filter{Status: "ok", Limit: 1000})
		if err != nil {
			t.Error(err)
		}
		for _, d := range docs {
			docTypes[d.Type] = true
		}
		scans = scannedReplies(t, st)
		c, err := st.campaigns.ByName(ctx, demoCampaign)
		if err != nil {
			t.Fatal(err)
		}
		reqs, err := st.campaigns.Requests(ctx, c.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			as, err := st.alerts.Alerts(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if a.To == "overdue" {
					overdueAlerts++
				}
			}
		}
	}
	t.Cleanup(func() { demoFinished = nil })

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "--authorities", "10", "--speed", "250000", "--days", "60", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if requests == nil {
		t.Fatal("the demo never finished its cycle")
	}
	if len(requests) != councils {
		t.Errorf("%d councils received a request, want %d: %v", len(requests), councils, requests)
	}
	for code, n := range requests {
		if n != 1 {
			t.Errorf("council %s received %d requests, want 1", code, n)
		}
	}
	stored := 0
	for _, n := range counts.Messages {
		stored += n
	}
	if delivered == 0 || stored != delivered {
		t.Errorf("stored %d replies of the %d the councils sent", stored, delivered)
	}
	if counts.Unmatched != 0 {
		t.Errorf("%d replies left unmatched", counts.Unmatched)
	}
	if counts.Messages["bounce"] == 0 {
		t.Errorf("no bounce sorted as one: %v", counts.Messages)
	}
	for _, typ := range []string{"pdf", "docx", "zip", "email-body"} {
		if !docTypes[typ] {
			t.Errorf("no %s document extracted: %v", typ, docTypes)
		}
	}
	// The scanned letter has no text layer: its text is tesseract's, and
	// it waits for a reviewer like any answer. (Without tesseract, on a
	// laptop, TestDemoWithoutTesseract's checks hold instead.)
	if len(scans) != 1 {
		t.Errorf("%d scanned replies stored, want 1", len(scans))
	}
	if _, err := exec.LookPath("tesseract"); err == nil {
		for _, sc := range scans {
			if sc.status != "ok" || !sc.queued || !strings.Contains(strings.ToLower(sc.text), "corporate parenting") {
				t.Errorf("the scanned reply: status %s, queued %v, text %q", sc.status, sc.queued, sc.text)
			}
		}
		if strings.Contains(out.String(), "for OCR") {
			t.Errorf("with tesseract installed, the demo says something waits for OCR:\n%s", out.String())
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("tesseract is not installed, and CI=true: .ci/run must install it")
	}
	if overdueAlerts == 0 {
		t.Error("no overdue alert recorded")
	}
	if followUps == 0 {
		t.Error("no chaser reached a silent council")
	}
	if digests == 0 || !strings.Contains(out.String(), "--- alert digest sent to "+demoDigest) {
		t.Errorf("%d digests received; digest printed: %v", digests, strings.Contains(out.String(), "alert digest"))
	}
	demoPrinted(t, out.String(), "review app: http://127.0.0.1:", "sign in as demo with password ",
		"## recording-policy: results as of ", "| targeted | 10 |", "| sent | 10 | 10 |")
	demoLeftNothing(t, tmp)
}

// demoPrinted checks the demo's standard output holds each of wants.
func demoPrinted(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

// demoLeftNothing checks the demo removed its temporary data from tmp.
func demoLeftNothing(t *testing.T, tmp string) {
	t.Helper()
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("the temporary data was left behind: %v", left)
	}
}

// scannedReply is a scanned letter a council sent, as stored.
type scannedReply struct {
	status, text string
	queued       bool // in the review queue
}

// scannedReplies are the stored documents that came as the councils'
// scanned letter.
func scannedReplies(t *testing.T, st *stores) []scannedReply {
	t.Helper()
	ctx := context.Background()
	docs, err := st.documents.List(ctx, document.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := st.documents.ReviewQueue(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []scannedReply
	for _, d := range docs {
		if len(d.Sources) == 0 || d.Sources[0].Filename != demo.ScannedFilename {
			continue
		}
		text, err := st.documents.Text(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		sc := scannedReply{status: d.Status, text: text}
		for _, q := range queue {
			sc.queued = sc.queued || q.DocumentID == d.ID
		}
		out = append(out, sc)
	}
	return out
}

// TestDemoWithoutTesseract: on a machine without tesseract (here, a PATH
// without it) the demo still runs to the end; the scanned letter is stored
// and queued for review, waiting for OCR, and the demo says so once.
func TestDemoWithoutTesseract(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("PATH", t.TempDir())
	var scans []scannedReply
	var needsOCR int
	demoFinished = func(_ *demo.Councils, st *stores) {
		scans = scannedReplies(t, st)
		counts, err := tally.New(st.Store).Count(context.Background())
		if err != nil {
			t.Error(err)
		}
		needsOCR = counts.Documents["needs_ocr"]
	}
	t.Cleanup(func() { demoFinished = nil })
	var out, errOut bytes.Buffer
	// Three councils: the third sends the scanned letter.
	code := run(context.Background(), []string{"demo", "--authorities", "3", "--speed", "250000", "--days", "30", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if len(scans) != 1 || needsOCR != 1 {
		t.Fatalf("%d scanned replies stored, %d documents waiting for OCR; want 1 and 1", len(scans), needsOCR)
	}
	if sc := scans[0]; sc.status != "needs_ocr" || !sc.queued || strings.TrimSpace(sc.text) != "" {
		t.Errorf("the scanned reply: status %s, queued %v, text %q", sc.status, sc.queued, sc.text)
	}
	const said = "1 scanned document waits for OCR: tesseract is not installed"
	if n := strings.Count(out.String(), said); n != 1 || !strings.Contains(out.String(), "apt-get install tesseract-ocr") {
		t.Errorf("stdout says %q %d times, want once with how to install it:\n%s", said, n, out.String())
	}
}

// TestDemoInterrupted: Ctrl-C in the middle of the cycle stops the demo
// cleanly (exit 0, the summary so far) and removes its temporary data.
func TestDemoInterrupted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errOut syncBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(context.Background(), []string{"demo", "--authorities", "5", "--speed", "20000", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "review app:") {
		select {
		case code := <-exited:
			t.Fatalf("demo exited %d before serving\n%s%s", code, out.String(), errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo never printed its login\n%s%s", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("demo exited %d after Ctrl-C\n%s%s", code, out.String(), errOut.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the demo did not stop after Ctrl-C")
	}
	demoPrinted(t, out.String(), "demo stopped before the end of the cycle", "| targeted | 5 |")
	demoLeftNothing(t, tmp)
}

// TestDemoRefusesARealDatabase: the demo never writes into a database or
// config the user named.
func TestDemoRefusesARealDatabase(t *testing.T) {
	db := t.TempDir() + "/real.db"
	for _, args := range [][]string{{"--db", db, "demo"}, {"demo", "--config", t.TempDir() + "/foidesk.toml"}, {"demo", "--days", "5"}, {"demo", "--authorities", "-1"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errOut); code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitUsage, out.String(), errOut.String())
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the demo touched %s: %v", db, err)
	}
}
