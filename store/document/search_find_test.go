package document_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// Search looks through documents and messages together, filters by
// campaign and nation, narrows to the documents a caller names, pages,
// and turns queries the engine cannot read into a QueryError.
func TestSearchDocumentsAndMessages(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, docs := mail.New(s), document.New(s)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	eng, err := storetest.Send(ctx, s, storetest.SentRequest{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk"})
	if err != nil {
		t.Fatal(err)
	}
	sco, err := storetest.Send(ctx, s, storetest.SentRequest{AuthorityName: "Glenmoor Council", AuthorityEmail: "foi@glenmoor.gov.uk", Regime: "foisa"})
	if err != nil {
		t.Fatal(err)
	}
	record := func(uid uint32, req int64, subject, body string) int64 {
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("0", 62) + string(rune('a'+uid)) + "0", Size: 1,
			Loc:     mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid},
			Derived: mail.Derived{FromAddr: "foi@example.gov.uk", FromName: "FOI Team", Subject: subject, BodyText: body, RequestID: req, MatchedBy: "test", Kind: mail.KindResponse}})
		if err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	mEng := record(1, eng.ID, "Your request", "We hold no policy on covert recording.")
	mSco := record(2, sco.ID, "Re: FOI", "Our policy is attached.")
	mNone := record(3, 0, "Hello", "A stranger writes about recording.")
	saved, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: "d1", Status: "ok", Text: "Recording of meetings is permitted with consent."},
		document.Source{MessageID: mSco, Filename: "policy.pdf"}, true)
	if err != nil {
		t.Fatal(err)
	}

	ids := func(hits []document.Hit) string {
		var b []string
		for _, h := range hits {
			b = append(b, h.Kind[:1]+string(rune('0'+h.ID)))
		}
		return strings.Join(b, " ")
	}
	find := func(q document.Query) []document.Hit {
		t.Helper()
		hits, err := docs.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		return hits
	}
	if got := find(document.Query{Text: "recording"}); len(got) != 3 {
		t.Fatalf("recording: %s", ids(got))
	}
	got := find(document.Query{Text: "covert"})
	if len(got) != 1 || got[0].Kind != "message" || got[0].ID != mEng || got[0].Authority != "Ashdown Council" || got[0].RequestRef != eng.Ref ||
		got[0].From != "FOI Team <foi@example.gov.uk>" || !strings.Contains(got[0].Snippet, document.HitStart+"covert"+document.HitEnd) {
		t.Fatalf("covert: %+v", got)
	}
	if got := find(document.Query{Text: "recording", Nation: "Scotland"}); len(got) != 1 || got[0].Kind != "document" || got[0].ID != saved.DocumentID || got[0].Sources[0].Authority != "Glenmoor Council" {
		t.Fatalf("Scotland: %+v", got)
	}
	if got := find(document.Query{Text: "recording", Campaign: "fixture-" + strings.ToLower(eng.Ref)}); len(got) != 1 || got[0].ID != mEng {
		t.Fatalf("campaign: %s", ids(got))
	}
	if got := find(document.Query{Text: "recording", Kind: document.SearchMessages}); len(got) != 2 {
		t.Fatalf("messages only: %s", ids(got))
	}
	if got := find(document.Query{Text: "recording", OnlyDocuments: []int64{}}); len(got) != 0 {
		t.Fatalf("no documents allowed: %s", ids(got))
	}
	if got := find(document.Query{Text: "recording", OnlyDocuments: []int64{saved.DocumentID}}); len(got) != 1 || got[0].Kind != "document" {
		t.Fatalf("one document allowed: %s", ids(got))
	}
	if got := find(document.Query{Text: "recording", Kind: document.SearchMessages, OnlyDocuments: []int64{saved.DocumentID}}); len(got) != 0 {
		t.Fatalf("messages only, narrowed to documents: %s", ids(got))
	}
	if got := find(document.Query{Text: "covert OR consent"}); len(got) != 2 {
		t.Fatalf("OR: %s", ids(got))
	}
	// Pages: three hits, two a page.
	p1, p2 := find(document.Query{Text: "recording", Limit: 2}), find(document.Query{Text: "recording", Limit: 2, Offset: 2})
	if len(p1) != 2 || len(p2) != 1 || strings.Contains(ids(p1), ids(p2)) {
		t.Fatalf("pages: %s | %s", ids(p1), ids(p2))
	}
	// The index follows a reparse's new text (the triggers).
	if _, err := s.DB().ExecContext(ctx, `UPDATE messages SET body_text = 'nothing here' WHERE id = ?`, mNone); err != nil {
		t.Fatal(err)
	}
	if got := find(document.Query{Text: "stranger"}); len(got) != 0 {
		t.Fatalf("old text still indexed: %s", ids(got))
	}

	for _, bad := range []string{"OR consent", "consent NOT", "(consent", "", "  ", strings.Repeat("a ", 300)} {
		_, err := docs.Search(ctx, document.Query{Text: bad})
		var qe *document.QueryError
		if !errors.As(err, &qe) || !strings.HasPrefix(err.Error(), "search could not read that query: ") {
			t.Errorf("query %.20q: %v", bad, err)
		}
	}
}

// Each hit's snippet is its own text around the match, for documents and
// messages alike and on a later page too: snippets are made after the page
// is ranked, one hit at a time.
func TestSearchSnippetsBelongToTheirHits(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, docs := mail.New(s), document.New(s)
	req, err := storetest.Send(ctx, s, storetest.SentRequest{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk"})
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"alder", "birch", "cedar", "damson", "elder", "fir", "gorse", "hazel"}
	for i, w := range words {
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("0", 62) + string(rune('a'+i)) + "1", Size: 1,
			Derived: mail.Derived{FromAddr: "foi@ashdown.gov.uk", Subject: "Reply", BodyText: "Message " + w + " mentions recording once.",
				RequestID: req.ID, MatchedBy: "test", Kind: mail.KindResponse}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: "doc-" + w, Status: "ok",
			Text: "Document " + w + " on recording meetings. " + strings.Repeat("Filler words pad the text. ", i)},
			document.Source{MessageID: rec.ID, Filename: w + ".pdf"}, true); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for offset := 0; offset < 2*len(words); offset += 5 {
		hits, err := docs.Search(ctx, document.Query{Text: "recording", Limit: 5, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if !strings.Contains(h.Snippet, document.HitStart+"recording"+document.HitEnd) {
				t.Fatalf("%s %d: snippet %q has no marked match", h.Kind, h.ID, h.Snippet)
			}
			var own string
			for _, w := range words {
				if strings.Contains(h.Snippet, w) {
					own = w
				}
			}
			if h.Kind == "document" && (len(h.Sources) != 1 || h.Sources[0].Filename != own+".pdf") {
				t.Fatalf("document %d: snippet %q is not from %+v", h.ID, h.Snippet, h.Sources)
			}
			key := h.Kind + own
			if own == "" || seen[key] {
				t.Fatalf("%s %d: snippet %q names no word of its own, or another hit's", h.Kind, h.ID, h.Snippet)
			}
			seen[key] = true
		}
	}
	if len(seen) != 2*len(words) {
		t.Fatalf("%d distinct hits over the pages, want %d", len(seen), 2*len(words))
	}
}
