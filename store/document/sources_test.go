package document_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// Listing more documents than one sources query covers, or one batch of a
// streamed listing, gives each its own sources, and only its own.
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
	var list []document.Summary
	_, err = document.New(st).Each(ctx, document.Filter{}, func(d document.Summary) error {
		list = append(list, d)
		return nil
	})
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

// TestDocumentPages: paging through the documents, with or without a
// status, gives every document once, in order; a page walks the primary
// key or documents_status from where it starts, never sorting every
// earlier row (TestDocumentPagesQueryPlan).
func TestDocumentPages(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{Now: func() time.Time { return storetest.BigNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := storetest.BigSurvey(ctx, st, 10, 30, 40); err != nil {
		t.Fatal(err)
	}
	docs := document.New(st)
	for _, status := range []string{"", "ok"} {
		var seen []int64
		f := document.Filter{Status: status, Limit: 7}
		for {
			page, err := docs.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page {
				seen = append(seen, d.ID)
			}
			if len(page) < f.Limit {
				break
			}
			f.AfterID = page[len(page)-1].ID
		}
		if len(seen) != 40 {
			t.Fatalf("status %q: %d documents over the pages, want 40", status, len(seen))
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] <= seen[i-1] {
				t.Fatalf("status %q: out of order or twice: %v", status, seen)
			}
		}
	}
	if _, err := docs.List(ctx, document.Filter{}); err == nil {
		t.Fatal("List without a limit returned every document")
	}
	for _, f := range []document.Filter{{}, {Status: "needs_ocr"}, {RequestID: 3}} {
		q, args := document.ListQuery(f, 4711, 100)
		plan, err := st.QueryPlan(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN d") {
			t.Errorf("%+v planned as: %s", f, text)
		}
	}
}
