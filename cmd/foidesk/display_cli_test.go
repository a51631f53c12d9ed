package main

import (
	"strings"
	"testing"

	"foidesk/ingest/imaptest"
)

// TestHostileTextIsEscapedOnTheTerminal: a subject and a sender's name
// that decode to a CR, an LF or an escape sequence cannot forge a line or
// repaint the terminal in foidesk's output.
func TestHostileTextIsEscapedOnTheTerminal(t *testing.T) {
	dir := t.TempDir()
	srv := imaptest.Start(t, true)
	cfg := ingestConfig(t, dir, srv.Port, "")
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	raw := "From: =?utf-8?q?Evil=0D=0AFORGED_LINE_=1B=5B2J?= <evil@example.net>\r\n" +
		"To: jo@campaign.example\r\n" +
		"Subject: =?utf-8?q?Hello=0D=0AFORGED_SUBJECT=E2=80=AE?=\r\n" +
		"Message-ID: <hostile-1@example.net>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
	imaptest.Append(t, srv.Addr(), "INBOX", []byte(raw))
	out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once", "--no-extract")
	if code != 0 {
		t.Fatalf("ingest: %d %s", code, errOut)
	}
	list, _, code := runCLI(t, "--config", cfg, "messages", "list")
	if code != 0 {
		t.Fatalf("messages list: %d", code)
	}
	for _, text := range []string{out, list} {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "FORGED") {
				t.Errorf("a forged line reached the terminal:\n%s", text)
			}
		}
		if strings.ContainsAny(text, "\r\x1b\u202e") {
			t.Errorf("a control character reached the terminal: %q", text)
		}
	}
	if !strings.Contains(list, `Hello\r\nFORGED_SUBJECT\u202e`) && !strings.Contains(list, `Hello\r\nFORGED SUBJECT\u202e`) {
		t.Errorf("the subject is not shown escaped:\n%s", list)
	}
}
