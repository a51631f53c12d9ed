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

// TestMessagesCommands ingests fixture replies with 'ingest --once', lists
// them as JSON, assigns an unmatched one, corrects a kind and reparses.
func TestMessagesCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := imaptest.Start(t, true)
	cfg := ingestConfig(t, dir, srv.Port, "")
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)

	st, err := store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ ref, name, email, mid string }{
		{"Q6ZA4VMP", "Ashdown Council", "foi@ashdown.gov.uk", "Q6ZA4VMP.20261102100700.8@requests.foidesk.example"},
		{"N7KB3WQB", "Kingsford Council", "foi@kingsford.gov.uk", "N7KB3WQB.x@requests.foidesk.example"},
	} {
		if _, err := storetest.Send(ctx, st, storetest.SentRequest{Ref: f.ref, AuthorityName: f.name, AuthorityEmail: f.email, MessageID: f.mid}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var raws [][]byte
	for _, name := range []string{"clarification.eml", "html_only_windows1252.eml", "unmatched.eml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "testdata", "mail", name))
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, b)
	}
	imaptest.Append(t, srv.Addr(), "INBOX", raws...)

	out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once")
	if code != 0 {
		t.Fatalf("ingest --once: %d %s", code, errOut)
	}
	if !strings.Contains(out, "stored 3 new message(s), 2 matched to a request") || !strings.Contains(out, "clarification-request from foi@ashdown.gov.uk, request Q6ZA4VMP (by message-id)") {
		t.Errorf("ingest output:\n%s", out)
	}

	out, _, code = runCLI(t, "--config", cfg, "messages", "list", "--json")
	if code != 0 {
		t.Fatal(out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, out)
	}
	if len(list) != 3 {
		t.Fatalf("%d messages listed", len(list))
	}
	for _, k := range []string{"id", "message_id", "from", "subject", "kind", "request_ref", "matched_by", "attachments"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list --json lacks %q", k)
		}
	}
	if list[0]["kind"] != "clarification-request" || list[0]["request_ref"] != "Q6ZA4VMP" || list[1]["matched_by"] != "subject-ref" {
		t.Errorf("list: %v", list)
	}
	if list[2]["request_ref"] != nil {
		t.Errorf("unmatched message has request_ref %v, want null", list[2]["request_ref"])
	}

	out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--unmatched")
	if !strings.Contains(out, "someone@random.example") || strings.Contains(out, "ashdown") {
		t.Errorf("list --unmatched:\n%s", out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]

	if out, errOut, code = runCLI(t, "--config", cfg, "messages", "assign", id, "--request", "N7KB3WQB"); code != 0 || !strings.Contains(out, "assigned to request N7KB3WQB") {
		t.Errorf("assign: %d %s %s", code, out, errOut)
	}
	if _, errOut, code = runCLI(t, "--config", cfg, "messages", "assign", id, "--request", "7K3M9QX1"); code != 1 || !strings.Contains(errOut, "not found") || !strings.Contains(errOut, "campaign status") {
		t.Errorf("assign to unknown request: %d %s", code, errOut)
	}
	if _, errOut, code = runCLI(t, "--config", cfg, "messages", "assign", id, "--request", "AAAAAAAA"); code != 2 || !strings.Contains(errOut, "--authority") {
		t.Errorf("assign to a mistyped reference: %d %s", code, errOut)
	}
	if _, _, code = runCLI(t, "--config", cfg, "messages", "assign", id); code != 2 {
		t.Errorf("assign without --request: exit %d, want 2", code)
	}
	if out, errOut, code = runCLI(t, "--config", cfg, "messages", "classify", id, "--kind", "auto-reply", "--reason", "newsletter"); code != 0 {
		t.Errorf("classify: %d %s %s", code, out, errOut)
	}
	if _, _, code = runCLI(t, "--config", cfg, "messages", "classify", id, "--kind", "spam"); code != 2 {
		t.Errorf("classify with a bad kind: exit %d, want 2", code)
	}
	out, _, _ = runCLI(t, "--config", cfg, "messages", "list", "--json")
	json.Unmarshal([]byte(out), &list)
	if list[2]["kind"] != "auto-reply" || list[2]["kind_by"] != "person" || list[2]["matched_by"] != "person" {
		t.Errorf("after corrections: %v", list[2])
	}
	if out, errOut, code = runCLI(t, "--config", cfg, "messages", "reparse"); code != 0 || !strings.Contains(out, "reparsed 3 message(s), 0 changed") {
		t.Errorf("reparse: %d %s %s", code, out, errOut)
	}
}
