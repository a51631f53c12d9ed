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
	ms, _ := s.Messages(ctx, MessageFilter{})
	if ms[0].Attachments != 2 {
		t.Errorf("listed %d attachments, want 2", ms[0].Attachments)
	}
}
