package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"foidesk/blob"
	"foidesk/store/mail"
)

// FuzzParse walks arbitrary bytes as a message: it must never panic, never
// exceed its limits, always produce valid UTF-8 text and a known kind.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "mail", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add(tnefMessage())
	lim := Limits{MaxMessageBytes: 1 << 20, MaxParts: 50, MaxDepth: 5}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := parse(bytes.NewReader(raw), int64(len(raw)), blob.Store{}, lim, true)
		if err != nil {
			t.Fatalf("parse returned an error for input (only the blob store may fail): %v", err)
		}
		if !utf8.ValidString(p.Text) {
			t.Errorf("text is not valid UTF-8")
		}
		if len(p.Attachments) > lim.MaxParts*2 {
			t.Errorf("%d attachments from at most %d parts", len(p.Attachments), lim.MaxParts)
		}
		d := Triage(p)
		known := false
		for _, k := range mail.Kinds {
			known = known || k == d.Kind
		}
		if !known || d.Reason == "" {
			t.Errorf("triage gave kind %q reason %q", d.Kind, d.Reason)
		}
		CaseRefs(p.Text)
	})
}

// fakeLookup is an in-memory Lookup over a few requests.
type fakeLookup struct {
	reqs   []mail.RequestRef
	msgIDs map[string]int // our Message-ID -> index
}

func newFakeLookup() *fakeLookup {
	fl := &fakeLookup{msgIDs: map[string]int{}}
	for i, r := range fixtureRequests[:4] {
		fl.reqs = append(fl.reqs, mail.RequestRef{ID: int64(i + 1), Ref: r.ref, AuthorityID: int64(i + 1)})
		fl.msgIDs[fixtureMessageID(i, r.ref)] = i
	}
	return fl
}

func (f *fakeLookup) RequestsByRefs(_ context.Context, refs []string) ([]mail.RequestRef, error) {
	var out []mail.RequestRef
	for _, r := range f.reqs {
		for _, x := range refs {
			if x == r.Ref {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}

func (f *fakeLookup) RequestsByMessageIDs(_ context.Context, ids []string) ([]mail.RequestRef, error) {
	seen := map[int]bool{}
	var out []mail.RequestRef
	for _, id := range ids {
		if i, ok := f.msgIDs[id]; ok && !seen[i] {
			seen[i] = true
			out = append(out, f.reqs[i])
		}
	}
	return out, nil
}

func (f *fakeLookup) RequestsByCaseRefs(_ context.Context, norms []string) ([]mail.RequestRef, error) {
	for _, n := range norms {
		if n == "FOI/2026/04417" {
			return []mail.RequestRef{f.reqs[0]}, nil
		}
	}
	return nil, nil
}

func (f *fakeLookup) OpenRequestsForSender(_ context.Context, addr string) ([]mail.RequestRef, error) {
	for i, r := range fixtureRequests[:4] {
		if strings.HasSuffix(addr, "@"+strings.SplitN(r.email, "@", 2)[1]) {
			return []mail.RequestRef{f.reqs[i]}, nil
		}
	}
	return nil, nil
}

// FuzzMatch feeds arbitrary subjects, recipients, references and bodies to
// the matcher: it must never panic, only ever name a known request with the
// rule that found it, and a correctly written [ref: TOKEN] in an otherwise
// token-free subject must always match that request.
func FuzzMatch(f *testing.F) {
	f.Add("RE: Freedom of Information request [ref: K7QW3MP0]", "jo@campaign.example", "", "Thanks")
	f.Add("FW: RE: [Ref: B4XN9TR5] rewritten by case system", "jo@campaign.example", "", "")
	f.Add("Your request", "jo+H2VD6ZCM@campaign.example", "", "")
	f.Add("Re:", "jo@campaign.example", "<M8FJ5GAH.20261102100300.4@requests.foidesk.example>", "")
	f.Add("FOI/2026/04417 response", "jo@campaign.example", "", "Our ref: FOI/2026/04417")
	f.Add("reference: 12345678", "x+@y", "<@>", "Subject: [ref: k7qw3mp0]")
	lk := newFakeLookup()
	f.Fuzz(func(t *testing.T, subject, rcpt, refs, body string) {
		p := &Parsed{Subject: subject, Recipients: addressesIn(rcpt), References: looseMsgIDs(refs), InReplyTo: []string{refs}, Text: body, From: "someone@example.org"}
		m, err := MatchMessage(context.Background(), lk, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Request.ID != 0 {
			if m.Rule == "" {
				t.Errorf("matched without naming a rule")
			}
			found := false
			for _, r := range lk.reqs {
				found = found || r == m.Request
			}
			if !found {
				t.Errorf("matched unknown request %+v", m.Request)
			}
		}
		// Property: a clean subject token always matches.
		if strings.ContainsAny(subject+rcpt+refs+body, "[]+<>@:") || strings.Contains(strings.ToLower(subject+body), "ref") {
			return
		}
		p2 := &Parsed{Subject: subject + " [ref: " + lk.reqs[1].Ref + "]", From: "someone@example.org"}
		m2, err := MatchMessage(context.Background(), lk, p2)
		if err != nil || m2.Request != lk.reqs[1] || m2.Rule != RuleSubjectRef {
			t.Errorf("subject %q: matched %+v by %q, want %s by subject-ref", p2.Subject, m2.Request, m2.Rule, lk.reqs[1].Ref)
		}
	})
}
