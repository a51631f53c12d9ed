package mailer

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestBuildHeadersAndBody(t *testing.T) {
	e := Envelope{
		Ref: "ABCD1234", MessageID: MessageID("ABCD1234", "ann@example.org"),
		FromName: "Ann Example", FromEmail: "ann@example.org", ReplyTo: PlusAddress("ann@example.org", "ABCD1234"),
		ToName: "Fife Council", ToEmail: "foi@fife.gov.uk", Subject: "Freedom of Information request – recording",
		Body: "Dear Fife Council,\n\nA long line that is more than seventy-six characters long, so it must be wrapped by quoted-printable.\n\nYours faithfully,\nAnn\n",
		Date: time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC),
	}
	raw, err := Build(e)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("go-mail")) || bytes.Contains(bytes.ToLower(raw), []byte("x-mailer")) || bytes.Contains(bytes.ToLower(raw), []byte("user-agent")) {
		t.Errorf("message names the library:\n%s", raw)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mimeDecoder)
	want := map[string]string{
		"Message-Id": "<ABCD1234.foi@example.org>",
		"Reply-To":   `"Ann Example" <ann+ABCD1234@example.org>`,
		"From":       `"Ann Example" <ann@example.org>`,
		"To":         `"Fife Council" <foi@fife.gov.uk>`,
		"Date":       "Sat, 28 Nov 2026 09:30:00 +0000",
	}
	for k, v := range want {
		if got := m.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if s := dec.header(t, m.Header.Get("Subject")); s != "Freedom of Information request – recording [ref: ABCD1234]" {
		t.Errorf("subject %q", s)
	}
	if body := dec.body(t, m); body != strings.ReplaceAll(e.Body, "\n", "\r\n") {
		t.Errorf("body %q", body)
	}
	from, err := envelopeFrom(raw)
	if err != nil || from != "ann@example.org" {
		t.Errorf("envelope from %q %v", from, err)
	}
	again, _ := Build(e)
	if !bytes.Equal(raw, again) {
		t.Error("the same envelope built different bytes")
	}
}

func TestPlusAddressAndBadAddresses(t *testing.T) {
	if got := PlusAddress("ann+old@example.org", "XYZ"); got != "ann+XYZ@example.org" {
		t.Errorf("plus %q", got)
	}
	if _, err := Build(Envelope{FromEmail: "ann@example.org", ToEmail: "not an address", Date: time.Now()}); err == nil || !strings.Contains(err.Error(), "not an address") {
		t.Errorf("bad recipient: %v", err)
	}
}

func TestEnvelopeFromReadsOnlyTheFromHeader(t *testing.T) {
	raw := []byte("Subject: x\r\nFrom: \"Ann\r\n Example\" <ann@example.org>\r\nTo: b@example.org\r\n\r\nFrom: body@example.org\r\n")
	if got, err := envelopeFrom(raw); err != nil || got != "ann@example.org" {
		t.Errorf("folded From: %q %v", got, err)
	}
	if _, err := envelopeFrom([]byte("To: b@example.org\r\n\r\nFrom: body@example.org\r\n")); err == nil {
		t.Error("a From line in the body was taken for the header")
	}
}

func TestRequesterCheck(t *testing.T) {
	r, err := Requester{Name: "  Jo Bloggs ", Email: " jo@example.org "}.Check(true)
	if err != nil || r.Name != "Jo Bloggs" || r.Email != "jo@example.org" {
		t.Errorf("a good requester: %+v %v", r, err)
	}
	for _, c := range []struct {
		r        Requester
		needName bool
		want     string
	}{
		{Requester{Name: "Jo"}, true, "email is not set"},
		{Requester{Name: "Jo", Email: "Jo <jo@example.org>"}, true, "not a plain address"},
		{Requester{Email: "jo@example.org"}, true, "name"},
	} {
		if _, err := c.r.Check(c.needName); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error saying %q", c.r, err, c.want)
		}
	}
	if _, err := (Requester{Email: "jo@example.org"}).Check(false); err != nil {
		t.Errorf("a draft needs no name: %v", err)
	}
}

func TestRateSpread(t *testing.T) {
	r, err := ParseRate("1/10s")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Spread(400); got != 399*10*time.Second {
		t.Errorf("400 at 1/10s: %s", got)
	}
	if got := r.Spread(1); got != 0 {
		t.Errorf("one message: %s", got)
	}
	if got := (Rate{}).Spread(400); got != 0 {
		t.Errorf("no limit: %s", got)
	}
}

func TestSubjectCarriesTheReferenceOnce(t *testing.T) {
	if got := SubjectWithRef("FOI request", "7K3M9QX1"); got != "FOI request [ref: 7K3M9QX1]" {
		t.Errorf("added: %q", got)
	}
	if got := SubjectWithRef("FOI request [ref: 7k3m9qx1] about policies", "7K3M9QX1"); got != "FOI request [ref: 7k3m9qx1] about policies" {
		t.Errorf("a subject that carries it already: %q", got)
	}
}
