package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/registry"
)

// BigNow is a clock after every reply BigSurvey records.
var BigNow = time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)

// BigSurvey makes campaign "big" for benchmarks, through the real paths
// but in bulk: authorities (every fourth Scottish, then Welsh, then
// Northern Irish) imported in one transaction, the campaign created and
// queued, every request sent through the outbox (each delivery claiming
// the next), then messages spread over the requests in turn (an
// acknowledgement, a response, an auto-reply, a refusal, a published
// reply) with documents attachments shared out among them (extracted
// text, saved and queued for review). The store's clock must read BigNow
// or later. It returns the campaign.
func BigSurvey(ctx context.Context, st *store.Store, authorities, messages, documents int) (campaign.Campaign, error) {
	nations := []string{"England", "Scotland", "Wales", "Northern Ireland"}
	rows := make([]registry.AuthorityInput, 0, authorities)
	for i := range authorities {
		nation := nations[i%4]
		email := fmt.Sprintf("foi@body%06d.test", i)
		rows = append(rows, registry.AuthorityInput{Origin: "big", Code: fmt.Sprintf("B%06d", i), Name: fmt.Sprintf("Public Body %06d", i),
			Email: &email, Nation: &nation, Tags: &[]string{"big"}})
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		return campaign.Campaign{}, err
	}
	cs := campaign.New(st)
	created, err := cs.Create(ctx, campaign.Spec{Name: "big", Template: "recording-policy", Target: campaign.Target{Tags: []string{"big"}},
		AllowDuplicates: true, MessageID: func(ref string) string { return ref + ".big@foidesk.test" }})
	if err != nil {
		return campaign.Campaign{}, err
	}
	if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		subject := "Freedom of Information request [ref: " + r.Ref + "]"
		return campaign.Rendered{Subject: subject, Raw: []byte("To: " + r.ToEmail + "\r\nSubject: " + subject + "\r\n\r\nA request.\r\n")}, nil
	}); err != nil {
		return campaign.Campaign{}, err
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		return campaign.Campaign{}, err
	}
	opt := campaign.ClaimOptions{Owner: "big", Now: BigNow, CampaignID: created.Campaign.ID}
	g, err := ob.Claim(ctx, opt)
	for g != nil && err == nil {
		g, err = ob.MarkSent(ctx, g, "big", campaign.Delivery{AcceptedAt: DefaultSentAt, Reply: campaign.SMTPReply{Code: 250, Text: "OK"}}, &opt)
	}
	ob.Close()
	if err != nil {
		return campaign.Campaign{}, err
	}
	if err := cs.FinishSettled(ctx); err != nil {
		return campaign.Campaign{}, err
	}
	reqs, err := cs.Requests(ctx, created.Campaign.ID, false)
	if err != nil {
		return campaign.Campaign{}, err
	}
	kinds := []struct{ kind, detail string }{{"acknowledgement", ""}, {"response", ""}, {"auto-reply", ""}, {"refusal", "s.12 cost limit"}, {"published", "https://example.test"}}
	ms, ds := mail.New(st), document.New(st)
	docsLeft := documents
	for j := range messages {
		if len(reqs) == 0 {
			break
		}
		req := reqs[j%len(reqs)]
		k := kinds[(j/len(reqs))%len(kinds)]
		seed := fmt.Sprintf("big|%d", j)
		sum := sha256.Sum256([]byte(seed))
		d := mail.Derived{HeaderMessageID: seed + "@authority.test", FromAddr: req.ToEmail, Subject: "Re: " + req.Ref,
			SentDate: DefaultSentAt.Add(time.Duration(1+j%40) * 24 * time.Hour), BodyText: "Thank you for your request.",
			RequestID: req.ID, MatchedBy: "ref", Kind: k.kind, KindReason: "bench", KindDetail: k.detail}
		n := 0
		if left := messages - j; docsLeft > 0 {
			n = (docsLeft + left - 1) / left
		}
		for a := range n {
			as := sha256.Sum256([]byte(fmt.Sprintf("%s|%d", seed, a)))
			d.Attachments = append(d.Attachments, mail.NewAttachment{Part: fmt.Sprint(a + 2), Filename: fmt.Sprintf("doc-%d.pdf", a),
				ContentType: "application/pdf", Size: 1000, SHA256: hex.EncodeToString(as[:])})
		}
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: hex.EncodeToString(sum[:]), Size: 500, Derived: d})
		if err != nil {
			return campaign.Campaign{}, err
		}
		if n == 0 {
			continue
		}
		atts, err := ms.MessageAttachments(ctx, rec.ID)
		if err != nil {
			return campaign.Campaign{}, err
		}
		for _, a := range atts {
			text := fmt.Sprintf("Policy document %s for %s: parents may record meetings.", a.SHA256[:8], req.Authority.Name)
			if _, err := ds.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: a.SHA256, Type: "pdf", Status: "ok", Engine: "bench",
				Pages: 1, Words: 10, Text: text}, document.Source{MessageID: rec.ID, AttachmentID: a.ID, Filename: a.Filename}, true); err != nil {
				return campaign.Campaign{}, err
			}
			docsLeft--
		}
	}
	return cs.ByName(ctx, "big")
}
