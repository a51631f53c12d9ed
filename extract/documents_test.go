package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/blob"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// policyText is a model policy of about 400 words; councils send it back
// with their own name in it.
func policyText(council string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: policy on parents recording meetings with social workers.\n", council)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "Section %d. Parents may make an audio recording of meetings about their child, and %s will not refuse consent without a reason given in writing. ", i+1, council)
	}
	return b.String()
}

type docWorld struct {
	st    *store.Store
	docs  *document.Store
	mail  *mail.Store
	blobs blob.Store
	reqs  map[string]campaign.Request
	uid   uint32
}

func newDocWorld(t *testing.T) *docWorld {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := mail.New(st).StartMailbox(ctx, "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	w := &docWorld{st: st, docs: document.New(st), mail: mail.New(st), blobs: blob.Store{Dir: filepath.Join(dir, "data")}, reqs: map[string]campaign.Request{}}
	for _, name := range []string{"Example Borough Council", "Other District Council", "Third County Council"} {
		r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: name, AuthorityEmail: "foi@" + strings.Fields(name)[0] + ".gov.uk"})
		if err != nil {
			t.Fatal(err)
		}
		w.reqs[name] = r
	}
	return w
}

// reply records a response from authority with attachments (name → bytes).
func (w *docWorld) reply(t *testing.T, authority, kind, body string, files ...[2]string) int64 {
	t.Helper()
	var atts []mail.NewAttachment
	for _, f := range files {
		sum, size, err := w.blobs.Put(bytes.NewReader([]byte(f[1])))
		if err != nil {
			t.Fatal(err)
		}
		atts = append(atts, mail.NewAttachment{Part: fmt.Sprint(len(atts) + 2), Filename: f[0], ContentType: "application/octet-stream", Size: size, SHA256: sum})
	}
	w.uid++
	raw := sha256.Sum256([]byte(fmt.Sprint(authority, w.uid, body)))
	rec, err := w.mail.RecordMessage(context.Background(), mail.NewMessage{
		SHA256: hex.EncodeToString(raw[:]), Size: 100, Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: w.uid},
		Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("m%d@test", w.uid), FromAddr: "foi@test", Subject: "Re: request",
			BodyText: body, Attachments: atts, RequestID: w.reqs[authority].ID, MatchedBy: "test", Kind: kind, KindReason: "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

func TestDocumentsFromStoredMail(t *testing.T) {
	ctx := context.Background()
	w := newDocWorld(t)
	docx, err := os.ReadFile("testdata/formats/policy.docx")
	if err != nil {
		t.Fatal(err)
	}
	scan, err := os.ReadFile("testdata/pdf/pdf-with-jbig2.pdf")
	if err != nil {
		t.Fatal(err)
	}
	w.reply(t, "Example Borough Council", "response", "Please find attached.",
		[2]string{"policy.docx", string(docx)}, [2]string{"model.txt", policyText("Example Borough Council")})
	// The identical file from a second authority, and the same model
	// policy with that authority's name.
	w.reply(t, "Other District Council", "response", "Attached.",
		[2]string{"Recording Policy (final).docx", string(docx)}, [2]string{"ours.txt", policyText("Other District Council")},
		[2]string{"scan.pdf", string(scan)})
	// A substantive answer in the body, no attachment.
	w.reply(t, "Third County Council", "response", strings.Repeat("We do not hold a written policy on recording meetings; staff follow guidance. ", 4))
	// An acknowledgement with a logo: extracted, but not queued.
	w.reply(t, "Third County Council", "acknowledgement", "We have received your request.", [2]string{"logo.txt", "Third County Council"})

	x := newTestExtractor(t, Options{Tesseract: "-"})
	var progress []Progress
	if err := x.ProcessPending(ctx, w.docs, w.blobs, func(p Progress) { progress = append(progress, p) }); err != nil {
		t.Fatal(err)
	}
	// Five attachments, the logo, and three response bodies.
	if len(progress) != 9 {
		t.Fatalf("%d items processed, want 9: %+v", len(progress), progress)
	}
	docs, err := w.docs.List(ctx, document.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// policy.docx once (two sources), two model texts, scan, three
	// bodies, logo.
	if len(docs) != 8 {
		t.Fatalf("%d documents, want 8", len(docs))
	}
	byName := map[string]document.Summary{}
	var covering []document.Summary
	for _, d := range docs {
		if d.Origin == document.FromBody && d.Sources[0].Authority != "Third County Council" {
			covering = append(covering, d)
			continue
		}
		byName[d.Sources[0].Filename] = d
	}
	// "Please find attached." with its attachments queued is not queued itself.
	if len(covering) != 2 || covering[0].Review != "" || covering[1].Review != "" {
		t.Fatalf("covering notes: %+v", covering)
	}
	policy := byName["policy.docx"]
	if len(policy.Sources) != 2 || policy.Sources[1].Filename != "Recording Policy (final).docx" || policy.Sources[1].Authority != "Other District Council" {
		t.Fatalf("identical file not linked: %+v", policy.Sources)
	}
	ours := byName["ours.txt"]
	if ours.SimilarTo != byName["model.txt"].ID || ours.Similarity < SimilarEnough {
		t.Fatalf("near-duplicate not flagged: %+v", ours)
	}
	if byName["model.txt"].SimilarTo != 0 {
		t.Fatal("the first copy flagged as a duplicate of a later one")
	}
	if s := byName["scan.pdf"]; s.Status != "needs_ocr" || s.Review != "pending" {
		t.Fatalf("scan: %+v", s)
	}
	if b := byName["(message body)"]; b.Origin != "body" || b.Review != "pending" {
		t.Fatalf("body document: %+v", b)
	}
	if l := byName["logo.txt"]; l.Review != "" {
		t.Fatalf("an acknowledgement's attachment was queued: %+v", l)
	}
	// A second run finds nothing new.
	progress = nil
	if err := x.ProcessPending(ctx, w.docs, w.blobs, func(p Progress) { progress = append(progress, p) }); err != nil || len(progress) != 0 {
		t.Fatalf("second run: %v %+v", err, progress)
	}

	// Search: diacritics folded, ligature split, phrase and prefix.
	for q, want := range map[string]int64{"wyr": policy.ID, "affirms": policy.ID, `"written policy"`: byName["(message body)"].ID, "Childr*": policy.ID} {
		hits, err := w.docs.Search(ctx, document.Query{Text: q, Kind: document.SearchDocuments})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].ID != want {
			t.Errorf("search %s: %+v", q, hits)
		}
	}
	if _, err := w.docs.Search(ctx, document.Query{Text: `don't "s.17`}); err != nil {
		t.Errorf("punctuation in a query: %v", err)
	}

	// Re-extract after installing tesseract.
	needTool(t, "tesseract")
	x2 := newTestExtractor(t, Options{})
	if err := x2.Reextract(ctx, w.docs, w.blobs, "needs_ocr", nil); err != nil {
		t.Fatal(err)
	}
	after, _ := w.docs.List(ctx, document.Filter{ID: byName["scan.pdf"].ID})
	if after[0].Status != "ok" || after[0].Engine != EnginePDFium {
		t.Fatalf("after reextract: %+v", after[0])
	}
	events, _ := w.st.Events(ctx, store.EventFilter{Kind: "document."})
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
	}
	if kinds["document.extracted"] != 8 || kinds["document.linked"] != 1 || kinds["document.reextracted"] != 1 {
		t.Fatalf("events: %v", kinds)
	}
}

// queuedBodies runs extraction and reports, by message, whether each
// response body was queued.
func queuedBodies(t *testing.T, w *docWorld) map[int64]bool {
	t.Helper()
	ctx := context.Background()
	x := newTestExtractor(t, Options{Tesseract: "-"})
	if err := x.ProcessPending(ctx, w.docs, w.blobs, nil); err != nil {
		t.Fatal(err)
	}
	docs, err := w.docs.List(ctx, document.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, d := range docs {
		if d.Origin == document.FromBody {
			out[d.Sources[0].MessageID] = d.Review == "pending"
		}
	}
	return out
}

func TestShortRepliesReachTheQueue(t *testing.T) {
	w := newDocWorld(t)
	pdf, err := os.ReadFile("testdata/pdf/simple1.pdf")
	if err != nil {
		t.Fatal(err)
	}
	short := w.reply(t, "Example Borough Council", "response", "We do not hold a policy on this.")
	signed := w.reply(t, "Other District Council", "response",
		"Dear Ms Smith,\n\nThank you for your request. We do not hold a policy on this.\n\nKind regards,\nJane Jones\nFOI Officer\n")
	covering := w.reply(t, "Third County Council", "response",
		"Dear Ms Smith,\n\nPlease find attached our response.\n\nYours sincerely\nFOI Team", [2]string{"response.pdf", string(pdf)})
	answerAndAttachment := w.reply(t, "Third County Council", "response",
		"We have no policy; the attached guidance is what staff follow.\nPlease find attached.", [2]string{"guidance.txt", policyText("Third County Council")})
	empty := w.reply(t, "Example Borough Council", "response", "")
	signature := w.reply(t, "Other District Council", "response", "Regards,\nJane Jones\nFOI Officer\nOther District Council")
	// The attachment the note covers never arrived: a person must chase it.
	orphan := w.reply(t, "Example Borough Council", "response", "Please find attached our response.")

	got := queuedBodies(t, w)
	want := map[int64]bool{short: true, signed: true, covering: false, answerAndAttachment: true, empty: false, signature: false, orphan: true}
	for id, q := range want {
		if got[id] != q {
			t.Errorf("message %d body queued = %v, want %v", id, got[id], q)
		}
	}
	// The covering note's PDF is what the reviewer reads.
	queue, err := w.docs.ReviewQueue(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var pdfQueued bool
	for _, q := range queue {
		pdfQueued = pdfQueued || (q.MessageID == covering && q.Filename == "response.pdf")
	}
	if !pdfQueued {
		t.Errorf("the covering note's PDF is not queued: %+v", queue)
	}
}

// A message of hundreds of parts queues no more than MaxQueuedPerMessage of
// them, says so on the queue and in the event log, and still extracts the
// rest.
func TestManyAttachmentsCapTheQueue(t *testing.T) {
	ctx := context.Background()
	w := newDocWorld(t)
	n := document.MaxQueuedPerMessage + 12
	var files [][2]string
	for i := 1; i <= n; i++ {
		files = append(files, [2]string{fmt.Sprintf("appendix-%03d.txt", i), fmt.Sprintf("Appendix %d: minutes of the meeting held on day %d.", i, i)})
	}
	bundle := w.reply(t, "Example Borough Council", "response", "We do not hold a single policy. The minutes are attached.", files...)
	other := w.reply(t, "Other District Council", "response", "Please find attached.", [2]string{"policy.txt", policyText("Other District Council")})

	x := newTestExtractor(t, Options{Tesseract: "-"})
	var capped int
	if err := x.ProcessPending(ctx, w.docs, w.blobs, func(p Progress) {
		if p.Capped {
			capped++
		}
	}); err != nil {
		t.Fatal(err)
	}
	if capped != n-document.MaxQueuedPerMessage {
		t.Errorf("%d items reported capped, want %d", capped, n-document.MaxQueuedPerMessage)
	}
	queue, err := w.docs.ReviewQueue(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	perMessage := map[int64]int{}
	var body bool
	for _, q := range queue {
		perMessage[q.MessageID]++
		if q.MessageID == bundle && q.Filename == "(message body)" {
			body = true
			continue
		}
		if q.MessageID == bundle && q.Note != document.CapNote(bundle) {
			t.Errorf("queue entry %d (%s) has note %q", q.ID, q.Filename, q.Note)
		}
		if q.MessageID == other && q.Note != "" {
			t.Errorf("another message's entry has a note: %q", q.Note)
		}
	}
	// The attachments up to the cap, and the council's own answer.
	if perMessage[bundle] != document.MaxQueuedPerMessage+1 || !body {
		t.Errorf("%d entries queued from the bundle (body queued: %v), want %d and its body", perMessage[bundle], body, document.MaxQueuedPerMessage)
	}
	if perMessage[other] != 1 {
		t.Errorf("the other council's reply: %d entries queued", perMessage[other])
	}
	docs, err := w.docs.List(ctx, document.Filter{Limit: 1000})
	if err != nil || len(docs) != n+1+2 {
		t.Fatalf("%d documents, want every attachment and body: %v", len(docs), err)
	}
	events, err := w.st.Events(ctx, store.EventFilter{Kind: "review.capped"})
	if err != nil || len(events) != 1 {
		t.Fatalf("review.capped events: %+v %v", events, err)
	}
	if !strings.Contains(string(events[0].Detail), fmt.Sprint(document.MaxQueuedPerMessage)) {
		t.Errorf("event detail: %s", events[0].Detail)
	}
}
