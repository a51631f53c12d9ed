package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"foidesk/blob"
	"foidesk/ingest/imaptest"
	"foidesk/store/document"
)

// TestReadingAReply ingests a reply with a two-page PDF and a second PDF
// under a hostile name, then reads it back the ways a person does: the
// message with its attachments' documents, its raw bytes, a document's
// text page by page, and the original files saved to a directory.
func TestReadingAReply(t *testing.T) {
	srv, cfg := ashdownInbox(t)
	td := filepath.Join("..", "..", "extract", "testdata", "pdf")
	policy, err := os.ReadFile(filepath.Join(td, "issue-625-identity-cmap.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(filepath.Join(td, "simple1.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: FOI Team <foi@ashdown.gov.uk>\r\nTo: Requests <requests@foidesk.example>\r\n" +
		"Subject: =?utf-8?q?Re:_Recording_policy_[ref:_Q6ZA4VMP]_=1B[2J?=\r\n" +
		"Date: Tue, 10 Nov 2026 10:00:00 +0000\r\nMessage-ID: <r3@ashdown.gov.uk>\r\nIn-Reply-To: <Q6ZA4VMP.1@requests.foidesk.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nDear requester,\r\n\r\nOur policy is attached.\r\n" +
		"--b\r\nContent-Type: application/pdf; name=policy.pdf\r\nContent-Disposition: attachment; filename=policy.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(policy) + "\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fpasswd%0D%0A.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(other) + "\r\n--b--\r\n"
	imaptest.Append(t, srv.Addr(), "INBOX", []byte(raw))
	if out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once"); code != 0 {
		t.Fatalf("ingest --once: %d\n%s%s", code, out, errOut)
	}

	// messages show: headers, where, request, kind, body, attachments.
	out, errOut, code := runCLI(t, "--config", cfg, "messages", "show", "1")
	if code != 0 {
		t.Fatalf("messages show: %d %s", code, errOut)
	}
	for _, want := range []string{
		"message #1\n",
		"From:        FOI Team <foi@ashdown.gov.uk>",
		"To:          Requests <requests@foidesk.example>",
		"Date:        2026-11-10 10:00 (Europe/London)",
		`Subject:     Re: Recording policy [ref: Q6ZA4VMP] \x1b[2J`,
		"Message-ID:  <r3@ashdown.gov.uk>",
		"In-Reply-To: <Q6ZA4VMP.1@requests.foidesk.example>",
		"found in: INBOX uid 1",
		"request:  Q6ZA4VMP to Ashdown Council, matched by",
		"kind:     response, decided by rules",
		"\nbody:\n  Dear requester,\n\n  Our policy is attached.\n",
		"attachments (2):",
		"policy.pdf",
		"application/pdf",
		`../../etc/passwd\r\n.pdf`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("messages show lacks %q:\n%s", want, out)
		}
	}
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("messages show printed a raw control character:\n%q", out)
	}

	out, _, code = runCLI(t, "--config", cfg, "messages", "show", "1", "--json")
	var m struct {
		SHA256      string                        `json:"sha256"`
		To          string                        `json:"to"`
		InReplyTo   []string                      `json:"in_reply_to"`
		Subject     string                        `json:"subject"`
		Body        string                        `json:"body"`
		Locations   []locationJSON                `json:"locations"`
		Attachments []document.AttachmentDocument `json:"attachment_list"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 0 {
		t.Fatalf("messages show --json: %d %v\n%s", code, err, out)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Filename != "policy.pdf" || m.Attachments[0].DocumentID == 0 || m.Attachments[0].Status != "ok" ||
		m.Attachments[0].Review != "pending" || !strings.Contains(m.Subject, "\x1b[2J") || m.InReplyTo[0] != "Q6ZA4VMP.1@requests.foidesk.example" ||
		len(m.Locations) != 1 || m.Locations[0].Mailbox != "INBOX" || !strings.Contains(m.Body, "Our policy is attached.") {
		t.Fatalf("messages show --json:\n%s", out)
	}
	policyDoc, hostileDoc := m.Attachments[0].DocumentID, m.Attachments[1].DocumentID
	if !strings.Contains(mustRunCLI(t, "--config", cfg, "messages", "show", "1"), "#"+strconv.FormatInt(policyDoc, 10)+"  ") {
		t.Errorf("messages show does not name document #%d", policyDoc)
	}

	// --raw is the stored raw message, byte for byte.
	out, _, code = runCLI(t, "--config", cfg, "messages", "show", "--raw", "1")
	stored, err := os.ReadFile(blob.Store{Dir: filepath.Join(filepath.Dir(cfg), "data")}.Path(m.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(stored) || out != raw {
		t.Errorf("messages show --raw: exit %d, %d bytes; stored %d, sent %d", code, len(out), len(stored), len(raw))
	}

	// documents show: metadata, sources and the text with page markers.
	id := strconv.FormatInt(policyDoc, 10)
	out, errOut, code = runCLI(t, "--config", cfg, "documents", "show", id)
	if code != 0 {
		t.Fatalf("documents show: %d %s", code, errOut)
	}
	for _, want := range []string{"document #" + id + "\n", "type:      pdf (attachment)", "status:    ok", "size:      2 page(s)", "review:    pending",
		"sources:   message #1 policy.pdf, request Q6ZA4VMP (Ashdown Council)", "\n--- page 1 of 2 ---\n", "\n--- page 2 of 2 ---\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("documents show lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\f") {
		t.Errorf("documents show printed a form feed:\n%q", out)
	}
	out, _, _ = runCLI(t, "--config", cfg, "documents", "show", id, "--json")
	var d struct {
		document.Summary
		PageTexts []string `json:"page_texts"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.PageTexts) != 2 || d.Pages != 2 || d.Sources[0].Filename != "policy.pdf" {
		t.Errorf("documents show --json: %v\n%s", err, out)
	}

	// documents open: the original file, saved under a safe name.
	dir := t.TempDir()
	out, errOut, code = runCLI(t, "--config", cfg, "documents", "open", id, "--save", dir)
	saved := strings.TrimSpace(out)
	if code != 0 || saved != filepath.Join(dir, "policy.pdf") {
		t.Fatalf("documents open --save: %d %q %s", code, out, errOut)
	}
	if b, _ := os.ReadFile(saved); string(b) != string(policy) {
		t.Errorf("saved file differs from the attachment (%d bytes, want %d)", len(b), len(policy))
	}
	out, _, _ = runCLI(t, "--config", cfg, "documents", "open", id, "--save", dir)
	if strings.TrimSpace(out) != filepath.Join(dir, "policy (2).pdf") {
		t.Errorf("second save: %q, want policy (2).pdf", out)
	}
	out, errOut, code = runCLI(t, "--config", cfg, "documents", "open", strconv.FormatInt(hostileDoc, 10), "--save", dir)
	saved = strings.TrimSpace(out)
	if code != 0 || filepath.Dir(saved) != dir || strings.ContainsAny(filepath.Base(saved), "/\\\r\n") || strings.HasPrefix(filepath.Base(saved), ".") || !strings.HasSuffix(saved, ".pdf") {
		t.Fatalf("hostile name saved as %q (exit %d %s)", out, code, errOut)
	}
	if b, _ := os.ReadFile(saved); string(b) != string(other) {
		t.Errorf("hostile-named file differs from the attachment")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("save left %d entries in DIR, want 3 (no temporary files)", len(entries))
	}
	// Without --save, to a pipe or file: the bytes themselves.
	if out, _, code = runCLI(t, "--config", cfg, "documents", "open", id); code != 0 || out != string(policy) {
		t.Errorf("documents open to a non-terminal: exit %d, %d bytes", code, len(out))
	}

	// A body is not a file; missing ids are failures; bad ids are usage.
	docs, bodies := []document.Summary{}, 0
	out, _, _ = runCLI(t, "--config", cfg, "documents", "list", "--json")
	json.Unmarshal([]byte(out), &docs)
	for _, doc := range docs {
		if doc.Origin == document.FromBody {
			bodies++
			if _, errOut, code := runCLI(t, "--config", cfg, "documents", "open", strconv.FormatInt(doc.ID, 10), "--save", dir); code != exitFailure || !strings.Contains(errOut, "messages show 1") {
				t.Errorf("open a body document: exit %d %s", code, errOut)
			}
		}
	}
	if bodies != 1 {
		t.Errorf("%d body documents, want 1:\n%s", bodies, out)
	}
	for _, args := range [][]string{{"messages", "show", "99"}, {"messages", "show", "99", "--raw"}, {"documents", "show", "99"}, {"documents", "open", "99", "--save", dir}} {
		_, errOut, code := runCLI(t, append([]string{"--config", cfg}, args...)...)
		if code != exitFailure || !strings.Contains(errOut, " 99") || !strings.Contains(errOut, "not found") || !strings.Contains(errOut, "list") {
			t.Errorf("%v: exit %d %q, want 1 and a not-found message", args, code, errOut)
		}
	}
	for _, args := range [][]string{{"messages", "show", "x"}, {"messages", "show", "0"}, {"messages", "show", "1", "--raw", "--json"}, {"documents", "show", "-3"},
		{"documents", "open", "abc"}, {"documents", "open", id, "--save", filepath.Join(dir, "absent")}, {"documents", "show"}} {
		if _, errOut, code := runCLI(t, append([]string{"--config", cfg}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d %q, want 2", args, code, errOut)
		}
	}
}

func mustRunCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d %s", args, code, errOut)
	}
	return out
}

func TestSafeFilename(t *testing.T) {
	long := strings.Repeat("ŵ", 150) + ".pdf"
	for _, c := range []struct{ in, want string }{
		{"policy.pdf", "policy.pdf"},
		{"../../etc/passwd\r\n.pdf", "etc_passwd.pdf"},
		{`C:\Windows\evil.exe`, `C:_Windows_evil.exe`},
		{".bashrc", "bashrc"},
		{"..", "document-7.pdf"},
		{"", "document-7.pdf"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"name. ", "name"},
	} {
		if got := safeFilename(c.in, "document-7", "pdf"); got != c.want {
			t.Errorf("safeFilename(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	got := safeFilename(long, "x", "pdf")
	if len(got) > maxFilenameBytes || !strings.HasSuffix(got, "ŵ.pdf") || !utf8.ValidString(got) {
		t.Errorf("long name: %d bytes %q", len(got), got)
	}
}

// A file's bytes and raw mail are never written to a terminal, where
// they could repaint the screen: the commands say how to save them.
func TestBytesAreNotWrittenToATerminal(t *testing.T) {
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf // CI's Linux has pseudo-terminals: the check must run
	}
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		skip("no pseudo-terminal: %v", err)
		return
	}
	defer tty.Close()
	if !isTerminal(tty) {
		skip("/dev/ptmx is not seen as a terminal here")
		return
	}
	for _, args := range [][]string{{"documents", "open", "1"}, {"messages", "show", "1", "--raw"}} {
		var errb strings.Builder
		code := run(context.Background(), args, strings.NewReader(""), tty, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), "redirect") {
			t.Errorf("%v to a terminal: exit %d %q", args, code, errb.String())
		}
	}
	if isTerminal(&strings.Builder{}) {
		t.Error("a buffer is not a terminal")
	}
}
