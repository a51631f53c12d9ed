package extract

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestWorkerReplyOverItsLimit: an answer from the PDF worker longer than
// MaxWorkerReplyBytes is not read whole: the document fails with a reason
// that names the limit, the worker is replaced, and the next file is
// extracted as usual.
func TestWorkerReplyOverItsLimit(t *testing.T) {
	x := newTestExtractor(t, Options{Engine: EnginePDFium, Limits: Limits{MaxWorkerReplyBytes: 64}})
	pdf := "testdata/pdf/simple1.pdf"
	res, err := x.Extract(context.Background(), pdf)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "over the 64-byte limit") {
		t.Fatalf("status %s, reason %q", res.Status, res.Reason)
	}
	// A worker with room answers, in a fresh process.
	x.opts.Limits.MaxWorkerReplyBytes = 1 << 20
	if res = mustExtract(t, x, pdf); res.Status != StatusOK || !hasText(res.Pages) {
		t.Fatalf("after the oversized answer: %s %q", res.Status, res.Reason)
	}
}

// TestReadLineStopsAtItsLimit: readLine gives lines up to its limit and
// refuses a longer one without reading past the limit.
func TestReadLineStopsAtItsLimit(t *testing.T) {
	long := strings.Repeat("x", 100) + "\n"
	r := bufio.NewReaderSize(strings.NewReader("short\n"+long+"after\n"), 16)
	if line, err := readLine(r, 50); err != nil || string(line) != "short\n" {
		t.Fatalf("%q %v", line, err)
	}
	if _, err := readLine(r, 50); err != errLineTooLong {
		t.Fatalf("a 101-byte line under a 50-byte limit: %v", err)
	}
	if r.Buffered() > 16 {
		t.Fatalf("read on past the limit")
	}
}

// TestInProcessInputReadThroughTheLimit: a text, HTML or RTF file is read
// through MaxFileBytes even when it grew past the size checked before
// (extractAs is what reads it), and the reason names the file.
func TestInProcessInputReadThroughTheLimit(t *testing.T) {
	x := newTestExtractor(t, Options{MaxFileBytes: 1000})
	for _, typ := range []string{TypeText, TypeHTML, TypeRTF} {
		p := writeTemp(t, "big."+typ, []byte(strings.Repeat("word ", 400)))
		res, err := x.extractAs(context.Background(), typ, p, "annex/big."+typ, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != StatusFailed || !strings.Contains(res.Reason, "annex/big."+typ) || !strings.Contains(res.Reason, "over the 1000-byte limit") {
			t.Errorf("%s: status %s, reason %q", typ, res.Status, res.Reason)
		}
	}
	// Through Extract, the size is refused before anything is read.
	res := mustExtract(t, x, writeTemp(t, "big.txt", []byte(strings.Repeat("word ", 400))))
	if res.Status != StatusUnsupported || !strings.Contains(res.Reason, "over the 1000-byte limit") {
		t.Errorf("Extract: status %s, reason %q", res.Status, res.Reason)
	}
}

// TestProcessPendingPagesThroughMany: more pending attachments and
// bodies than one page holds are all made documents, each once, and the
// bodies only after every attachment.
func TestProcessPendingPagesThroughMany(t *testing.T) {
	ctx := context.Background()
	w := newDocWorld(t)
	const replies, perReply = 260, 2 // 520 attachments: more than store.Batch
	for i := range replies {
		w.reply(t, "Example Borough Council", "response", fmt.Sprintf("Reply %d: please find attached.", i),
			[2]string{"a.txt", fmt.Sprintf("Annex A of reply %d on recording meetings.", i)},
			[2]string{"b.txt", fmt.Sprintf("Annex B of reply %d on recording meetings.", i)})
	}
	x := newTestExtractor(t, Options{Tesseract: "-"})
	seen := map[string]int{}
	bodyBeforeAttachment := false
	var bodies int
	if err := x.ProcessPending(ctx, w.docs, w.blobs, func(p Progress) {
		if p.Item.AttachmentID == 0 {
			bodies++
			return
		}
		if bodies > 0 {
			bodyBeforeAttachment = true
		}
		seen[fmt.Sprint(p.Item.AttachmentID)]++
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != replies*perReply || bodies != replies || bodyBeforeAttachment {
		t.Fatalf("%d attachments, %d bodies (want %d and %d); a body before an attachment: %v", len(seen), bodies, replies*perReply, replies, bodyBeforeAttachment)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("attachment %s processed %d times", id, n)
		}
	}
	if left, err := w.docs.PendingAttachments(ctx, 0, 10); err != nil || len(left) != 0 {
		t.Fatalf("still pending: %d, %v", len(left), err)
	}
}
