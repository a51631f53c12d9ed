package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/mail"
)

// ingestRaw stores raw as if fetched and records it.
func ingestRaw(t *testing.T, env *testEnv, raw []byte) Result {
	t.Helper()
	sum, size, err := env.blobs.Put(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	res, err := env.proc.Record(context.Background(), sum, size, mail.Location{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func requestState(t *testing.T, env *testEnv, ref string) (string, string) {
	t.Helper()
	s, due, err := env.st.RequestStatus(context.Background(), env.reqs[ref].ID)
	if err != nil {
		t.Fatal(err)
	}
	return s, due
}

func TestClassifyCorrectionReappliesStateChange(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	bounce := ingestRaw(t, env, readFixture(t, "postfix_dsn_permanent.eml"))
	if s, due := requestState(t, env, "K7QW3MP0"); s != store.StatusNotDelivered || due != "" {
		t.Fatalf("after permanent bounce: %s due %q", s, due)
	}
	// A person says it was only an auto-reply: the request is pending again
	// with its due date back, and the address flag is lifted.
	if err := env.mail.Classify(ctx, bounce.MessageID, mail.KindAutoReply, "false alarm"); err != nil {
		t.Fatal(err)
	}
	if s, due := requestState(t, env, "K7QW3MP0"); s != store.StatusAwaitingResponse || due != "2026-12-01" {
		t.Errorf("after correction: %s due %q, want awaiting-response due 2026-12-01 (St Andrew's Day, 30 November, is a Scottish bank holiday and FOIA skips it)", s, due)
	}
	if flagged, _, _ := env.mail.AuthorityEmailBounced(ctx, env.reqs["K7QW3MP0"].AuthorityID); flagged {
		t.Errorf("authority address still flagged")
	}
	// And then a response after all.
	if err := env.mail.Classify(ctx, bounce.MessageID, mail.KindResponse, ""); err != nil {
		t.Fatal(err)
	}
	if s, _ := requestState(t, env, "K7QW3MP0"); s != store.StatusReplied {
		t.Errorf("after classifying as response: %s", s)
	}
	ms, _ := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	if ms[0].KindBy != "person" || ms[0].Kind != mail.KindResponse {
		t.Errorf("message: %+v", ms[0])
	}
	evs, _ := env.st.Events(ctx, store.EventFilter{Kind: "message.classified", Subject: store.Subject{Message: bounce.MessageID}})
	if len(evs) != 2 {
		t.Errorf("%d classification events, want 2", len(evs))
	}
	if err := env.mail.Classify(ctx, bounce.MessageID, "spam", ""); err == nil {
		t.Errorf("unknown kind accepted")
	}

	// A confirmed clarification request clears the flag.
	clar := ingestRaw(t, env, readFixture(t, "clarification.eml"))
	if err := env.mail.Classify(ctx, clar.MessageID, mail.KindClarification, "confirmed"); err != nil {
		t.Fatal(err)
	}
	m, _, _ := env.mail.Message(ctx, clar.MessageID)
	if m.NeedsPerson {
		t.Errorf("confirmed clarification still needs a person")
	}
}

func TestAssignTeachesSenderAndMovesState(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	res := ingestRaw(t, env, readFixture(t, "unmatched.eml"))
	if res.Ref != "" {
		t.Fatalf("fixture matched %s", res.Ref)
	}
	un, _ := env.mail.Messages(ctx, mail.MessageFilter{Unmatched: true, Limit: 1000})
	if len(un) != 1 {
		t.Fatalf("unmatched queue: %d", len(un))
	}
	if _, err := env.mail.Assign(ctx, res.MessageID, "n7kb3wqb", "test"); err != nil {
		t.Fatal(err)
	}
	if s, _ := requestState(t, env, "N7KB3WQB"); s != store.StatusReplied {
		t.Errorf("assigned request: %s", s)
	}
	// Reassigned: the first request goes back to pending.
	if _, err := env.mail.Assign(ctx, res.MessageID, "R2MT9DFD", "test"); err != nil {
		t.Fatal(err)
	}
	if s, _ := requestState(t, env, "N7KB3WQB"); s != store.StatusAwaitingResponse {
		t.Errorf("request assigned away from: %s, want pending", s)
	}
	if s, _ := requestState(t, env, "R2MT9DFD"); s != store.StatusReplied {
		t.Errorf("request assigned to: %s", s)
	}
	// The sender is now known: the next message from it matches by sender.
	next := bytes.ReplaceAll(readFixture(t, "unmatched.eml"), []byte("random-1@"), []byte("random-2@"))
	next = bytes.ReplaceAll(next, []byte("Unrelated mail."), []byte("More mail."))
	r2 := ingestRaw(t, env, next)
	if r2.Ref == "" || r2.MatchedBy != RuleSender {
		t.Errorf("second message from the taught sender: ref %q by %q", r2.Ref, r2.MatchedBy)
	}
	if _, err := env.mail.Assign(ctx, res.MessageID, "ZZZZZZZZ", "test"); err == nil {
		t.Errorf("unknown ref accepted")
	}
}

func TestReparseKeepsPeopleDecisionsAndRederives(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	fw := ingestRaw(t, env, readFixture(t, "forwarded_reply.eml"))
	ooo := ingestRaw(t, env, readFixture(t, "exchange_ooo.eml"))
	if err := env.mail.Classify(ctx, ooo.MessageID, mail.KindResponse, "the officer answered in the auto-reply"); err != nil {
		t.Fatal(err)
	}
	before, _ := env.mail.MessageAttachments(ctx, fw.MessageID)
	stats, err := env.proc.Reparse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Messages != 2 || stats.Changed != 0 {
		t.Errorf("reparse: %+v", stats)
	}
	m, _, _ := env.mail.Message(ctx, ooo.MessageID)
	if m.Kind != mail.KindResponse || m.KindBy != "person" {
		t.Errorf("person's classification lost: %s by %s", m.Kind, m.KindBy)
	}
	after, _ := env.mail.MessageAttachments(ctx, fw.MessageID)
	if len(after) != len(before) || after[0].SHA256 != before[0].SHA256 {
		t.Errorf("attachments differ after reparse: %v vs %v", before, after)
	}
	// Tighter limits: the raw file is kept and the reason recorded.
	env.proc.Limits = Limits{MaxDepth: 1}
	if _, err := env.proc.Reparse(ctx); err != nil {
		t.Fatal(err)
	}
	m, _, _ = env.mail.Message(ctx, fw.MessageID)
	if !strings.Contains(m.ParseProblem, "max_depth") {
		t.Errorf("parse problem %q, want the depth limit named", m.ParseProblem)
	}
}

func TestLimitsKeepRawAndSayWhy(t *testing.T) {
	env := newTestEnv(t)
	env.proc.Limits = Limits{MaxMessageBytes: 3000, MaxParts: 2}
	big := ingestRaw(t, env, bulkReply(1, "K7QW3MP0", 5000))
	m, _, _ := env.mail.Message(context.Background(), big.MessageID)
	if !strings.Contains(m.ParseProblem, "max_message_bytes") || m.Subject == "" {
		t.Errorf("over-size message: problem %q subject %q", m.ParseProblem, m.Subject)
	}
	parts := ingestRaw(t, env, readFixture(t, "response_case_ref.eml"))
	m, _, _ = env.mail.Message(context.Background(), parts.MessageID)
	if !strings.Contains(m.ParseProblem, "max_parts") {
		t.Errorf("many-part message: problem %q", m.ParseProblem)
	}
	if _, err := env.mail.MessageIDBySHA(context.Background(), m.SHA256); err != nil || !env.blobs.Has(m.SHA256) {
		t.Errorf("raw file missing for %s", m.SHA256)
	}
}

func TestRequestRepliesFollowCorrections(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	clar := ingestRaw(t, env, readFixture(t, "clarification.eml"))
	facts, err := env.st.RequestReplies(ctx, env.reqs["Q6ZA4VMP"].ID)
	if err != nil || len(facts) != 1 || facts[0].Kind != mail.KindClarification || facts[0].Confirmed || facts[0].SentDate.IsZero() {
		t.Fatalf("before confirmation: %+v %v", facts, err)
	}
	if err := env.mail.Classify(ctx, clar.MessageID, mail.KindClarification, "confirmed"); err != nil {
		t.Fatal(err)
	}
	facts, _ = env.st.RequestReplies(ctx, env.reqs["Q6ZA4VMP"].ID)
	if !facts[0].Confirmed {
		t.Errorf("confirmed clarification not marked: %+v", facts[0])
	}
	ingestRaw(t, env, readFixture(t, "postfix_dsn_permanent.eml"))
	facts, _ = env.st.RequestReplies(ctx, env.reqs["K7QW3MP0"].ID)
	if len(facts) != 1 || facts[0].BounceStatus != "5.1.1" || !lifecycle.PermanentBounce(facts[0].BounceStatus) {
		t.Errorf("bounce facts: %+v", facts)
	}
}

func TestOwnRequestCopyChangesNothing(t *testing.T) {
	env := newTestEnv(t)
	raw := []byte("From: Jo Bloggs <jo.bloggs@campaign.example>\r\nTo: foi@ashdown.gov.uk\r\n" +
		"Subject: Freedom of Information request [ref: Q6ZA4VMP]\r\n" +
		"Message-ID: <" + fixtureMessageID(7, "Q6ZA4VMP") + ">\r\n\r\nDear Ashdown Council, please send your policy.\r\n")
	res := ingestRaw(t, env, raw)
	if res.Kind != mail.KindAutoReply || res.Ref != "Q6ZA4VMP" {
		t.Errorf("own copy: kind %s ref %q", res.Kind, res.Ref)
	}
	if s, _ := requestState(t, env, "Q6ZA4VMP"); s != store.StatusAwaitingResponse {
		t.Errorf("request %s after its own copy came in, want pending", s)
	}
}

func TestRequesterOwnMailChangesNothingButForwardsCount(t *testing.T) {
	env := newTestEnv(t)
	env.proc.OwnAddresses = []string{"Jo.Bloggs@campaign.example"}
	own := []byte("From: Jo Bloggs <jo.bloggs@campaign.example>\r\nTo: foi@ashdown.gov.uk\r\n" +
		"Subject: RE: Freedom of Information request [ref: Q6ZA4VMP]\r\nMessage-ID: <jo-1@campaign.example>\r\n\r\nThanks, I will wait.\r\n")
	res := ingestRaw(t, env, own)
	if res.Kind != mail.KindAutoReply || res.Ref != "Q6ZA4VMP" {
		t.Errorf("requester's own mail: kind %s ref %q", res.Kind, res.Ref)
	}
	if s, _ := requestState(t, env, "Q6ZA4VMP"); s != store.StatusAwaitingResponse {
		t.Errorf("request %s after the requester's own mail, want pending", s)
	}
	fw := ingestRaw(t, env, readFixture(t, "forwarded_reply.eml"))
	if fw.Kind != mail.KindResponse || fw.Ref != "R2MT9DFD" {
		t.Errorf("forwarded reply: kind %s ref %q", fw.Kind, fw.Ref)
	}
}
