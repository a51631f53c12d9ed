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
	"foidesk/store/storetest"
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

// TestAuthoritiesListPages: the register pages by id like every list, in
// the table (its ID column says where the next page starts) and in JSON.
func TestAuthoritiesListPages(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	if _, errOut, code := authCLI(t, db, "authorities", "import", "--uk-councils"); code != 0 {
		t.Fatal(errOut)
	}
	var seen []int64
	var after int64
	for {
		out, errOut, code := authCLI(t, db, "authorities", "list", "--json", "--limit", "150", "--after", fmt.Sprint(after))
		if code != 0 {
			t.Fatal(errOut)
		}
		page := jsonIDs(t, out)
		seen = append(seen, page...)
		if errOut == "" {
			break
		}
		after = page[len(page)-1]
		if errOut != fmt.Sprintf("showing 150; more: --after %d\n", after) {
			t.Fatalf("stderr %q", errOut)
		}
	}
	if len(seen) != 396 || seen[0] != 1 || seen[395] != 396 {
		t.Fatalf("%d councils over the pages, from %d to %d", len(seen), seen[0], seen[len(seen)-1])
	}
	out, errOut, _ := authCLI(t, db, "authorities", "list", "--nation", "Wales", "--limit", "2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[3], "2 authorities on this page,") || !strings.Contains(errOut, "showing 2; more: --after ") {
		t.Errorf("a page of the table:\n%s\nstderr %q", out, errOut)
	}
	// The whole list's count is not a page's.
	out, _, _ = authCLI(t, db, "authorities", "list", "--nation", "Wales")
	if !strings.Contains(out, "\n22 authorities, 22 missing an email address\n") {
		t.Errorf("the whole Welsh list's count:\n%s", out)
	}
}

// TestCampaignStatusPages: campaign status pages its lines by request id
// while its counts stay the whole campaign's, in the table and in the
// one JSON object, whose requests array each page fills.
func TestCampaignStatusPages(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "foidesk.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "paged", Authorities: 12})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	type statusJSON struct {
		StatusCounts map[string]int      `json:"status_counts"`
		Requests     []requestStatusJSON `json:"requests"`
	}
	var seen []string
	var after int64
	for {
		out, errOut, code := runCLI(t, "--db", db, "campaign", "status", "paged", "--as-of", "2026-11-10", "--json", "--limit", "5", "--after", fmt.Sprint(after))
		if code != 0 {
			t.Fatal(errOut)
		}
		var got statusJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out)
		}
		if got.StatusCounts["awaiting-response"] != 12 {
			t.Errorf("a page's counts are not the campaign's: %v", got.StatusCounts)
		}
		for _, r := range got.Requests {
			seen = append(seen, r.Ref)
			after = r.ID
		}
		if errOut == "" {
			break
		}
		if want := fmt.Sprintf("showing 5; more: --after %d\n", after); errOut != want {
			t.Fatalf("stderr %q, want %q", errOut, want)
		}
	}
	if len(seen) != len(reqs) {
		t.Fatalf("%d requests over the pages, want %d", len(seen), len(reqs))
	}
	byRef := map[string]bool{}
	for _, r := range reqs {
		byRef[r.Ref] = true
	}
	for _, ref := range seen {
		if !byRef[ref] {
			t.Fatalf("request %s shown twice or not the campaign's", ref)
		}
		delete(byRef, ref)
	}
	out, errOut, _ := runCLI(t, "--db", db, "campaign", "status", "paged", "--as-of", "2026-11-10", "--limit", "2")
	if !strings.Contains(out, "12 requests") || !strings.Contains(out, "awaiting-response      12") || strings.Count(out, "foi@paged-") != 2 || !strings.Contains(errOut, "showing 2; more: --after ") {
		t.Errorf("a page of the table:\n%s\nstderr %q", out, errOut)
	}
	// An empty campaign's JSON is still one object with an empty array.
	out, _, _ = runCLI(t, "--db", db, "campaign", "status", "paged", "--json", "--after", "1000000")
	var got statusJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Requests == nil || len(got.Requests) != 0 {
		t.Errorf("past the end: %v\n%s", err, out)
	}
}
