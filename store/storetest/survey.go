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

// Survey is a campaign sent to many authorities at once, as
// 'campaign send' leaves it: every request delivered through the outbox.
type Survey struct {
	Name        string // the campaign's name; also the authorities' tag
	Authorities int
	SentAt      time.Time // default DefaultSentAt
}

// SendSurvey imports s.Authorities English authorities tagged s.Name,
// creates the campaign (template recording-policy), queues it and sends
// every request through the outbox, and returns the requests in order.
func SendSurvey(ctx context.Context, st *store.Store, s Survey) ([]campaign.Request, error) {
	if s.SentAt.IsZero() {
		s.SentAt = DefaultSentAt
	}
	nation, regime := "England", "foia"
	tags := []string{s.Name}
	rows := make([]registry.AuthorityInput, s.Authorities)
	for i := range rows {
		email := fmt.Sprintf("foi@%s-%d.gov.uk", s.Name, i+1)
		rows[i] = registry.AuthorityInput{Origin: fmt.Sprintf("survey %s:%d", s.Name, i+1),
			Name:  fmt.Sprintf("%s Council %d", strings.ToUpper(s.Name[:1])+s.Name[1:], i+1),
			Email: &email, Nation: &nation, Regime: &regime, Tags: &tags}
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		return nil, fmt.Errorf("survey authorities: %w", err)
	}
	cs := campaign.New(st)
	created, err := cs.Create(ctx, campaign.Spec{Name: s.Name, Template: "recording-policy", Target: campaign.Target{Tags: tags},
		MessageID: func(r string) string { return r + ".survey@foidesk.test" }, AllowDuplicates: true})
	if err != nil {
		return nil, fmt.Errorf("survey campaign: %w", err)
	}
	if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		subject := "Freedom of Information request [ref: " + r.Ref + "]"
		return campaign.Rendered{Subject: subject, Raw: []byte("Message-ID: <" + r.MessageID + ">\r\nTo: " + r.ToEmail + "\r\nSubject: " + subject + "\r\n\r\nA request.\r\n")}, nil
	}); err != nil {
		return nil, fmt.Errorf("survey queue: %w", err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		return nil, err
	}
	defer ob.Close()
	opt := campaign.ClaimOptions{Owner: "fixture", Now: s.SentAt, CampaignID: created.Campaign.ID}
	g, err := ob.Claim(ctx, opt)
	for err == nil && g != nil {
		g, err = ob.MarkSent(ctx, g, "fixture", campaign.Delivery{AcceptedAt: s.SentAt, Reply: campaign.SMTPReply{Code: 250, Text: "2.0.0 OK"}}, &opt)
	}
	if err != nil {
		return nil, fmt.Errorf("survey send: %w", err)
	}
	if err := cs.FinishSettled(ctx); err != nil {
		return nil, err
	}
	return cs.Requests(ctx, created.Campaign.ID, false)
}

// ReplyDoc is one attachment of a Reply, already extracted.
type ReplyDoc struct {
	Filename   string
	Text       string // pages separated by form feeds
	SimilarTo  int64  // a document of another authority this one is a near-duplicate of
	Similarity float64
}

// Reply records a response to req, received at uid of INBOX (UIDVALIDITY
// 1), with one attachment per doc, each saved as an extracted document and
// queued for review, through the mail and document stores' own calls. It
// returns the message id and the document ids.
func Reply(ctx context.Context, st *store.Store, req campaign.Request, uid uint32, subject string, docs []ReplyDoc) (int64, []int64, error) {
	ms := mail.New(st)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		return 0, nil, err
	}
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	var atts []mail.NewAttachment
	for i, d := range docs {
		atts = append(atts, mail.NewAttachment{Part: fmt.Sprint(i + 2), Filename: d.Filename, ContentType: "application/pdf",
			Size: int64(len(d.Text)), SHA256: sum(fmt.Sprintf("attachment %d %d %s", uid, i, d.Text))})
	}
	rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: sum(fmt.Sprintf("message %d %s", uid, req.Ref)), Size: 1,
		Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid},
		Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("reply-%d@%s", uid, "council.test"), FromAddr: req.ToEmail, FromName: req.Authority.Name,
			Subject: subject, SentDate: req.SentAt.Add(72 * time.Hour), BodyText: "Please find our response attached.",
			RequestID: req.ID, MatchedBy: "reference", MatchDetail: "fixture", Kind: mail.KindResponse, KindReason: "fixture", Attachments: atts}})
	if err != nil {
		return 0, nil, err
	}
	stored, err := ms.MessageAttachments(ctx, rec.ID)
	if err != nil {
		return 0, nil, err
	}
	ds := document.New(st)
	var ids []int64
	for i, d := range docs {
		saved, err := ds.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: atts[i].SHA256, Type: "pdf", Status: "ok", Engine: "fixture",
			Pages: strings.Count(d.Text, "\f") + 1, Words: len(strings.Fields(d.Text)), Text: d.Text, SimilarTo: d.SimilarTo, Similarity: d.Similarity},
			document.Source{MessageID: rec.ID, AttachmentID: stored[i].ID, Filename: d.Filename}, true)
		if err != nil {
			return 0, nil, err
		}
		ids = append(ids, saved.DocumentID)
	}
	return rec.ID, ids, nil
}
