package mailer

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"foidesk/store/campaign"
	"foidesk/templates"
)

// Requester is the person a campaign writes as.
type Requester struct {
	Name          string
	Email         string
	PostalAddress string
	// PlusAddressing puts the request's token in the Reply-To address
	// (local+TOKEN@domain) so replies carry it even on a new thread.
	PlusAddressing bool
}

// Check says what stops r from signing a letter: the email is the From
// address and where replies come back, so it must be a plain address; the
// name is required to send (a request must state the requester's real
// name: s.8(1)(b) FOIA, s.8(1)(b) FOISA), though not to draft. It returns
// r with its fields trimmed.
func (r Requester) Check(needName bool) (Requester, error) {
	r.Name, r.Email, r.PostalAddress = strings.TrimSpace(r.Name), strings.TrimSpace(r.Email), strings.TrimSpace(r.PostalAddress)
	if r.Email == "" {
		return r, errors.New("[requester] email is not set in foidesk.toml: it is the From address of every letter and the address replies come back to; add a [requester] section with your name and email (see the README's Configuration), then run 'foidesk config check'")
	}
	if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
		return r, fmt.Errorf("[requester] email %q is not a plain address like name@example.org", r.Email)
	}
	if needName && r.Name == "" {
		return r, templates.ErrNoRequesterName
	}
	return r, nil
}

// Composer turns a request into its exact message: the campaign's letter
// rendered for the authority, wrapped in headers.
type Composer struct {
	Templates *templates.Set
	Requester Requester
	Now       func() time.Time // the Date header; nil: time.Now
}

// Compose renders request r of campaign c. The result is what is stored
// when the campaign is queued and sent byte for byte, retries included.
func (m Composer) Compose(c campaign.Campaign, r campaign.Request) (campaign.Rendered, error) {
	if m.Requester.Email == "" {
		return campaign.Rendered{}, errors.New("[requester] email is not set: it is the From address of every letter")
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	date := now()
	letter, err := m.Templates.Render(c.Template, templates.Data{
		Authority: templates.Authority{Name: r.Authority.Name, Code: r.Authority.Code, Nation: r.Authority.Nation, Regime: r.Regime},
		Requester: templates.Requester{Name: m.Requester.Name, Email: m.Requester.Email, PostalAddress: m.Requester.PostalAddress},
		Campaign:  c.Name,
		Ref:       r.Ref,
		Today:     date,
		Sent:      r.SentAt,
		Due:       dueTime(r.DueDate),
	}, c.Subject)
	if err != nil {
		return campaign.Rendered{}, err
	}
	e := Envelope{
		Ref: r.Ref, MessageID: r.MessageID,
		FromName: m.Requester.Name, FromEmail: m.Requester.Email,
		ToName: r.Authority.Name, ToEmail: r.ToEmail,
		Subject: letter.Subject, Body: letter.Body, Date: date,
	}
	if m.Requester.PlusAddressing {
		e.ReplyTo = PlusAddress(m.Requester.Email, r.Ref)
	}
	raw, err := Build(e)
	if err != nil {
		return campaign.Rendered{}, fmt.Errorf("build message: %w", err)
	}
	return campaign.Rendered{Subject: SubjectWithRef(letter.Subject, r.Ref), Raw: raw}, nil
}

func dueTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}
	}
	return t.Add(12 * time.Hour) // midday UTC: the same calendar date in London
}

// letterData is what a follow-up of request r, written on date, may use.
func letterData(req Requester, r campaign.Request, date time.Time, reason string) templates.Data {
	return templates.Data{
		Authority: templates.Authority{Name: r.Authority.Name, Code: r.Authority.Code, Nation: r.Authority.Nation, Regime: r.Regime},
		Requester: templates.Requester{Name: req.Name, Email: req.Email, PostalAddress: req.PostalAddress},
		Campaign:  r.Campaign,
		Ref:       r.Ref,
		Today:     date,
		Sent:      r.SentAt,
		Due:       dueTime(r.DueDate),
		Reason:    reason,
	}
}
