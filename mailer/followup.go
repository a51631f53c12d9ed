package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
)

// Letters after the first (chasers, internal-review letters) are composed
// here and queued in the letters outbox (store/campaign/letters.go), which
// the Dispatcher sends with the same once-only guarantee as requests.

// FollowUpMessageID is the Message-ID of a follow-up letter of request
// ref: the token first, as for the request itself (MessageID), so a reply
// to the follow-up leads back to the request even when only its
// In-Reply-To survives; what (chaser1, review) keeps it unique.
func FollowUpMessageID(ref, what, fromEmail string) string {
	return ref + "." + what + ".foi@" + domainOf(fromEmail)
}

// FollowUp composes a follow-up of request r with template name (chaser,
// internal-review): From and Reply-To as the first letter, the request's
// reference in the subject, threaded on the request (In-Reply-To the
// authority's latest reply, replyID, when there is one, else the request;
// References the request, then that reply). what makes its Message-ID
// unique (FollowUpMessageID); reason is the requester's paragraph, if any.
func (m Composer) FollowUp(name string, r campaign.Request, what, replyID, reason string) (campaign.NewLetter, error) {
	if m.Requester.Email == "" {
		return campaign.NewLetter{}, errors.New("[requester] email is not set: it is the From address of every letter")
	}
	if r.SentAt.IsZero() {
		return campaign.NewLetter{}, fmt.Errorf("request %s was never sent: there is nothing to follow up", r.Ref)
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	date := now()
	letter, err := m.Templates.Render(name, letterData(m.Requester, r, date, reason), "")
	if err != nil {
		return campaign.NewLetter{}, fmt.Errorf("%s letter for %s: %w", name, r.Ref, err)
	}
	e := Envelope{
		Ref: r.Ref, MessageID: FollowUpMessageID(r.Ref, what, m.Requester.Email),
		FromName: m.Requester.Name, FromEmail: m.Requester.Email,
		ToName: r.Authority.Name, ToEmail: r.ToEmail,
		Subject: letter.Subject, Body: letter.Body, Date: date,
		InReplyTo: r.MessageID, References: []string{r.MessageID},
	}
	if replyID != "" && replyID != r.MessageID {
		e.InReplyTo = replyID
		e.References = append(e.References, replyID)
	}
	if m.Requester.PlusAddressing {
		e.ReplyTo = PlusAddress(m.Requester.Email, r.Ref)
	}
	raw, err := Build(e)
	if err != nil {
		return campaign.NewLetter{}, fmt.Errorf("build %s letter for %s: %w", name, r.Ref, err)
	}
	return campaign.NewLetter{RequestID: r.ID, To: r.ToEmail, MessageID: e.MessageID, Subject: SubjectWithRef(letter.Subject, r.Ref), Raw: raw}, nil
}

// FollowUpStore is what queueing follow-ups needs of the database.
type FollowUpStore interface {
	EachChaserCandidate(ctx context.Context, campaignID int64, day string, fn func(campaign.ChaserDue) error) error
	QueueLetter(ctx context.Context, l campaign.NewLetter) (id int64, queued bool, err error)
	LetterByKey(ctx context.Context, key string) (campaign.Letter, error)
	LatestReplyID(ctx context.Context, requestID int64) (string, error)
}

// FollowUps queues chasers and internal-review letters for the Dispatcher.
type FollowUps struct {
	Store    FollowUpStore
	Composer Composer // its Now is ignored: letters are dated when queued
	Rule     *lifecycle.Rule
	Log      *slog.Logger
}

// QueueChasers queues the chasers due on now's London date in every
// campaign with chasers on, and returns how many it queued. It is
// idempotent (each chaser has a once-only key) and one query when nothing
// is due, for a daemon to call hourly.
func (f FollowUps) QueueChasers(ctx context.Context, now time.Time) (int, error) {
	return f.QueueCampaignChasers(ctx, 0, now)
}

// QueueCampaignChasers is QueueChasers for one campaign (0: all).
//
// A request's n-th chaser is due on the working day (in its regime's
// calendar) After working days past its due date for the first, and Every
// working days after the day the previous one was queued for the rest, so
// a foidesk that was stopped for a week sends one chaser when it starts,
// not a burst.
func (f FollowUps) QueueCampaignChasers(ctx context.Context, campaignID int64, now time.Time) (int, error) {
	today := deadline.ReceiptDate(now)
	comp := f.Composer
	comp.Now = func() time.Time { return now }
	queued := 0
	err := f.Store.EachChaserCandidate(ctx, campaignID, today.String(), func(d campaign.ChaserDue) error {
		on, err := f.chaserDay(d)
		if err != nil {
			f.log().Warn("cannot work out when to chase; not chased", "ref", d.Request.Ref, "err", err)
			return nil
		}
		if today < on {
			return nil
		}
		n := d.Queued + 1
		l, err := comp.FollowUp("chaser", d.Request, "chaser"+strconv.Itoa(n), d.ReplyID, "")
		if err != nil {
			return err
		}
		l.Kind, l.Key = campaign.LetterChaser, campaign.ChaserKey(d.Request.ID, n)
		_, ok, err := f.Store.QueueLetter(ctx, l)
		if err != nil {
			return err
		}
		if ok {
			queued++
			f.log().Info("chaser queued", "ref", d.Request.Ref, "authority", d.Request.Authority.Name, "chaser", n, "due", d.Request.DueDate)
		}
		return nil
	})
	return queued, err
}

// chaserDay is the day d's next chaser falls due.
func (f FollowUps) chaserDay(d campaign.ChaserDue) (deadline.Date, error) {
	reg, err := deadline.ParseRegime(d.Request.Regime)
	if err != nil {
		return 0, err
	}
	cal := f.rule().Calendar(reg)
	if d.Queued == 0 || d.Last.IsZero() {
		due, err := deadline.ParseDate(d.Request.DueDate)
		if err != nil {
			return 0, fmt.Errorf("due date: %w", err)
		}
		return cal.AddWorkingDays(due, d.Chasers.After), nil
	}
	return cal.AddWorkingDays(deadline.ReceiptDate(d.Last), d.Chasers.Every), nil
}

// QueueReview queues request r's internal-review letter (FOISA and EISR:
// a requirement for review), with the requester's reason, if any. There
// is one per request: when it was asked for already, the existing letter
// is returned with queued false. The review clock starts when the letter
// is sent (campaign.Store.MarkLetterSent). by is who asked for it, kept in
// the letter.queued event.
func (f FollowUps) QueueReview(ctx context.Context, r campaign.Request, reason, by string, now time.Time) (campaign.Letter, bool, error) {
	key := campaign.ReviewKey(r.ID)
	if l, err := f.Store.LetterByKey(ctx, key); err == nil {
		return l, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return l, false, err
	}
	if r.OutboxState != campaign.OutboxSent {
		return campaign.Letter{}, false, fmt.Errorf("request %s is %s, not sent: there is nothing to review", r.Ref, r.OutboxState)
	}
	if r.Status == lifecycle.NotDelivered || r.Status == lifecycle.Withdrawn {
		return campaign.Letter{}, false, fmt.Errorf("request %s is %s (%s): there is nothing to review", r.Ref, r.Status, lifecycle.Describe(r.Status))
	}
	replyID, err := f.Store.LatestReplyID(ctx, r.ID)
	if err != nil {
		return campaign.Letter{}, false, err
	}
	comp := f.Composer
	comp.Now = func() time.Time { return now }
	l, err := comp.FollowUp("internal-review", r, "review", replyID, reason)
	if err != nil {
		return campaign.Letter{}, false, err
	}
	l.Kind, l.Key, l.By = campaign.LetterReview, key, by
	_, queued, err := f.Store.QueueLetter(ctx, l)
	if err != nil {
		return campaign.Letter{}, false, err
	}
	got, err := f.Store.LetterByKey(ctx, key)
	return got, queued, err
}

func (f FollowUps) rule() *lifecycle.Rule {
	if f.Rule == nil {
		return lifecycle.Statutory()
	}
	return f.Rule
}

func (f FollowUps) log() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}
