package document_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// docFixture stores a response from a fixture request and returns its
// message id.
func docFixture(t *testing.T, s *store.Store, authority string, uid uint32) int64 {
	t.Helper()
	ctx := context.Background()
	req, err := storetest.Send(ctx, s, storetest.SentRequest{AuthorityName: authority, AuthorityEmail: "foi@" + strings.ToLower(strings.Fields(authority)[0]) + ".gov.uk"})
	if err != nil {
		t.Fatal(err)
	}
	ms := mail.New(s)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("ab", 31) + string(rune('a'+uid%6)) + string(rune('0'+uid%10)), Size: 1,
		Loc:     mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid},
		Derived: mail.Derived{HeaderMessageID: authority, RequestID: req.ID, MatchedBy: "test", Kind: mail.KindResponse, KindReason: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

func TestSaveDocumentLinksQueuesAndSearches(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	docs := document.New(s)
	m1 := docFixture(t, s, "Ashdown Council", 1)
	m2 := docFixture(t, s, "Kingsford Council", 2)
	in := document.Input{Origin: document.FromAttachment, SHA256: "f00d", Type: "pdf", Status: "ok", Engine: "pdfium", Pages: 2, Words: 6,
		Text: "Parents may record meetings.\fPolisi ŵyr", Detail: map[string]any{"notes": []string{"n"}}}
	a, err := docs.Save(ctx, in, document.Source{MessageID: m1, AttachmentID: 0, Filename: "policy.pdf"}, true)
	if err != nil || !a.Created || !a.Queued {
		t.Fatalf("first save: %+v %v", a, err)
	}
	// The identical file from another authority: linked, queued again.
	b, err := docs.Save(ctx, in, document.Source{MessageID: m2, Filename: "copy.pdf"}, true)
	if err != nil || b.Created || b.DocumentID != a.DocumentID || !b.Queued {
		t.Fatalf("second save: %+v %v", b, err)
	}
	// Saving the same source again changes nothing.
	c, err := docs.Save(ctx, in, document.Source{MessageID: m2, Filename: "copy.pdf"}, true)
	if err != nil || c.Queued {
		t.Fatalf("repeat save: %+v %v", c, err)
	}
	list, err := docs.List(ctx, document.Filter{Limit: 1000})
	if err != nil || len(list) != 1 || len(list[0].Sources) != 2 || list[0].Sources[1].Authority != "Kingsford Council" || list[0].Review != "pending" {
		t.Fatalf("documents: %+v %v", list, err)
	}
	for _, q := range []string{"wyr", "record*", `"may record"`, "PARENTS"} {
		hits, err := docs.Search(ctx, document.Query{Text: q})
		if err != nil || len(hits) != 1 || !strings.Contains(hits[0].Snippet, document.HitStart) {
			t.Errorf("search %q: %+v %v", q, hits, err)
		}
	}
	if hits, err := docs.Search(ctx, document.Query{Text: `"unbalanced OR ( NOT`, Kind: document.SearchDocuments}); err != nil || len(hits) != 0 {
		t.Errorf("hostile query: %+v %v", hits, err)
	}
	if _, err := docs.Search(ctx, document.Query{Text: `  "" * `}); err == nil {
		t.Error("a query with no words must be an error")
	}

	// Re-extraction replaces text and index, keeps sources and queue.
	in.Text, in.Status = "Completely different words now", "ok"
	if err := docs.UpdateExtraction(ctx, a.DocumentID, in); err != nil {
		t.Fatal(err)
	}
	if hits, _ := docs.Search(ctx, document.Query{Text: "wyr"}); len(hits) != 0 {
		t.Error("old text still indexed")
	}
	if hits, _ := docs.Search(ctx, document.Query{Text: "different"}); len(hits) != 1 {
		t.Error("new text not indexed")
	}

	queue, err := docs.ReviewQueue(ctx, true)
	if err != nil || len(queue) != 2 || queue[1].Filename != "copy.pdf" || queue[1].Authority != "Kingsford Council" {
		t.Fatalf("queue: %+v %v", queue, err)
	}
	if err := docs.DecideReview(ctx, queue[0].ID, "policy allows recording"); err != nil {
		t.Fatal(err)
	}
	if err := docs.DecideReview(ctx, queue[0].ID, ""); err == nil {
		t.Error("an empty outcome was accepted")
	}
	if pending, _ := docs.ReviewQueue(ctx, true); len(pending) != 1 {
		t.Fatalf("pending after a decision: %+v", pending)
	}
	events, _ := s.Events(ctx, store.EventFilter{})
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
	}
	if kinds["document.extracted"] != 1 || kinds["document.linked"] != 1 || kinds["review.queued"] != 2 || kinds["document.reextracted"] != 1 || kinds["review.decided"] != 1 {
		t.Fatalf("events: %v", kinds)
	}
}
