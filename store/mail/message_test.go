package mail

import (
	"context"
	"path/filepath"
	"testing"

	"foidesk/store"
)

// TestRederiveKeepsReferencedAttachments: a reparse must not pull an
// attachment row from under something that refers to it (extracted
// documents do), whether the content is unchanged or gone.
func TestRederiveKeepsReferencedAttachments(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st)
	if _, err := s.core.DB().ExecContext(ctx, `CREATE TABLE referrer (attachment_id INTEGER REFERENCES attachments (id))`); err != nil {
		t.Fatal(err)
	}
	d := Derived{Kind: KindResponse, Attachments: []NewAttachment{
		{Part: "2", Filename: "a.pdf", ContentType: "application/pdf", Size: 3, SHA256: "aaa"},
		{Part: "3", Filename: "b.pdf", ContentType: "application/pdf", Size: 3, SHA256: "bbb"},
	}}
	rec, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw1", Size: 10, Derived: d})
	if err != nil {
		t.Fatal(err)
	}
	atts, _ := s.MessageAttachments(ctx, rec.ID)
	for _, a := range atts {
		if _, err := s.core.DB().ExecContext(ctx, `INSERT INTO referrer VALUES (?)`, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Same content, renamed: rows kept, fields updated.
	d.Attachments[0].Filename = "A.pdf"
	if _, err := s.Rederive(ctx, rec.ID, d); err != nil {
		t.Fatal(err)
	}
	again, _ := s.MessageAttachments(ctx, rec.ID)
	if len(again) != 2 || again[0].ID != atts[0].ID || again[0].Filename != "A.pdf" || again[1].ID != atts[1].ID {
		t.Fatalf("after reparse: %+v, before %+v", again, atts)
	}
	// "bbb" is gone and "ccc" is new: the referenced row stays out of the list.
	d.Attachments[1] = NewAttachment{Part: "3", Filename: "c.pdf", Size: 3, SHA256: "ccc"}
	if _, err := s.Rederive(ctx, rec.ID, d); err != nil {
		t.Fatal(err)
	}
	now, _ := s.MessageAttachments(ctx, rec.ID)
	if len(now) != 2 || now[0].ID != atts[0].ID || now[1].SHA256 != "ccc" || now[1].Seq != 2 {
		t.Fatalf("after content change: %+v", now)
	}
	var kept int
	s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM attachments WHERE id = ? AND seq < 0`, atts[1].ID).Scan(&kept)
	if kept != 1 {
		t.Errorf("referenced attachment row was removed")
	}
	ms, _ := s.Messages(ctx, MessageFilter{Limit: 10})
	if ms[0].Attachments != 2 {
		t.Errorf("listed %d attachments, want 2", ms[0].Attachments)
	}
}

// TestSameMessageIDDifferentContentStoredTwice: councils' systems reuse a
// Message-ID, so an acknowledgement and the response that follows it may
// share one. A duplicate is the same raw bytes, the same mailbox UID under
// the same UIDVALIDITY, or a copy of the same message (same header id and
// the same content, e.g. with a spam filter's header added); two messages
// that differ are both stored.
func TestSameMessageIDDifferentContentStoredTwice(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st)
	if _, err := s.StartMailbox(ctx, "INBOX", 7); err != nil {
		t.Fatal(err)
	}
	loc := func(uid uint32) Location { return Location{Mailbox: "INBOX", UIDValidity: 7, UID: uid} }
	ack := Derived{HeaderMessageID: "x@council", FromAddr: "foi@council", Subject: "Your request", BodyText: "We have received your request.",
		Kind: KindAck, KindReason: "test"}
	resp := Derived{HeaderMessageID: "x@council", FromAddr: "foi@council", Subject: "Your request", BodyText: "Please find our response attached.",
		Kind: KindResponse, KindReason: "test",
		Attachments: []NewAttachment{{Part: "2", Filename: "policy.pdf", ContentType: "application/pdf", Size: 3, SHA256: "pdf"}}}

	first, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-ack", Size: 10, Loc: loc(1), Derived: ack})
	if err != nil || first.Duplicate {
		t.Fatalf("ack: %+v %v", first, err)
	}
	second, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-resp", Size: 20, Loc: loc(2), Derived: resp})
	if err != nil {
		t.Fatal(err)
	}
	if second.Duplicate || second.ID == first.ID {
		t.Fatalf("response with the ack's Message-ID: %+v, reported as a duplicate of %d", second, first.ID)
	}
	if id, _ := s.MessageIDBySHA(ctx, "raw-resp"); id != second.ID {
		t.Errorf("no row points to the response's raw file: %d", id)
	}
	if atts, _ := s.MessageAttachments(ctx, second.ID); len(atts) != 1 || atts[0].SHA256 != "pdf" {
		t.Errorf("response attachments: %+v", atts)
	}
	if locs, _ := s.MessageLocations(ctx, second.ID); len(locs) != 1 || locs[0].UID != 2 {
		t.Errorf("response seen at %+v, want uid 2", locs)
	}

	// The same bytes again, elsewhere: one message, one more location.
	again, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-resp", Size: 20, Loc: loc(3), Derived: resp})
	if err != nil || !again.Duplicate || again.ID != second.ID {
		t.Errorf("same bytes again: %+v %v, want a duplicate of %d", again, err, second.ID)
	}
	// The same UID under the same UIDVALIDITY is the same message, whatever
	// bytes came back for it.
	sameUID, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-other", Size: 30, Loc: loc(1), Derived: resp})
	if err != nil || !sameUID.Duplicate || sameUID.ID != first.ID {
		t.Errorf("same uid again: %+v %v, want a duplicate of %d", sameUID, err, first.ID)
	}
	// A copy of the response with a header added (another mailbox's spam
	// filter): other bytes, same message.
	copied, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-resp-junk", Size: 38, Loc: Location{Mailbox: "Junk", UIDValidity: 1, UID: 1}, Derived: resp})
	if err != nil || !copied.Duplicate || copied.ID != second.ID {
		t.Errorf("copy with a header added: %+v %v, want a duplicate of %d", copied, err, second.ID)
	}
	// Same header id, same text, but another attachment: a different message.
	other := resp
	other.Attachments = []NewAttachment{{Part: "2", Filename: "policy.pdf", ContentType: "application/pdf", Size: 4, SHA256: "pdf2"}}
	third, err := s.RecordMessage(ctx, NewMessage{SHA256: "raw-resp2", Size: 21, Loc: loc(4), Derived: other})
	if err != nil || third.Duplicate {
		t.Errorf("same text, other attachment: %+v %v, want stored", third, err)
	}
	if ms, _ := s.Messages(ctx, MessageFilter{Limit: 10}); len(ms) != 3 {
		t.Errorf("%d messages stored, want 3", len(ms))
	}
	if ms, _ := s.MailboxState(ctx, "INBOX"); ms.LastUID != 4 {
		t.Errorf("last_uid %d, want 4", ms.LastUID)
	}
}
