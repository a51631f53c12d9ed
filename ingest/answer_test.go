package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"foidesk/blob"
	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/mail"
)

// triageText triages a plain-text message from a council with this body.
func triageText(t *testing.T, body string) Decision {
	t.Helper()
	raw := "From: FOI <foi@northshire.gov.uk>\r\nTo: jo@campaign.example\r\nSubject: RE: Freedom of Information request\r\n" +
		"Message-ID: <t@northshire.gov.uk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	p, err := parse(bytes.NewReader([]byte(raw)), int64(len(raw)), blob.Store{}, Limits{MaxMessageBytes: 1 << 20, MaxParts: 50, MaxDepth: 5}, true)
	if err != nil {
		t.Fatal(err)
	}
	return Triage(p)
}

// Refusals and "already published" replies are told from the letter's own
// words, with what they cite; other Acts' sections, an acknowledgement's
// warnings and an email's privacy link are not mistaken for them.
func TestTriageRefusalAndPublished(t *testing.T) {
	for _, c := range []struct {
		name, body, kind, detail string
	}{
		{"cost limit", "The cost of complying would exceed the appropriate limit, so we are refusing your request under section 12 of the Freedom of Information Act 2000.",
			mail.KindRefusal, "s.12 (cost limit)"},
		{"cost limit, no section", "Locating this information would exceed the cost limit. We are therefore unable to comply.",
			mail.KindRefusal, "cost limit"},
		{"personal information", "This information is exempt from disclosure under section 40(2) of the Freedom of Information Act.",
			mail.KindRefusal, "s.40 (personal information)"},
		{"two exemptions", "We are withholding the report: sections 40 and 43 of the FOI Act apply (personal information and commercial interests).",
			mail.KindRefusal, "s.40 (personal information); s.43 (commercial interests)"},
		{"vexatious", "The council considers your request vexatious under section 14(1) of the Act and refuses it.",
			mail.KindRefusal, "s.14 (vexatious or repeated)"},
		{"FOISA personal information", "Under the Freedom of Information (Scotland) Act 2002 this information is exempt under section 38(1)(b).",
			mail.KindRefusal, "s.38 (personal information)"},
		{"EIR manifestly unreasonable", "We refuse this request under regulation 12(4)(b) of the Environmental Information Regulations: it is manifestly unreasonable.",
			mail.KindRefusal, "reg 12(4)(b) (manifestly unreasonable)"},
		{"refusal, nothing named", "I am sorry but we are refusing to provide this information.",
			mail.KindRefusal, ""},
		{"published with section 21", "This information is reasonably accessible to you at https://www.northshire.gov.uk/policies/recording.pdf and so section 21 of the Freedom of Information Act applies.",
			mail.KindPublished, "s.21 (reasonably accessible) https://www.northshire.gov.uk/policies/recording.pdf"},
		{"published without a section", "The policy is already published: see https://www.northshire.gov.uk/recording.",
			mail.KindPublished, "https://www.northshire.gov.uk/recording"},
		{"FOISA otherwise accessible", "Under section 25 of the Freedom of Information (Scotland) Act 2002 the information is otherwise accessible: https://www.glenburn.gov.uk/recording",
			mail.KindPublished, "s.25 (otherwise accessible) https://www.glenburn.gov.uk/recording"},
		{"EIR publicly available", "Under regulation 6(1)(b) of the EIR the information is publicly available at https://www.ashdown.gov.uk/env.",
			mail.KindPublished, "reg 6(1)(b) (publicly available) https://www.ashdown.gov.uk/env"},

		{"Children Act sections", "Please find attached our policy. It covers meetings under section 31 and section 47 of the Children Act 1989.",
			mail.KindResponse, ""},
		{"refuse collection", "Please find attached the policy. It does not cover refuse collection staff, who have never refused a recording.",
			mail.KindResponse, ""},
		{"privacy link", "Please find attached our response.\n\nOur privacy notice is available at https://www.northshire.gov.uk/privacy",
			mail.KindResponse, ""},
		// Not held (s.1(1)(a) FOIA, s.17 FOISA, reg 12(4)(a) EIR): an
		// answer, marked so for the reviewer and the report.
		{"not held, FOIA", "In response to your request, the Council does not hold any written policy on parents recording meetings with social workers.",
			mail.KindResponse, "not held"},
		{"not held, FOISA notice", "This letter is a notice under section 17 of the Freedom of Information (Scotland) Act 2002 that the information you asked for is not held by the Council.",
			mail.KindResponse, "not held"},
		{"not held, EIR", "The Council holds no information of this kind, and so regulation 12(4)(a) of the Environmental Information Regulations applies.",
			mail.KindResponse, "not held"},
		{"holding a policy is not 'not held'", "Please find attached the policy we hold on recording meetings. Staff will not hold a meeting without it.",
			mail.KindResponse, ""},
		{"acknowledgement warning of the cost limit", "Thank you for your request, which has been logged. We will respond within 20 working days. If the cost of complying would exceed the appropriate limit, or some information is exempt from disclosure under the Act, we will tell you.",
			mail.KindAck, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := triageText(t, c.body)
			if d.Kind != c.kind || d.Detail != c.detail {
				t.Errorf("kind %s detail %q (%s), want %s detail %q", d.Kind, d.Detail, d.Reason, c.kind, c.detail)
			}
		})
	}
}

// Through ingest: a refusal citing the cost limit, one citing personal
// information and a reply pointing to the published policy are each stored
// with their kind and detail, and each request is replied, its clock
// stopped on the day of the letter. A person's correction of a refusal to a
// response and back leaves it replied and keeps the detail.
func TestIngestRefusalAndPublished(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	srv := imaptest.Start(t, true)
	wants := []struct{ file, ref, kind, detail, replied string }{
		{"refusal_cost_limit.eml", "K7QW3MP0", mail.KindRefusal, "s.12 (cost limit)", "2026-11-23"},
		{"refusal_personal_information.eml", "B4XN9TRS", mail.KindRefusal, "s.40 (personal information)", "2026-11-24"},
		{"published_url.eml", "H2VD6ZCM", mail.KindPublished, "s.21 (reasonably accessible) https://www.westmoor.gov.uk/social-care/recording-meetings-policy", "2026-11-25"},
	}
	for _, w := range wants {
		imaptest.Append(t, srv.Addr(), "INBOX", readFixture(t, w.file))
	}
	if st, err := syncerFor(env, srv, "INBOX").SyncOnce(ctx); err != nil || st.Stored != len(wants) {
		t.Fatalf("sync: %+v %v", st, err)
	}
	msgs, err := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range wants {
		m := msgs[i]
		if m.Kind != w.kind || m.KindDetail != w.detail || m.RequestRef == nil || *m.RequestRef != w.ref {
			t.Errorf("%s: kind %s detail %q request %s (%s), want %s detail %q request %s", w.file, m.Kind, m.KindDetail, deref(m.RequestRef), m.KindReason, w.kind, w.detail, w.ref)
		}
		if s, _ := requestState(t, env, w.ref); s != store.StatusReplied {
			t.Errorf("%s: request %s is %s, want replied", w.file, w.ref, s)
		}
		if got := repliedOn(t, env, w.ref); got != w.replied {
			t.Errorf("%s: replied on %q, want %s", w.file, got, w.replied)
		}
	}

	id := msgs[0].ID
	if err := env.mail.Classify(ctx, id, mail.KindResponse, "a full answer after all"); err != nil {
		t.Fatal(err)
	}
	m, _, err := env.mail.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != mail.KindResponse || m.KindDetail != "" || m.KindBy != "person" {
		t.Errorf("after classifying as a response: kind %s detail %q by %s", m.Kind, m.KindDetail, m.KindBy)
	}
	if s, _ := requestState(t, env, "K7QW3MP0"); s != store.StatusReplied {
		t.Errorf("after classifying as a response: %s", s)
	}
	if err := env.mail.Classify(ctx, id, mail.KindRefusal, "it is a refusal"); err != nil {
		t.Fatal(err)
	}
	if m, _, _ = env.mail.Message(ctx, id); m.Kind != mail.KindRefusal || m.KindDetail != "s.12 (cost limit)" {
		t.Errorf("back to a refusal: kind %s detail %q", m.Kind, m.KindDetail)
	}
	if s, _ := requestState(t, env, "K7QW3MP0"); s != store.StatusReplied || repliedOn(t, env, "K7QW3MP0") != "2026-11-23" {
		t.Errorf("back to a refusal: %s replied %s", s, repliedOn(t, env, "K7QW3MP0"))
	}
	// An auto-reply is not an answer: the clock runs again.
	if err := env.mail.Classify(ctx, id, mail.KindAutoReply, ""); err != nil {
		t.Fatal(err)
	}
	if s, _ := requestState(t, env, "K7QW3MP0"); s != store.StatusAwaitingResponse {
		t.Errorf("as an auto-reply: %s, want awaiting-response", s)
	}
	// A reparse keeps the person's word and the triage's detail.
	if err := env.mail.ClassifyDetail(ctx, id, mail.KindRefusal, "", "s.12 (cost limit); s.14 (vexatious or repeated)", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.proc.Reparse(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _, _ = env.mail.Message(ctx, id); m.Kind != mail.KindRefusal || m.KindDetail != "s.12 (cost limit); s.14 (vexatious or repeated)" {
		t.Errorf("after reparse: kind %s detail %q", m.Kind, m.KindDetail)
	}
}

func repliedOn(t *testing.T, env *testEnv, ref string) string {
	t.Helper()
	var d *string
	if err := env.st.DB().QueryRow(`SELECT replied_on FROM requests WHERE id = ?`, env.reqs[ref].ID).Scan(&d); err != nil {
		t.Fatal(err)
	}
	if d == nil {
		return ""
	}
	return *d
}
