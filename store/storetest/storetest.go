// Package storetest makes the database states other packages' tests start
// from, through the same store calls the product makes: a sent request is
// imported, targeted, queued, claimed and accepted, so its status and due
// date are the lifecycle's, never written by hand.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"foidesk/ref"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// SentRequest describes a request as it stands after the mailer sent it.
type SentRequest struct {
	AuthorityName  string // an authority with this address is reused
	AuthorityEmail string
	Ref            string    // a valid token; ref.New() when empty
	MessageID      string    // our Message-ID without brackets; <Ref>.fixture@foidesk.test when empty
	SentAt         time.Time // when the server accepted it; default 2026-11-02 10:00 UTC
	Regime         string    // foia (default), eir, foisa or eisr; foisa and eisr authorities are Scottish
}

// DefaultSentAt is when a SentRequest is accepted unless it says otherwise.
var DefaultSentAt = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// Send creates the request's authority (unless one has its address), a
// campaign of its own targeting it, queues and sends it: the delivery is
// recorded by the outbox exactly as the dispatcher records one, so the
// clock is derived as in the product.
func Send(ctx context.Context, st *store.Store, f SentRequest) (campaign.Request, error) {
	return prepare(ctx, st, f, func(ob *campaign.Outbox, g *campaign.Outgoing, f SentRequest) error {
		_, err := ob.MarkSent(ctx, g, "fixture", campaign.Delivery{AcceptedAt: f.SentAt, Reply: campaign.SMTPReply{Code: 250, Text: "2.0.0 OK"}}, nil)
		return err
	})
}

// prepare creates, queues and claims the request, then settles the claim
// with outcome.
func prepare(ctx context.Context, st *store.Store, f SentRequest, outcome func(*campaign.Outbox, *campaign.Outgoing, SentRequest) error) (campaign.Request, error) {
	if f.Ref == "" {
		f.Ref = ref.New()
	}
	f.Ref = strings.ToUpper(f.Ref)
	if f.MessageID == "" {
		f.MessageID = f.Ref + ".fixture@foidesk.test"
	}
	if f.SentAt.IsZero() {
		f.SentAt = DefaultSentAt
	}
	if f.Regime == "" {
		f.Regime = "foia"
	}
	nation := "England"
	if f.Regime == "foisa" || f.Regime == "eisr" {
		nation = "Scotland"
	}
	tag := "fixture-" + strings.ToLower(f.Ref)
	tags := []string{tag}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: []registry.AuthorityInput{{
		Origin: "fixture " + f.Ref, Name: f.AuthorityName, Email: &f.AuthorityEmail, Nation: &nation, Regime: &f.Regime, Tags: &tags,
	}}}); err != nil {
		return campaign.Request{}, fmt.Errorf("fixture authority: %w", err)
	}
	cs := campaign.New(st)
	created, err := cs.Create(ctx, campaign.Spec{
		Name: tag, Template: "recording-policy", Target: campaign.Target{Tags: tags},
		MessageID: func(string) string { return f.MessageID },
		Ref:       func() string { return f.Ref },
	})
	if err != nil {
		return campaign.Request{}, fmt.Errorf("fixture campaign: %w", err)
	}
	if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		subject := "Freedom of Information request [ref: " + r.Ref + "]"
		raw := "Message-ID: <" + r.MessageID + ">\r\nTo: " + r.ToEmail + "\r\nSubject: " + subject + "\r\n\r\nA request.\r\n"
		return campaign.Rendered{Subject: subject, Raw: []byte(raw)}, nil
	}); err != nil {
		return campaign.Request{}, fmt.Errorf("fixture queue: %w", err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		return campaign.Request{}, err
	}
	defer ob.Close()
	g, err := ob.Claim(ctx, campaign.ClaimOptions{Owner: "fixture", Now: f.SentAt, CampaignID: created.Campaign.ID})
	if err != nil {
		return campaign.Request{}, fmt.Errorf("fixture claim: %w", err)
	}
	if g == nil {
		return campaign.Request{}, fmt.Errorf("fixture: nothing to claim in campaign %s", tag)
	}
	if err := outcome(ob, g, f); err != nil {
		return campaign.Request{}, fmt.Errorf("fixture %s: %w", f.Ref, err)
	}
	if err := cs.FinishSettled(ctx); err != nil {
		return campaign.Request{}, err
	}
	return cs.RequestByRef(ctx, f.Ref)
}

// Unknown leaves the request as a send interrupted mid-conversation does:
// claimed at f.SentAt, then marked unknown, for tests of resolving it.
func Unknown(ctx context.Context, st *store.Store, f SentRequest) (campaign.Request, error) {
	return prepare(ctx, st, f, func(ob *campaign.Outbox, g *campaign.Outgoing, f SentRequest) error {
		_, err := ob.MarkUnknown(ctx, g, "fixture", "the connection dropped after the message data was sent", nil)
		return err
	})
}
