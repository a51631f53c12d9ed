package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/mail"
)

// storeMessages records n replies in the database at db, subjects
// "reply <from>" onwards.
func storeMessages(t *testing.T, db string, from, n int) {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := mail.New(st)
	for i := from; i < from+n; i++ {
		if _, err := m.RecordMessage(context.Background(), mail.NewMessage{SHA256: fmt.Sprintf("raw%d", i), Size: 10,
			Derived: mail.Derived{Kind: mail.KindResponse, Subject: fmt.Sprint("reply ", i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonIDs reads a listing's --json output: one array of objects with ids.
func jsonIDs(t *testing.T, out string) []int64 {
	t.Helper()
	var list []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("not one JSON array: %v\n%s", err, out)
	}
	ids := make([]int64, len(list))
	for i, it := range list {
		ids[i] = it.ID
	}
	return ids
}

// TestMessagesListPages: --limit and --after page through the messages by
// id; the cut is said on stderr with the next page's --after, never on
// stdout, and paging shows every message once even as more arrive.
func TestMessagesListPages(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	storeMessages(t, db, 0, 12)

	out, errOut, code := runCLI(t, "--db", db, "messages", "list", "--json", "--limit", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ids := jsonIDs(t, out)
	if len(ids) != 5 || ids[0] != 1 || ids[4] != 5 {
		t.Fatalf("first page: %v", ids)
	}
	if !strings.Contains(errOut, "showing 5; more: --after 5") {
		t.Errorf("no notice of the next page on stderr: %q", errOut)
	}
	storeMessages(t, db, 100, 4) // arrive between pages
	seen := ids
	for after := ids[len(ids)-1]; ; {
		out, errOut, code = runCLI(t, "--db", db, "messages", "list", "--json", "--limit", "5", "--after", fmt.Sprint(after))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		page := jsonIDs(t, out)
		seen = append(seen, page...)
		if errOut == "" {
			break
		}
		after = page[len(page)-1]
		if want := fmt.Sprintf("showing 5; more: --after %d\n", after); errOut != want {
			t.Fatalf("stderr %q, want %q", errOut, want)
		}
	}
	if len(seen) != 16 {
		t.Fatalf("saw %d messages, want 16: %v", len(seen), seen)
	}
	for i, id := range seen {
		if id != int64(i+1) {
			t.Fatalf("out of order or twice: %v", seen)
		}
	}

	// The whole list, as a table, needs no notice; an exact last page none either.
	out, errOut, _ = runCLI(t, "--db", db, "messages", "list")
	if errOut != "" || strings.Count(out, "reply ") != 16 || !strings.HasPrefix(out, "ID ") {
		t.Errorf("whole list: stderr %q\n%s", errOut, out)
	}
	if _, errOut, _ = runCLI(t, "--db", db, "messages", "list", "--limit", "16"); errOut != "" {
		t.Errorf("a limit that takes everything: stderr %q", errOut)
	}
	out, _, _ = runCLI(t, "--db", db, "messages", "list", "--after", "16")
	if !strings.Contains(out, "no messages after id 16") {
		t.Errorf("after the last: %q", out)
	}
	if out, _, _ = runCLI(t, "--db", db, "messages", "list", "--json", "--after", "16"); strings.TrimSpace(out) != "[]" {
		t.Errorf("--json after the last: %q", out)
	}
	if _, errOut, code = runCLI(t, "--db", db, "messages", "list", "--limit", "-1"); code != 2 || !strings.Contains(errOut, "--limit") {
		t.Errorf("--limit -1: exit %d %q", code, errOut)
	}
}
