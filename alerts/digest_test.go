package alerts

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// recordingQueue is the real follow-up outbox (store/campaign) with a
// record of the letters it queued, so a test can read them; fail, when
// set, makes the queue refuse (a full disk, say).
type recordingQueue struct {
	t       *testing.T
	outbox  *campaign.Store
	letters []campaign.NewLetter
	fail    error
}

func (q *recordingQueue) QueueLetterTx(ctx context.Context, tx *sql.Tx, l campaign.NewLetter) (int64, bool, error) {
	if q.fail != nil {
		return 0, false, q.fail
	}
	id, queued, err := q.outbox.QueueLetterTx(ctx, tx, l)
	if err != nil {
		q.t.Fatalf("the outbox refused the digest: %v", err)
	}
	if queued {
		q.letters = append(q.letters, l)
	}
	return id, queued, nil
}

// newQueue is the outbox of w's database.
func newQueue(t *testing.T, w *world) *recordingQueue {
	return &recordingQueue{t: t, outbox: campaign.New(w.st)}
}

func digestWatcher(t *testing.T, w *world, q *recordingQueue) *Watcher {
	t.Helper()
	return w.watcher(t, func(c *Config) {
		c.Digest = &Digest{To: "alerts@campaign.example", FromName: "Ann Example", FromEmail: "ann@campaign.example", At: "08:00", Queue: q}
	})
}

// digestWorld: on Friday 4 December 2026, Barnet (sent 2 November, due 1
// December) is 3 working days late, Hackney (sent 26 October, due 23
// November) 8, a hostile name (sent 30 October, due 27 November) 4 (St
// Andrew's Day, 30 November, is not a FOIA working day); Fife (FOISA, sent
// 6 November) is due on 7 December, so due soon; Camden answered.
func digestWorld(t *testing.T) *world {
	w := newWorld(t)
	at := func(d int, m time.Month) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, time.UTC) }
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example", Ref: "C2ABCDEF"})
	w.send(t, storetest.SentRequest{AuthorityName: "Hackney", AuthorityEmail: "foi@hackney.example", SentAt: at(26, time.October)})
	w.send(t, storetest.SentRequest{AuthorityName: "<script>alert(1)</script> Council", AuthorityEmail: "foi@evil.example", SentAt: at(30, time.October)})
	w.send(t, storetest.SentRequest{AuthorityName: "Fife", AuthorityEmail: "foi@fife.example", Regime: "foisa", SentAt: at(6, time.November)})
	camden := w.send(t, storetest.SentRequest{AuthorityName: "Camden", AuthorityEmail: "foi@camden.example"})
	w.reply(t, camden, "response", "", at(20, time.November))
	return w
}

func TestTheDigestSaysWhatChangedThenWhoIsLate(t *testing.T) {
	w := digestWorld(t)
	q := newQueue(t, w)
	w.clk.t = time.Date(2026, 12, 4, 7, 59, 0, 0, time.UTC) // GMT: London 07:59
	x := digestWatcher(t, w, q)
	pass(t, x)
	deliver(t, x)
	if len(q.letters) != 0 {
		t.Fatal("a digest before its time")
	}
	w.clk.t = w.clk.t.Add(time.Minute)
	deliver(t, x)
	deliver(t, x)
	if len(q.letters) != 1 {
		t.Fatalf("%d digests queued, want 1", len(q.letters))
	}
	l := q.letters[0]
	if got, err := campaign.New(w.st).LetterByKey(context.Background(), "digest:2026-12-04"); err != nil || got.State != "queued" || got.MessageID != l.MessageID {
		t.Fatalf("the outbox holds %+v (%v), want the queued digest", got, err)
	}
	if l.Kind != campaign.LetterDigest || l.Key != "digest:2026-12-04" || l.To != "alerts@campaign.example" || l.RequestID != 0 ||
		l.Subject != "foidesk: 3 overdue, 1 due soon — 4 December 2026" || l.MessageID != "digest-2026-12-04@campaign.example" {
		t.Fatalf("letter %+v", l)
	}
	text, html := digestParts(t, l.Raw)
	for _, want := range []string{
		"Since the last digest",
		"2026-12-04  Barnet (C2ABCDEF) is overdue: due 2026-12-01, 3 working days late",
		"is due soon: due 2026-12-07",
		"Overdue now (3), most late first",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	hackney, evil, barnet := strings.Index(text, "  Hackney ("), strings.Index(text, "  <script>alert(1)</script> Council ("), strings.Index(text, "  Barnet, C2ABCDEF")
	if hackney < 0 || evil < 0 || barnet < 0 || !(hackney < evil && evil < barnet) {
		t.Errorf("overdue table not most late first (Hackney %d, script %d, Barnet %d):\n%s", hackney, evil, barnet, text)
	}
	if !strings.Contains(text, "sent 2026-10-26, due 2026-11-23, 8 working days late (overdue)") {
		t.Errorf("Hackney's row:\n%s", text)
	}
	if strings.Contains(text, "Camden") {
		t.Errorf("an answered request in the digest:\n%s", text)
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt; Council") {
		t.Errorf("html does not escape the name:\n%s", html)
	}
	for _, a := range w.alerts(t) {
		if a.DigestKey != "digest:2026-12-04" {
			t.Errorf("alert %d not marked: %+v", a.ID, a)
		}
	}

	// The next morning nothing changed: the digest still lists who is late.
	w.restart(t)
	w.clk.t = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	x = digestWatcher(t, w, q)
	pass(t, x)
	deliver(t, x)
	if len(q.letters) != 2 {
		t.Fatalf("%d digests, want 2", len(q.letters))
	}
	text, _ = digestParts(t, q.letters[1].Raw)
	if !strings.Contains(text, "Nothing has changed since the last digest.") || !strings.Contains(text, "Overdue now (3)") {
		t.Errorf("second digest:\n%s", text)
	}
}

// A day with no alert, no warning and nobody late sends nothing, and is
// not considered again.
func TestAQuietDaySendsNoDigest(t *testing.T) {
	w := newWorld(t)
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	q := newQueue(t, w)
	w.clk.on(t, "2026-11-10")
	x := digestWatcher(t, w, q)
	pass(t, x)
	deliver(t, x)
	if len(q.letters) != 0 {
		t.Fatalf("queued %+v", q.letters)
	}
	if done, err := alert.New(w.st).Digested(context.Background(), "2026-11-10"); err != nil || !done {
		t.Fatalf("digested %v %v", done, err)
	}
}

// A queue that fails leaves nothing marked: the next try includes it all.
func TestAFailedQueueMarksNothing(t *testing.T) {
	w := digestWorld(t)
	q := newQueue(t, w)
	q.fail = errors.New("disk full")
	w.clk.on(t, "2026-12-04")
	x := digestWatcher(t, w, q)
	pass(t, x)
	if err := x.Deliver(context.Background()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("deliver: %v", err)
	}
	for _, a := range w.alerts(t) {
		if a.DigestKey != "" {
			t.Fatalf("marked after a failure: %+v", a)
		}
	}
	q.fail = nil
	deliver(t, x)
	if len(q.letters) != 1 {
		t.Fatalf("%d letters", len(q.letters))
	}
}

// The digest's time is London's, summer and winter, and a watcher started
// after it sends the day's digest at once.
func TestDigestTimeFollowsLondon(t *testing.T) {
	d := &Digest{To: "a@b.example", FromEmail: "c@b.example", At: "08:00", Queue: &recordingQueue{}}
	if err := d.check(); err != nil {
		t.Fatal(err)
	}
	if got := d.timeOn(deadline.NewDate(2027, 6, 1)).UTC(); !got.Equal(time.Date(2027, 6, 1, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("summer: %s", got)
	}
	if got := d.timeOn(deadline.NewDate(2027, 1, 4)).UTC(); !got.Equal(time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("winter: %s", got)
	}
	// The clocks go forward on 28 March 2027: 08:00 that day is 07:00 UTC.
	if got := d.next(time.Date(2027, 3, 27, 8, 30, 0, 0, time.UTC)).UTC(); !got.Equal(time.Date(2027, 3, 28, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("next across the change: %s", got)
	}
	for _, bad := range []string{"8", "25:00", ""} {
		if err := (&Digest{To: "a@b.example", FromEmail: "c@b.example", At: bad, Queue: &recordingQueue{}}).check(); err == nil {
			t.Errorf("digest time %q accepted", bad)
		}
	}
}

// digestParts checks the message is a valid multipart/alternative one
// and returns its decoded text and HTML parts.
func digestParts(t *testing.T, raw []byte) (text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-Id"} {
		if m.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if strings.Contains(string(raw), "User-Agent") || strings.Contains(string(raw), "X-Mailer") {
		t.Error("a header names the software")
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.HasPrefix(subject, "foidesk: ") {
		t.Errorf("subject %q %v", subject, err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		default:
			t.Errorf("part %s", ct)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("parts: text %d bytes, html %d bytes", len(text), len(html))
	}
	return text, html
}
