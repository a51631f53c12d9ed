package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/storetest"
)

// TestMessagesDismissAndAnswerKinds ingests a stranger's mail, a response
// and a cost-limit refusal; lists the refusal with what it cites, corrects
// it to a response and back; dismisses the stranger's message and takes the
// dismissal back; and dismisses the matched response, refused without
// --force, after which the request awaits a response again.
func TestMessagesDismissAndAnswerKinds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := imaptest.Start(t, true)
	cfg := ingestConfig(t, dir, srv.Port, "")
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	db := filepath.Join(dir, "foidesk.db")

	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, f := range []struct{ ref, name, email, mid string }{
		{"K7QW3MP0", "Northshire Council", "foi@northshire.gov.uk", "K7QW3MP0.20261102100000.1@requests.foidesk.example"},
		{"N7KB3WQB", "Kingsford Council", "foi@kingsford.gov.uk", "N7KB3WQB.x@requests.foidesk.example"},
	} {
		r, err := storetest.Send(ctx, st, storetest.SentRequest{Ref: f.ref, AuthorityName: f.name, AuthorityEmail: f.email, MessageID: f.mid})
		if err != nil {
			t.Fatal(err)
		}
		ids[f.ref] = r.ID
	}
	st.Close()
	status := func(ref string) string {
		t.Helper()
		st, err := store.Open(ctx, db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, _, err := st.RequestStatus(ctx, ids[ref])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var raws [][]byte
	for _, name := range []string{"unmatched.eml", "html_only_windows1252.eml", "refusal_cost_limit.eml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	imaptest.Append(t, srv.Addr(), "INBOX", raws...)
	if out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once", "--no-extract"); code != 0 || !strings.Contains(out, "stored 3 new message(s), 2 matched") {
		t.Fatalf("ingest --once: %d\n%s%s", code, out, errOut)
	}
	stranger, response, refusal := "1", "2", "3"

	// The refusal, with what it cites.
	out, _, _ := runCLI(t, "--config", cfg, "messages", "list")
	if !strings.Contains(out, "refusal: s.12 (cost limit)") {
		t.Errorf("list does not show the refusal's exemption:\n%s", out)
	}
	var list []map[string]any
	out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--json", "--kind", "refusal")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0]["kind_detail"] != "s.12 (cost limit)" {
		t.Errorf("list --json --kind refusal: %v %v", list, err)
	}
	if s := status("K7QW3MP0"); s != store.StatusReplied {
		t.Errorf("after the refusal: %s, want replied", s)
	}
	if out, errOut, code := runCLI(t, "--config", cfg, "messages", "classify", refusal, "--kind", "response"); code != 0 || !strings.Contains(out, "is now response") {
		t.Errorf("classify as response: %d %s%s", code, out, errOut)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "list"); strings.Contains(out, "s.12") {
		t.Errorf("a response shows a refusal's detail:\n%s", out)
	}
	if out, errOut, code := runCLI(t, "--config", cfg, "messages", "classify", refusal, "--kind", "refusal"); code != 0 || !strings.Contains(out, "is now refusal") {
		t.Errorf("classify back to refusal: %d %s%s", code, out, errOut)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "show", refusal); !strings.Contains(out, "cites:") || !strings.Contains(out, "s.12 (cost limit)") {
		t.Errorf("show after classifying back:\n%s", out)
	}
	if s := status("K7QW3MP0"); s != store.StatusReplied {
		t.Errorf("after the corrections: %s, want replied", s)
	}
	if _, errOut, code := runCLI(t, "--config", cfg, "messages", "classify", refusal, "--kind", "response", "--detail", "s.40"); code != 2 {
		t.Errorf("--detail with --kind response: exit %d %s", code, errOut)
	}

	// The stranger's message.
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--unmatched"); !strings.Contains(out, "someone@random.example") {
		t.Errorf("list --unmatched before dismissing:\n%s", out)
	}
	if out, errOut, code := runCLI(t, "--config", cfg, "messages", "dismiss", stranger, "--reason", "spam"); code != 0 || !strings.Contains(out, "message 1 dismissed") {
		t.Errorf("dismiss: %d %s%s", code, out, errOut)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--unmatched"); strings.Contains(out, "someone@random.example") {
		t.Errorf("list --unmatched after dismissing:\n%s", out)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--dismissed"); !strings.Contains(out, "someone@random.example") || !strings.Contains(out, "(dismissed)") || strings.Contains(out, "kingsford") {
		t.Errorf("list --dismissed:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "--config", cfg, "messages", "assign", stranger, "--request", "N7KB3WQB"); code != 1 || !strings.Contains(errOut, "dismissed") {
		t.Errorf("assigning a dismissed message: %d %s", code, errOut)
	}
	if out, errOut, code := runCLI(t, "--config", cfg, "messages", "undismiss", stranger); code != 0 || !strings.Contains(out, "back in the unmatched queue") {
		t.Errorf("undismiss: %d %s%s", code, out, errOut)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--unmatched"); !strings.Contains(out, "someone@random.example") {
		t.Errorf("list --unmatched after undismissing:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "--config", cfg, "messages", "undismiss", stranger); code != 1 || !strings.Contains(errOut, "not dismissed") {
		t.Errorf("undismissing twice: %d %s", code, errOut)
	}

	// The matched response.
	if s := status("N7KB3WQB"); s != store.StatusReplied {
		t.Fatalf("after the response: %s", s)
	}
	if _, errOut, code := runCLI(t, "--config", cfg, "messages", "dismiss", response); code != 1 || !strings.Contains(errOut, "N7KB3WQB") || !strings.Contains(errOut, "--force") {
		t.Errorf("dismissing a matched message: %d %s", code, errOut)
	}
	if s := status("N7KB3WQB"); s != store.StatusReplied {
		t.Errorf("a refused dismissal changed the request: %s", s)
	}
	if out, errOut, code := runCLI(t, "--config", cfg, "messages", "dismiss", response, "--force", "--reason", "not Kingsford's"); code != 0 || !strings.Contains(out, "taken from request N7KB3WQB") {
		t.Errorf("dismiss --force: %d %s%s", code, out, errOut)
	}
	if s := status("N7KB3WQB"); s != store.StatusAwaitingResponse {
		t.Errorf("after dismiss --force: %s, want awaiting-response", s)
	}
	out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--json", "--dismissed")
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0]["dismissed"] != true || list[0]["dismissed_reason"] != "not Kingsford's" || list[0]["request_ref"] != nil {
		t.Errorf("list --json --dismissed: %v %v", list, err)
	}
	if _, errOut, code := runCLI(t, "--config", cfg, "messages", "list", "--unmatched", "--dismissed"); code != 2 {
		t.Errorf("--unmatched with --dismissed: exit %d %s", code, errOut)
	}
}
