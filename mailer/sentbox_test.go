package mailer

import (
	"context"
	"testing"
	"time"

	"foidesk/ingest/imaptest"
	"foidesk/lifecycle"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
)

func sentBox(s *imaptest.Server, appendSent bool) *SentBox {
	return &SentBox{Host: s.Host, Port: s.Port, TLS: "none", Username: imaptest.User, Password: imaptest.Password,
		Mailbox: "Sent", Append: appendSent, Timeout: 5 * time.Second}
}

func TestSentMessagesAreFiledInTheSentMailbox(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 3, false)
	srv := startServer(t, smtptest.Options{})
	imap := imaptest.Start(t, false, "INBOX", "Sent")
	d := dispatcher(st, srv)
	d.Sent = sentBox(imap, true)
	if sum, err := d.Run(ctx, c.ID); err != nil || sum.Sent != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	reqs := requestsByEmail(t, st, c)
	var ids []string
	for _, r := range reqs {
		ids = append(ids, r.MessageID)
	}
	box := sentBox(imap, false)
	defer box.Close()
	found, err := box.Find(ctx, ids)
	if err != nil || len(found) != 3 {
		t.Fatalf("found %v %v", found, err)
	}
	for _, r := range reqs {
		if d := found[r.MessageID].Sub(r.SentAt); d > time.Second || d < -time.Second {
			t.Errorf("%s filed at %v, sent at %v", r.Ref, found[r.MessageID], r.SentAt)
		}
	}
}

func TestUnknownRequestsAreReconciledFromTheSentMailbox(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 4, false)
	drop := map[string]bool{"foi@d1.example": true, "foi@d2.example": true}
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Data: func(m smtptest.Message) smtptest.DataAction {
		return smtptest.DataAction{DropAfterData: drop[m.To[0]]}
	}}})
	d := dispatcher(st, srv)
	if sum, err := d.Run(ctx, c.ID); err != nil || sum.Unknown != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	// The provider filed one of the two in the sent mailbox.
	imap := imaptest.Start(t, false, "INBOX", "Sent")
	reqs := requestsByEmail(t, st, c)
	imaptest.Append(t, imap.Addr(), "Sent", reqs["foi@d1.example"].RawMessage)
	d.Sent = sentBox(imap, false)
	sum, err := d.Run(ctx, c.ID)
	if err != nil || len(sum.Reconciled) != 1 || sum.Reconciled[0] != reqs["foi@d1.example"].Ref || sum.Sent != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	reqs = requestsByEmail(t, st, c)
	if r := reqs["foi@d1.example"]; r.OutboxState != campaign.OutboxSent || r.SentAt.IsZero() || r.DueDate == "" {
		t.Errorf("reconciled: %+v", r)
	}
	if r := reqs["foi@d2.example"]; r.OutboxState != campaign.OutboxUnknown {
		t.Errorf("not in the mailbox: %+v", r)
	}
	if n := len(byRecipient(t, srv.Messages())["foi@d2.example"]); n != 1 {
		t.Errorf("the unknown request was sent again: %d copies", n)
	}
	ev, _ := st.Events(ctx, store.EventFilter{Kind: "request.delivered", Subject: store.Subject{Request: reqs["foi@d1.example"].ID}})
	if len(ev) != 1 {
		t.Errorf("delivered events %v", ev)
	}
}

func TestSentMailboxUnreachableIsNotFatal(t *testing.T) {
	st, c := newCampaign(t, 2, false)
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	d.Sent = &SentBox{Host: "127.0.0.1", Port: 1, TLS: "none", Mailbox: "Sent", Append: true, Timeout: time.Second}
	if sum, err := d.Run(context.Background(), c.ID); err != nil || sum.Sent != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
}

// An internal-review letter whose fate is unknown is found in the sent
// mailbox: it is recorded as sent and its review clock starts, and it is
// never sent again.
func TestUnknownReviewLetterIsReconciledFromTheSentMailbox(t *testing.T) {
	ctx := context.Background()
	st, r, fu := followUpFixture(t, "foisa", "foi@kingsford.example", time.Now().Add(-60*24*time.Hour), campaign.Chasers{}, nil)
	if _, queued, err := fu.QueueReview(ctx, r, "", "", time.Now()); err != nil || !queued {
		t.Fatalf("review: %v %v", queued, err)
	}
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Data: func(smtptest.Message) smtptest.DataAction {
		return smtptest.DataAction{DropAfterData: true}
	}}})
	d := dispatcher(st, srv)
	if sum, err := d.Run(ctx, 0); err != nil || sum.Letters.Unknown != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	// The provider filed it in the sent mailbox.
	imap := imaptest.Start(t, false, "INBOX", "Sent")
	imaptest.Append(t, imap.Addr(), "Sent", srv.Messages()[0].Data)
	d.Sent = sentBox(imap, false)
	sum, err := d.Run(ctx, 0)
	if err != nil || len(sum.Letters.Reconciled) != 1 || sum.Letters.Reconciled[0] != campaign.ReviewKey(r.ID) || sum.Letters.Sent != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	l, _ := campaign.New(st).LetterByKey(ctx, campaign.ReviewKey(r.ID))
	if l.State != campaign.OutboxSent || l.SentAt.IsZero() {
		t.Errorf("letter %+v", l)
	}
	if status, _, err := st.RequestStatus(ctx, r.ID); err != nil || status != lifecycle.AwaitingReview {
		t.Errorf("request %s %v, want %s", status, err, lifecycle.AwaitingReview)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the unknown letter was sent again: %d copies", n)
	}
}
