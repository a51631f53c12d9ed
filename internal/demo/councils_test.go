package demo

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

func request(to, ref string, chaser bool) []byte {
	var b strings.Builder
	b.WriteString("From: Ann Example <ann@example.org>\r\nReply-To: ann+" + ref + "@example.org\r\nTo: " + to + "\r\n")
	b.WriteString("Subject: Recording policy [ref: " + ref + "]\r\nMessage-ID: <" + ref + "@example.org>\r\n")
	if chaser {
		b.WriteString("In-Reply-To: <" + ref + "@example.org>\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nPlease send your policy.\r\n")
	return []byte(b.String())
}

// Each behaviour answers on its own campaign day, to the address it
// should, threaded where a real council's reply would be; a chaser is
// counted but never answers anew; a digest's plain text is handed over.
func TestCouncilsAnswer(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var got []*mail.Message
	var digest string
	cs := []Council{
		{Code: "AAA", Name: "A Council", Email: "foi@aaa.demo.invalid", Does: AcksThenPDF},
		{Code: "BBB", Name: "B Council", Email: "foi@bbb.demo.invalid", Does: Bounces},
		{Code: "CCC", Name: "C Council", Email: "foi@ccc.demo.invalid", Does: NoReplyAddress},
		{Code: "DDD", Name: "D Council", Email: "foi@ddd.demo.invalid", Does: Silent},
		{Code: "EEE", Name: "E Council", Email: "foi@eee.demo.invalid", Does: ScannedLetter},
	}
	c := NewCouncils(cs)
	c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c.Digest = "alerts@example.org"
	c.OnDigest = func(s string) { digest = s }
	c.Deliver = func(raw []byte) error {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Errorf("undeliverable reply: %v\n%s", err, raw)
			return nil
		}
		got = append(got, m)
		return nil
	}
	for i, x := range cs {
		ref := "REF0000" + string(rune('1'+i))
		c.Receive("ann@example.org", []string{x.Email}, request(x.Email, ref, false))
		c.Receive("ann@example.org", []string{x.Email}, request(x.Email, ref, true))
	}
	c.Receive("ann@example.org", []string{"alerts@example.org"}, []byte("Subject: digest\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n3 overdue =E2=80=94 today\r\n"))

	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock(); c.deliverDue() }
	advance(time.Hour)
	if len(got) != 1 || got[0].Header.Get("Content-Type")[:16] != "multipart/report" || got[0].Header.Get("To") != "ann@example.org" {
		t.Fatalf("after an hour, want only the bounce to the sender: %d messages", len(got))
	}
	advance(day)
	if len(got) != 2 || got[1].Header.Get("In-Reply-To") != "<REF00001@example.org>" || got[1].Header.Get("To") != "ann+REF00001@example.org" {
		t.Fatalf("after a day, want the acknowledgement threaded to the reply-to address: %d", len(got))
	}
	advance(9 * day)
	if len(got) != 3 || got[2].Header.Get("In-Reply-To") != "<REF00005@example.org>" || !attached(t, got[2], ScannedFilename, "%PDF-") {
		t.Fatalf("after 10 days, want the scanned letter threaded, with its PDF: %d messages", len(got))
	}
	advance(31 * day)
	if len(got) != 5 {
		t.Fatalf("after 41 days: %d messages, want 5 (the silent council says nothing)", len(got))
	}
	var noReply *mail.Message
	for _, m := range got {
		if strings.HasPrefix(m.Header.Get("From"), "C Council") {
			noReply = m
		}
	}
	if noReply == nil || !strings.Contains(noReply.Header.Get("From"), "noreply@ccc.demo.invalid") || noReply.Header.Get("In-Reply-To") != "" ||
		!strings.Contains(noReply.Header.Get("Subject"), "[ref: REF00003]") {
		t.Errorf("the no-reply answer: %v", noReply)
	}
	if r := c.Requests(); len(r) != 5 || r["AAA"] != 1 || r["DDD"] != 1 {
		t.Errorf("requests received: %v", r)
	}
	if c.FollowUps() != 5 || c.Digests() != 1 || c.Replies() != 5 || c.Pending() != 0 {
		t.Errorf("follow-ups %d, digests %d, replies %d, pending %d", c.FollowUps(), c.Digests(), c.Replies(), c.Pending())
	}
	if digest != "3 overdue — today\n" {
		t.Errorf("digest text %q", digest)
	}
	if errs := c.Errors(); len(errs) > 0 {
		t.Error(errs)
	}
}

// attached says whether m carries a file called name whose content starts
// with prefix.
func attached(t *testing.T, m *mail.Message, name, prefix string) bool {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			return false
		}
		if p.FileName() == name {
			b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, &stripCRLF{r: p}))
			return err == nil && strings.HasPrefix(string(b), prefix)
		}
	}
}
