package smtptest

import (
	"net/smtp"
	"strings"
	"testing"
)

// A message over MaxMessageBytes is refused with 552 and not recorded;
// one within it is.
func TestMessageSizeIsBounded(t *testing.T) {
	s, err := Start(Options{MaxMessageBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	send := func(body string) error {
		return smtp.SendMail(s.Addr, nil, "a@example.org", []string{"b@example.org"}, []byte("Subject: x\r\n\r\n"+body+"\r\n"))
	}
	if err := send(strings.Repeat("a long line of text\r\n", 1000)); err == nil || !strings.Contains(err.Error(), "552") {
		t.Errorf("a 20 KB message past a 4 KB limit: %v, want a 552", err)
	}
	if err := send("A short letter."); err != nil {
		t.Fatalf("a short message: %v", err)
	}
	if got := s.Messages(); len(got) != 1 || !strings.Contains(string(got[0].Data), "A short letter.") {
		t.Errorf("recorded %d messages, want only the short one", len(got))
	}
}
