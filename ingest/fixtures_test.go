package ingest

import (
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/mail"
)

// Expected attachment bytes, as base64-encoded into the fixtures.
const (
	pdfHighcliff = "%PDF-1.4\n% Highcliff Council: Recording of meetings policy (adopted 2023)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	pdfLowbridge = "%PDF-1.4\n% Lowbridge Council: Guidance on recording social work meetings\n%%EOF\n"
	docxSouthval = "PK\x03\x04 Southvale recording protocol docx bytes \x00\x01\x02"
)

type fixtureWant struct {
	file      string
	kind      string
	ref       string // "" unmatched
	rule      string
	status    string // the request's status afterwards ("" skip)
	bounce    string
	caseRef   string
	attach    map[string]string // filename -> bytes
	textHas   []string
	flagEmail bool
	changes   int // request.status_changed events this message caused; -1: don't check
}

var fixtureWants = []fixtureWant{
	{file: "postfix_dsn_permanent.eml", kind: mail.KindBounce, ref: "K7QW3MP0", rule: RuleMessageID, status: store.StatusNotDelivered, bounce: "5.1.1", flagEmail: true},
	{file: "exim_bounce_permanent.eml", kind: mail.KindBounce, ref: "B4XN9TRS", rule: RuleSubjectRef, status: store.StatusNotDelivered, bounce: "5.1.1", flagEmail: true},
	{file: "exchange_ndr_permanent.eml", kind: mail.KindBounce, ref: "H2VD6ZCM", rule: RuleMessageID, status: store.StatusNotDelivered, bounce: "5.1.10", flagEmail: true},
	{file: "gmail_dsn_delayed.eml", kind: mail.KindBounce, ref: "M8FJ5GAH", rule: RuleMessageID, bounce: "4.4.1", changes: 0},
	{file: "exchange_ooo.eml", kind: mail.KindAutoReply, ref: "T3RY7KEW", rule: RuleMessageID, status: store.StatusAwaitingResponse},
	{file: "gmail_vacation.eml", kind: mail.KindAutoReply, ref: "W9PC2NBP", rule: RulePlusAddress, changes: 0},
	{file: "ack_case_ref.eml", kind: mail.KindAck, ref: "D5GS8HXB", rule: RuleMessageID, caseRef: "FOI/2026/04417", changes: 0},
	{file: "response_case_ref.eml", kind: mail.KindResponse, ref: "D5GS8HXB", rule: RuleCaseRef, status: store.StatusReplied,
		attach: map[string]string{"FOI-2026-04417 response.pdf": pdfHighcliff}},
	{file: "clarification.eml", kind: mail.KindClarification, ref: "Q6ZA4VMP", rule: RuleMessageID, status: store.StatusAwaitingResponse},
	{file: "forwarded_reply.eml", kind: mail.KindResponse, ref: "R2MT9DFD", rule: RuleMessageID, status: store.StatusReplied,
		attach: map[string]string{"Lowbridge guidance.pdf": pdfLowbridge}},
	{file: "html_only_windows1252.eml", kind: mail.KindResponse, ref: "N7KB3WQB", rule: RuleSubjectRef, status: store.StatusReplied,
		textHas: []string{"The council\u2019s policy is attached", "(\u00a30.00)", "- Policy on recording", "<https://www.kingsford.gov.uk/foi>"}},
	{file: "sender_rule_iso88591.eml", kind: mail.KindResponse, ref: "M8FJ5GAH", rule: RuleSender, status: store.StatusReplied,
		attach: map[string]string{"Recording protocol \u2013 2024.docx": docxSouthval}, textHas: []string{"Caf\u00e9 meetings", "Fee: \u00a30."}},
	{file: "tnef", kind: mail.KindResponse, ref: "W9PC2NBP", rule: RuleSubjectRef, status: store.StatusReplied,
		attach: map[string]string{"Recording Policy 2025.pdf": tnefPDF, "notes.txt": "short note"}},
	{file: "exchange_rule_ack.eml", kind: mail.KindAck, ref: "N7KB3WQB", rule: RuleMessageID, caseRef: "FOI-2026-1187", changes: 0},
	{file: "qmail_failure_notice.eml", kind: mail.KindBounce, ref: "B4XN9TRS", rule: RuleSubjectRef, bounce: "5.1.1", flagEmail: true, changes: 0},
	{file: "unmatched.eml", kind: mail.KindResponse, ref: ""},
}

// TestFixturesOverIMAP delivers every fixture to an IMAP server, ingests
// them, and checks kind, matched request and rule, state changes and the
// stored attachment bytes.
func TestFixturesOverIMAP(t *testing.T) {
	testFixtures(t, imaptest.Start(t, true))
}

func testFixtures(t *testing.T, srv imapServer) {
	ctx := context.Background()
	env := newTestEnv(t)
	for _, w := range fixtureWants {
		var raw []byte
		if w.file == "tnef" {
			raw = tnefMessage()
		} else {
			raw = readFixture(t, w.file)
		}
		imaptest.Append(t, srv.Addr(), "INBOX", raw)
	}
	sy := syncerFor(env, srv, "INBOX")
	st, err := sy.SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != len(fixtureWants) {
		t.Fatalf("stored %d, want %d", st.Stored, len(fixtureWants))
	}
	msgs, err := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range fixtureWants {
		m := msgs[i]
		t.Run(w.file, func(t *testing.T) {
			if m.Kind != w.kind {
				t.Errorf("kind %s (%s), want %s", m.Kind, m.KindReason, w.kind)
			}
			gotRef := ""
			if m.RequestRef != nil {
				gotRef = *m.RequestRef
			}
			if gotRef != w.ref {
				t.Errorf("matched %q (%s), want %q", gotRef, m.MatchDetail, w.ref)
			}
			if w.rule != "" && (m.MatchedBy == nil || *m.MatchedBy != w.rule) {
				t.Errorf("rule %v, want %s", deref(m.MatchedBy), w.rule)
			}
			if w.bounce != "" && m.BounceStatus != w.bounce {
				t.Errorf("bounce status %q, want %q", m.BounceStatus, w.bounce)
			}
			if w.caseRef != "" && m.CaseRef != w.caseRef {
				t.Errorf("case ref %q, want %q", m.CaseRef, w.caseRef)
			}
			if w.kind == mail.KindClarification && !m.NeedsPerson {
				t.Errorf("clarification not flagged for a person")
			}
			if w.status != "" {
				status, _, err := env.st.RequestStatus(ctx, env.reqs[w.ref].ID)
				if err != nil {
					t.Fatal(err)
				}
				if status != w.status {
					t.Errorf("request status %q, want %q", status, w.status)
				}
			}
			evs, err := env.st.Events(ctx, store.EventFilter{Kind: "request.clock_changed", Subject: store.Subject{Message: m.ID}})
			if err != nil {
				t.Fatal(err)
			}
			wantChanges := w.changes
			if w.status != "" && w.status != store.StatusAwaitingResponse {
				wantChanges = 1
			}
			if len(evs) != wantChanges {
				t.Errorf("%d status changes, want %d", len(evs), wantChanges)
			}
			if w.flagEmail {
				flagged, why, err := env.mail.AuthorityEmailBounced(ctx, env.reqs[w.ref].AuthorityID)
				if err != nil || !flagged {
					t.Errorf("authority address not flagged (%v)", err)
				} else if !strings.Contains(why, w.bounce) {
					t.Errorf("flag reason %q lacks status %s", why, w.bounce)
				}
			}
			atts, err := env.mail.MessageAttachments(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if w.attach != nil && len(atts) != len(w.attach) {
				t.Errorf("%d attachments, want %d: %+v", len(atts), len(w.attach), atts)
			}
			for _, a := range atts {
				want, ok := w.attach[a.Filename]
				if !ok {
					if w.attach != nil {
						t.Errorf("unexpected attachment %q", a.Filename)
					}
					continue
				}
				got, err := os.ReadFile(env.blobs.Path(a.SHA256))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("attachment %q bytes %q, want %q", a.Filename, got, want)
				}
			}
			_, body, err := env.mail.Message(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range w.textHas {
				if !strings.Contains(body, s) {
					t.Errorf("text lacks %q:\n%s", s, body)
				}
			}
		})
	}
	// The case reference was learned from the acknowledgement.
	reqs, err := env.mail.RequestsByCaseRefs(ctx, []string{mail.NormalizeCaseRef("foi/2026/04417")})
	if err != nil || len(reqs) != 1 || reqs[0].Ref != "D5GS8HXB" {
		t.Errorf("case ref lookup: %v %v", reqs, err)
	}
	// A second pass finds nothing new.
	st, err = sy.SyncOnce(ctx)
	if err != nil || st.Stored != 0 || st.Duplicates != 0 {
		t.Errorf("second pass: %+v %v", st, err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func b64lines(b []byte) string {
	e := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(e) > 76 {
		out.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	out.WriteString(e + "\r\n")
	return out.String()
}
