package web

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"foidesk/blob"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// mailWorld is a fixture's mail: requests sent through the real outbox,
// raw messages in the blob store, recorded through the mail store.
type mailWorld struct {
	f     *fixture
	blobs blob.Store
	uid   uint32
}

func newMailWorld(t *testing.T) *mailWorld {
	t.Helper()
	dir := t.TempDir()
	f := newFixture(t, Options{Originals: blob.Store{Dir: dir}})
	if _, err := mail.New(f.st).StartMailbox(context.Background(), "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	return &mailWorld{f: f, blobs: blob.Store{Dir: dir}}
}

// send makes a sent request to a new authority; regime foisa makes it
// Scottish.
func (w *mailWorld) send(name, regime string) campaign.Request {
	w.f.t.Helper()
	r, err := storetest.Send(context.Background(), w.f.st, storetest.SentRequest{
		AuthorityName: name, AuthorityEmail: "foi@" + strings.ToLower(strings.Fields(name)[0]) + ".gov.uk", Regime: regime})
	if err != nil {
		w.f.t.Fatal(err)
	}
	return r
}

// put writes b to the blob store and returns its name.
func (w *mailWorld) put(b []byte) string {
	w.f.t.Helper()
	sum, _, err := w.blobs.Put(bytes.NewReader(b))
	if err != nil {
		w.f.t.Fatal(err)
	}
	return sum
}

// attachment is a file a fixture message carries.
type attachment struct {
	name, contentType string
	body              []byte
}

// message stores a raw message (its text part text, its HTML part html
// when not "") from from with subject, matched to request req (0:
// unmatched), with attachments, and returns its id.
func (w *mailWorld) message(from, subject, text, html string, req int64, atts ...attachment) int64 {
	w.f.t.Helper()
	w.uid++
	var raw strings.Builder
	fmt.Fprintf(&raw, "From: FOI Team <%s>\r\nTo: Requests <requests@foidesk.example>\r\nSubject: %s\r\nDate: Tue, 10 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m%d@example.gov.uk>\r\nMIME-Version: 1.0\r\n",
		from, subject, w.uid)
	raw.WriteString("Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n")
	if html != "" {
		raw.WriteString("Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
			"\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--alt--\r\n")
	} else {
		raw.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
	}
	var list []mail.NewAttachment
	for i, a := range atts {
		fmt.Fprintf(&raw, "--outer\r\nContent-Type: %s\r\nContent-Disposition: attachment\r\n\r\n%s\r\n", a.contentType, a.body)
		list = append(list, mail.NewAttachment{Part: fmt.Sprint(i + 2), Filename: a.name, ContentType: a.contentType, Size: int64(len(a.body)), SHA256: w.put(a.body)})
	}
	raw.WriteString("--outer--\r\n")
	sum := w.put([]byte(raw.String()))
	kind := mail.KindResponse
	d := mail.Derived{HeaderMessageID: fmt.Sprintf("m%d@example.gov.uk", w.uid), FromAddr: from, FromName: "FOI Team", Subject: subject,
		SentDate: time.Date(2026, 11, 10, 10, 0, 0, 0, time.UTC), BodyText: text, Attachments: list, RequestID: req, Kind: kind, KindReason: "fixture"}
	if req != 0 {
		d.MatchedBy, d.MatchDetail = "reference", "in the subject"
	}
	rec, err := mail.New(w.f.st).RecordMessage(context.Background(), mail.NewMessage{SHA256: sum, Size: int64(raw.Len()),
		Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: w.uid}, Derived: d})
	if err != nil {
		w.f.t.Fatal(err)
	}
	return rec.ID
}

// document saves text as the document extracted from message msg's
// attachment seq (0: its body).
func (w *mailWorld) document(msg int64, seq int, text string, similarTo int64) int64 {
	w.f.t.Helper()
	ctx := context.Background()
	src := document.Source{MessageID: msg}
	in := document.Input{Origin: document.FromBody, SHA256: fmt.Sprintf("body%d", msg), Type: "text", Status: "ok", Engine: "text", Pages: strings.Count(text, "\f") + 1,
		Words: len(strings.Fields(text)), Text: text, SimilarTo: similarTo, Similarity: 0.93}
	if seq > 0 {
		atts, err := mail.New(w.f.st).MessageAttachments(ctx, msg)
		if err != nil {
			w.f.t.Fatal(err)
		}
		a := atts[seq-1]
		src.AttachmentID, src.Filename = a.ID, a.Filename
		in.Origin, in.SHA256, in.Type = document.FromAttachment, a.SHA256, "pdf"
	}
	saved, err := document.New(w.f.st).Save(ctx, in, src, true)
	if err != nil {
		w.f.t.Fatal(err)
	}
	return saved.DocumentID
}
