package alerts

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/templates"
)

// LetterQueue is the follow-up outbox (store/campaign's Store), which
// sends each Key once and only once: QueueLetterTx queues l in tx, unless
// a letter with the same Key was queued before (queued false, the earlier
// letter's id).
type LetterQueue interface {
	QueueLetterTx(ctx context.Context, tx *sql.Tx, l campaign.NewLetter) (id int64, queued bool, err error)
}

// Digest is where and when the daily digest goes.
type Digest struct {
	To        string // [alerts] email
	FromName  string // [requester] name
	FromEmail string // [requester] email; the Message-ID is at its domain
	At        string // HH:MM, Europe/London ([alerts] digest_time)
	Queue     LetterQueue

	hour, min int
}

func (d *Digest) check() error {
	if _, err := mail.ParseAddress(d.To); err != nil {
		return fmt.Errorf("alerts: digest recipient %q: %w", d.To, err)
	}
	if _, err := mail.ParseAddress(d.FromEmail); err != nil {
		return fmt.Errorf("alerts: digest sender %q: %w", d.FromEmail, err)
	}
	if d.Queue == nil {
		return fmt.Errorf("alerts: the digest needs an outbox")
	}
	t, err := time.Parse("15:04", d.At)
	if err != nil {
		return fmt.Errorf("alerts: digest time %q is not HH:MM", d.At)
	}
	d.hour, d.min = t.Hour(), t.Minute()
	return nil
}

// timeOn is the digest's time on day, in Europe/London (so it follows
// the clocks changing).
func (d *Digest) timeOn(day deadline.Date) time.Time {
	y, m, dd := day.YMD()
	return time.Date(y, m, dd, d.hour, d.min, 0, 0, deadline.London())
}

// next is the first digest time after now.
func (d *Digest) next(now time.Time) time.Time {
	day := deadline.ReceiptDate(now)
	if t := d.timeOn(day); t.After(now) {
		return t
	}
	return d.timeOn(day.AddDays(1))
}

// digestIfDue queues today's digest once its time has come, once: a
// watcher that was down at digest time sends the day's digest when it
// starts.
func (w *Watcher) digestIfDue(ctx context.Context) error {
	d := w.cfg.Digest
	now := w.cfg.Now()
	day := deadline.ReceiptDate(now)
	if now.Before(d.timeOn(day)) {
		return nil
	}
	_, err := w.DigestFor(ctx, day)
	return err
}

// DigestFor considers day's digest now, unless it was already: the
// alerts no digest has included, the warnings, and the overdue table on
// day. A day with none of those sends nothing. It reports whether a
// letter was queued.
func (w *Watcher) DigestFor(ctx context.Context, day deadline.Date) (bool, error) {
	d := w.cfg.Digest
	if d == nil {
		return false, fmt.Errorf("alerts: no digest configured")
	}
	if done, err := w.cfg.Store.Digested(ctx, day.String()); err != nil || done {
		return false, err
	}
	judged, bad, err := Judge(ctx, w.cfg.Store, w.cfg.Rule, w.cfg.Thresholds, day, 0)
	if err != nil {
		return false, err
	}
	for _, e := range bad {
		w.cfg.Log.Error("alerts: cannot judge a request", "err", e)
	}
	overdue := Overdue(judged)
	dueSoon := 0
	for _, j := range judged {
		if j.Shown.Status == lifecycle.DueSoon {
			dueSoon++
		}
	}
	sent := false
	_, err = w.cfg.Store.Digest(ctx, day.String(), func(tx *sql.Tx, in alert.DigestInput) (alert.DigestResult, error) {
		sent = false
		if len(in.Alerts) == 0 && len(in.Warnings) == 0 && len(overdue) == 0 {
			return alert.DigestResult{}, nil
		}
		l, err := composeDigest(d, w.cfg.Now(), day, in, overdue, dueSoon)
		if err != nil {
			return alert.DigestResult{}, err
		}
		id, _, err := d.Queue.QueueLetterTx(ctx, tx, l)
		if err != nil {
			return alert.DigestResult{}, fmt.Errorf("queue digest: %w", err)
		}
		sent = true
		return alert.DigestResult{LetterID: id, Overdue: len(overdue)}, nil
	})
	if err != nil {
		return false, err
	}
	if sent {
		w.cfg.Log.Info("alerts: digest queued", "day", day.String(), "overdue", len(overdue), "due_soon", dueSoon)
	}
	return sent, nil
}

// DigestTitle is the digest's headline: "3 overdue, 2 due soon — 4
// December 2026".
func DigestTitle(day deadline.Date, overdue, dueSoon int) string {
	return fmt.Sprintf("%d overdue, %d due soon — %s", overdue, dueSoon, day.Time().Format("2 January 2006"))
}

// composeDigest builds the digest letter: a multipart/alternative
// message, plain text and HTML, from the requester to [alerts] email.
func composeDigest(d *Digest, now time.Time, day deadline.Date, in alert.DigestInput, overdue []Judged, dueSoon int) (campaign.NewLetter, error) {
	data := templates.Digest{Title: DigestTitle(day, len(overdue), dueSoon), Day: day.Time().Format("2 January 2006")}
	for _, a := range in.Alerts {
		data.Transitions = append(data.Transitions, templates.DigestTransition{On: a.On, Sentence: Sentence(a)})
	}
	for _, wn := range in.Warnings {
		data.Warnings = append(data.Warnings, wn.Message)
	}
	for _, j := range overdue {
		data.Overdue = append(data.Overdue, templates.DigestRow{Authority: j.AuthorityName, Code: j.AuthorityCode, Ref: j.Ref, Campaign: j.Campaign,
			Sent: deadline.ReceiptDate(j.SentAt).String(), Due: j.Due, DaysLate: j.DaysLate(), State: j.Shown.Status})
	}
	text, html, err := templates.RenderDigest(data)
	if err != nil {
		return campaign.NewLetter{}, fmt.Errorf("render digest: %w", err)
	}
	subject := "foidesk: " + data.Title
	id := "digest-" + day.String() + "@" + domainOf(d.FromEmail)
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	if err := m.FromFormat(d.FromName, d.FromEmail); err != nil {
		return campaign.NewLetter{}, fmt.Errorf("digest from: %w", err)
	}
	if err := m.AddTo(d.To); err != nil {
		return campaign.NewLetter{}, fmt.Errorf("digest to: %w", err)
	}
	m.Subject(subject)
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(now)
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return campaign.NewLetter{}, fmt.Errorf("build digest: %w", err)
	}
	return campaign.NewLetter{Kind: campaign.LetterDigest, Key: in.Key, To: d.To, MessageID: id, Subject: subject, Raw: buf.Bytes()}, nil
}

func domainOf(addr string) string {
	_, dom, ok := strings.Cut(addr, "@")
	if !ok || dom == "" {
		return "localhost"
	}
	return strings.ToLower(dom)
}
