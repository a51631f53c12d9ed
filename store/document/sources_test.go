package document_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// Listing more documents than one sources query covers gives each its
// own sources, and only its own.
func TestListGivesEachDocumentItsSourcesAcrossChunks(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{Now: func() time.Time { return storetest.BigNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := storetest.BigSurvey(ctx, st, 10, 30, 1100); err != nil {
		t.Fatal(err)
	}
	list, err := document.New(st).List(ctx, document.Filter{})
	if err != nil || len(list) != 1100 {
		t.Fatalf("list: %d documents, %v", len(list), err)
	}
	ms := mail.New(st)
	atts := map[int64]map[int64]string{} // message → attachment → sha256
	for i, d := range list {
		if i > 0 && d.ID <= list[i-1].ID {
			t.Fatalf("documents out of order at %d", i)
		}
		if len(d.Sources) != 1 {
			t.Fatalf("document %d: %d sources, want 1", d.ID, len(d.Sources))
		}
		src := d.Sources[0]
		if atts[src.MessageID] == nil {
			as, err := ms.MessageAttachments(ctx, src.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			atts[src.MessageID] = map[int64]string{}
			for _, a := range as {
				atts[src.MessageID][a.ID] = a.SHA256
			}
		}
		if atts[src.MessageID][src.AttachmentID] != d.SHA256 || src.RequestRef == "" || src.Authority == "" {
			t.Fatalf("document %d (%s) given source %+v", d.ID, d.SHA256, src)
		}
	}
}
