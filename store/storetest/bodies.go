package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/registry"
)

// Body is a surveyed authority as the register holds it, and what the
// outbox does with its request.
type Body struct {
	Code, Name string
	Email      string // "": no address, so no request is made
	Nation     string // England, Wales, Scotland or Northern Ireland
	Regime     string // default: the nation's (foisa in Scotland, else foia)
	// Outcome is the outbox's: "sent" (default: accepted at SentAt),
	// "failed", "unknown", or "queued" (never claimed).
	Outcome string
	SentAt  time.Time // default DefaultSentAt
}

// SurveyBodies makes campaign name, targeting every body given (by a tag of its
// own), queues it and settles each request as its Body says, through the
// real register, campaign and outbox. It returns the campaign and its
// requests by authority code.
func SurveyBodies(ctx context.Context, st *store.Store, name string, bodies []Body) (campaign.Campaign, map[string]campaign.Request, error) {
	tag := "survey-" + name
	var rows []registry.AuthorityInput
	for _, b := range bodies {
		b := b
		regime := b.Regime
		if regime == "" {
			regime = "foia"
			if b.Nation == "Scotland" {
				regime = "foisa"
			}
		}
		in := registry.AuthorityInput{Origin: "survey " + b.Code, Name: b.Name, Code: b.Code, Nation: &b.Nation, Regime: &regime, Tags: &[]string{tag}}
		if b.Email != "" {
			in.Email = &b.Email
		}
		rows = append(rows, in)
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		return campaign.Campaign{}, nil, fmt.Errorf("survey authorities: %w", err)
	}
	cs := campaign.New(st)
	created, err := cs.Create(ctx, campaign.Spec{
		Name: name, Template: "recording-policy", Target: campaign.Target{Tags: []string{tag}}, AllowDuplicates: true,
		MessageID: func(ref string) string { return ref + ".survey@foidesk.test" },
	})
	if err != nil {
		return campaign.Campaign{}, nil, fmt.Errorf("survey campaign: %w", err)
	}
	if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		subject := "Freedom of Information request [ref: " + r.Ref + "]"
		raw := "Message-ID: <" + r.MessageID + ">\r\nTo: " + r.ToEmail + "\r\nSubject: " + subject + "\r\n\r\nA request.\r\n"
		return campaign.Rendered{Subject: subject, Raw: []byte(raw)}, nil
	}); err != nil {
		return campaign.Campaign{}, nil, fmt.Errorf("survey queue: %w", err)
	}
	byEmail := map[string]Body{}
	for _, b := range bodies {
		if b.Email != "" {
			byEmail[strings.ToLower(b.Email)] = b
		}
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		return campaign.Campaign{}, nil, err
	}
	defer ob.Close()
	skip := func(to string) bool { return byEmail[strings.ToLower(to)].Outcome == "queued" }
	for {
		g, err := ob.Claim(ctx, campaign.ClaimOptions{Owner: "survey", Now: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), CampaignID: created.Campaign.ID, Skip: skip})
		if err != nil {
			return campaign.Campaign{}, nil, fmt.Errorf("survey claim: %w", err)
		}
		if g == nil {
			break
		}
		b := byEmail[strings.ToLower(g.ToEmail)]
		at := b.SentAt
		if at.IsZero() {
			at = DefaultSentAt
		}
		switch b.Outcome {
		case "", "sent":
			_, err = ob.MarkSent(ctx, g, "survey", campaign.Delivery{AcceptedAt: at, Reply: campaign.SMTPReply{Code: 250, Text: "2.0.0 OK"}}, nil)
		case "failed":
			_, err = ob.MarkFailed(ctx, g, "survey", campaign.SMTPReply{Code: 550, Enhanced: "5.1.1", Text: "no such user"}, nil)
		case "unknown":
			_, err = ob.MarkUnknown(ctx, g, "survey", "the connection dropped after the message data was sent", nil)
		default:
			err = fmt.Errorf("unknown outcome %q", b.Outcome)
		}
		if err != nil {
			return campaign.Campaign{}, nil, fmt.Errorf("survey %s: %w", b.Code, err)
		}
	}
	if err := cs.FinishSettled(ctx); err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := cs.ByName(ctx, name)
	if err != nil {
		return c, nil, err
	}
	reqs, err := cs.Requests(ctx, c.ID, false)
	if err != nil {
		return c, nil, err
	}
	out := map[string]campaign.Request{}
	for _, r := range reqs {
		out[r.Authority.Code] = r
	}
	return c, out, nil
}

// Mail is a message to a surveyed request, as triage would record it.
type Mail struct {
	Kind         string    // a mail.Kind*
	Detail       string    // a refusal's exemptions; where published information is
	Date         time.Time // its Date header: when the authority sent it
	BounceStatus string    // a bounce's enhanced status (5.x.x: permanent)
	Subject      string
	Body         string
	// Documents: one attachment each, extracted to the text given
	// ("" leaves it extracted with no text, status failed).
	Documents []string
}

// Deliver records m as matched to request requestID, through the mail
// store (which derives the request's clock), with an attachment and an
// extracted document per m.Documents. It returns the message's id and
// its documents' ids.
func Deliver(ctx context.Context, st *store.Store, requestID int64, m Mail) (int64, []int64, error) {
	seed := fmt.Sprintf("%d|%s|%s|%s|%d", requestID, m.Kind, m.Date.Format(time.RFC3339Nano), m.Subject, time.Now().UnixNano())
	sum := sha256.Sum256([]byte(seed))
	d := mail.Derived{
		HeaderMessageID: hex.EncodeToString(sum[:8]) + "@authority.test", FromAddr: "foi@authority.test", Subject: m.Subject,
		SentDate: m.Date, BodyText: m.Body, RequestID: requestID, MatchedBy: "ref", Kind: m.Kind, KindReason: "fixture",
		KindDetail: m.Detail, BounceStatus: m.BounceStatus,
	}
	for i, text := range m.Documents {
		as := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%s", seed, i, text)))
		d.Attachments = append(d.Attachments, mail.NewAttachment{Part: fmt.Sprint(i + 2), Filename: fmt.Sprintf("reply-%d.pdf", i+1),
			ContentType: "application/pdf", Size: int64(len(text) + 100), SHA256: hex.EncodeToString(as[:])})
	}
	rec, err := mail.New(st).RecordMessage(ctx, mail.NewMessage{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(m.Body) + 200), Derived: d})
	if err != nil {
		return 0, nil, err
	}
	if len(m.Documents) == 0 {
		return rec.ID, nil, nil
	}
	atts, err := mail.New(st).MessageAttachments(ctx, rec.ID)
	if err != nil {
		return rec.ID, nil, err
	}
	var docs []int64
	for i, a := range atts {
		if i >= len(m.Documents) {
			break
		}
		in := document.Input{Origin: document.FromAttachment, SHA256: a.SHA256, Type: "pdf", Status: "ok", Engine: "fixture", Pages: 1,
			Words: len(strings.Fields(m.Documents[i])), Text: m.Documents[i]}
		if m.Documents[i] == "" {
			in.Status, in.Reason = "failed", "fixture: nothing extracted"
		}
		saved, err := document.New(st).Save(ctx, in, document.Source{MessageID: rec.ID, AttachmentID: a.ID, Filename: a.Filename}, m.Documents[i] != "")
		if err != nil {
			return rec.ID, docs, err
		}
		docs = append(docs, saved.DocumentID)
	}
	return rec.ID, docs, nil
}
