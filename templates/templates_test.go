package templates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample(regime string) Data {
	return Data{
		Authority: Authority{Name: "Fife Council", Code: "FIF", Nation: "Scotland", Regime: regime},
		Requester: Requester{Name: "Ann Example", Email: "ann@example.org", PostalAddress: "1 High Street\nAnytown"},
		Campaign:  "recording-2026",
		Ref:       "ABCD1234",
		Today:     time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), // 30 Nov in London too (GMT)
	}
}

func mustLoad(t *testing.T, dir string) *Set {
	t.Helper()
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRecordingPolicyCitesTheRegimesAct(t *testing.T) {
	s := mustLoad(t, "")
	cases := map[string][]string{
		"foia":  {"Freedom of Information Act 2000", "section 16 of the Act"},
		"foisa": {"Freedom of Information (Scotland) Act 2002", "section 15 of the Act"},
		"eir":   {"Environmental Information Regulations 2004", "regulation 9 of the Regulations"},
		"eisr":  {"Environmental Information (Scotland) Regulations 2004", "regulation 9 of the Regulations"},
	}
	for regime, want := range cases {
		l, err := s.Render("recording-policy", sample(regime), "")
		if err != nil {
			t.Fatalf("%s: %v", regime, err)
		}
		for _, w := range want {
			if !strings.Contains(l.Body, w) {
				t.Errorf("%s body lacks %q:\n%s", regime, w, l.Body)
			}
		}
		for _, w := range []string{"Dear Fife Council,", "recording meetings, assessments or conversations", "overtly", "covertly",
			"date on", "adopted or last reviewed", "whether one is planned", "ABCD1234", "Ann Example\n1 High Street\nAnytown\nann@example.org\n"} {
			if !strings.Contains(l.Body, w) {
				t.Errorf("%s body lacks %q:\n%s", regime, w, l.Body)
			}
		}
		if !strings.HasPrefix(l.Subject, "Freedom of Information request") {
			t.Errorf("subject %q", l.Subject)
		}
	}
	// Without a postal address the signature is name then email, no blank line.
	d := sample("foia")
	d.Requester.PostalAddress = ""
	l, err := s.Render("recording-policy", d, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(l.Body, "Yours faithfully,\n\nAnn Example\nann@example.org\n") {
		t.Errorf("signature:\n%s", l.Body)
	}
}

func TestChaserAndReviewNeedSentAndDueDates(t *testing.T) {
	s := mustLoad(t, "")
	for _, name := range []string{"chaser", "internal-review"} {
		_, err := s.Render(name, sample("foia"), "")
		if err == nil || !strings.Contains(err.Error(), "Sent") {
			t.Errorf("%s without dates: err = %v, want a missing key error naming Sent", name, err)
		}
		d := sample("foisa")
		d.Sent = time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC) // already 31 Oct in London (GMT)
		d.Due = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
		l, err := s.Render(name, d, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range []string{"31 October 2026", "28 November 2026", "ABCD1234", "Scotland"} {
			if !strings.Contains(l.Body+l.Subject, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, l.Body)
			}
		}
	}
	d := sample("foisa")
	d.Sent, d.Due = time.Now(), time.Now()
	l, _ := s.Render("internal-review", d, "")
	if !strings.Contains(l.Body, "section 20") || !strings.Contains(l.Subject, "Requirement for review") {
		t.Errorf("FOISA review must cite s.20:\n%s\n%s", l.Subject, l.Body)
	}
	d.Authority.Regime = "foia"
	l, _ = s.Render("internal-review", d, "")
	if strings.Contains(l.Body, "section 20") || strings.Contains(l.Body, "regulation") || !strings.Contains(l.Body, "the Information Commissioner") {
		t.Errorf("FOIA review:\n%s", l.Body)
	}
	// The environmental Regulations have their own provisions and limits.
	for regime, want := range map[string][]string{
		"eir":  {"regulation 11 of the Regulations provides", "regulation 11(4) of the Regulations", "40 working days", "the Information Commissioner"},
		"eisr": {"regulation 16 of the Environmental Information (Scotland) Regulations 2004", "regulation 16(4) of the Regulations", "20 working days"},
	} {
		d.Authority.Regime = regime
		l, err := s.Render("internal-review", d, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(strings.Join(strings.Fields(l.Body), " "), w) {
				t.Errorf("%s review lacks %q:\n%s", regime, w, l.Body)
			}
		}
		c, err := s.Render("chaser", d, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Body, "regulation 5(2)") || strings.Contains(c.Body, "section 10") {
			t.Errorf("%s chaser must cite regulation 5(2):\n%s", regime, c.Body)
		}
	}
}

func TestUKDateUsesLondonCalendar(t *testing.T) {
	// 23:30 UTC on 31 May is 00:30 BST on 1 June.
	if got := UKDate(time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)); got != "1 June 2026" {
		t.Errorf("UKDate = %q", got)
	}
}

func TestNoRequesterNameRefused(t *testing.T) {
	d := sample("foia")
	d.Requester.Name = "  "
	_, err := mustLoad(t, "").Render("recording-policy", d, "")
	if !errors.Is(err, ErrNoRequesterName) {
		t.Fatalf("err = %v", err)
	}
}

func TestUserDirOverridesAndAdds(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "chaser.tmpl"), []byte("Subject: Nudge {{.Ref}}\n\nHello {{.Authority.Name}}\n\n{{.Requester.Name}}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "thanks.tmpl"), []byte("Subject: Thanks\n\nThank you, {{.Authority.Code}}.\n{{.Requester.Name}}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	s := mustLoad(t, dir)
	l, err := s.Render("chaser", sample("foia"), "")
	if err != nil || l.Subject != "Nudge ABCD1234" || l.Body != "Hello Fife Council\n\nAnn Example\n" {
		t.Errorf("override: %+v %v", l, err)
	}
	l, err = s.Render("thanks", sample("foia"), "")
	if err != nil || l.Body != "Thank you, FIF.\nAnn Example\n" {
		t.Errorf("added: %+v %v", l, err)
	}
	if !s.Has("recording-policy") || s.Has("notes") {
		t.Errorf("names: %v", s.Names())
	}
	if _, err := s.Render("nope", sample("foia"), ""); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("unknown: %v", err)
	}
}

func TestMissingKeyAndBadTemplatesAreErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "typo.tmpl"), []byte("Subject: x\n\n{{.Authority.Nmae}}\n"), 0o644)
	s := mustLoad(t, dir)
	if _, err := s.Render("typo", sample("foia"), ""); err == nil || !strings.Contains(err.Error(), "Nmae") {
		t.Errorf("typo key: %v", err)
	}
	if _, err := s.Render("recording-policy", sample("foia"), "About {{.Nope}}"); err == nil {
		t.Error("subject override with a missing key rendered")
	}
	l, err := s.Render("recording-policy", sample("foia"), "Recording policy ({{.Authority.Code}})")
	if err != nil || l.Subject != "Recording policy (FIF)" {
		t.Errorf("override subject: %q %v", l.Subject, err)
	}
	// A user file that does not parse fails its own letter, naming the
	// file, and only that one.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "nosubject.tmpl"), []byte("Dear council\n\nbody\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "unclosed.tmpl"), []byte("Subject: {{.X\n\nbody\n"), 0o644)
	bs := mustLoad(t, bad)
	for _, name := range []string{"nosubject", "unclosed"} {
		if !bs.Has(name) {
			t.Errorf("%s: a broken letter should still be known, to say what is wrong with it", name)
		}
		if _, err := bs.Render(name, sample("foia"), ""); err == nil || !strings.Contains(err.Error(), name+".tmpl") {
			t.Errorf("%s: %v", name, err)
		}
		if err := bs.Check(name); err == nil || !strings.Contains(err.Error(), name+".tmpl") {
			t.Errorf("check %s: %v", name, err)
		}
	}
	if err := bs.Check("recording-policy"); err != nil {
		t.Errorf("a broken file broke another letter: %v", err)
	}
	if _, err := Load(filepath.Join(bad, "missing")); err == nil {
		t.Error("missing dir accepted")
	}
}

// A letter must state the requester's name in itself, not only in From:
// (FOIA s.8(1)(b), FOISA s.8(1)(b)); however it is wrapped, it counts.
func TestLetterWithoutTheRequesterNameIsRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "unsigned.tmpl"), []byte("Subject: A request\n\nPlease send me your policy.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "wrapped.tmpl"), []byte("Subject: A request\n\nPlease send me your policy.\n\nYours,\nann\n  EXAMPLE\n"), 0o644)
	s := mustLoad(t, dir)
	if _, err := s.Render("unsigned", sample("foia"), ""); err == nil || !strings.Contains(err.Error(), "s.8") {
		t.Errorf("an unsigned letter rendered: %v", err)
	}
	if _, err := s.Render("wrapped", sample("foia"), ""); err != nil {
		t.Errorf("a letter signed across lines was refused: %v", err)
	}
	for _, name := range []string{"recording-policy", "chaser", "internal-review"} {
		if _, err := mustLoad(t, "").Render(name, sample("foia"), ""); err != nil && strings.Contains(err.Error(), "s.8(1)(b)") {
			t.Errorf("built-in letter %s does not state the requester's name", name)
		}
	}
}

// The chaser and internal-review letters follow up a sent request: Check
// says so instead of letting a campaign start with them.
func TestFollowUpLettersCannotStartACampaign(t *testing.T) {
	s := mustLoad(t, "")
	if err := s.Check("recording-policy"); err != nil {
		t.Errorf("recording-policy: %v", err)
	}
	for _, name := range []string{"chaser", "internal-review"} {
		if err := s.Check(name); !errors.Is(err, ErrFollowUp) {
			t.Errorf("%s: %v, want ErrFollowUp", name, err)
		}
	}
	d := sample("foia")
	d.Sent, d.Due = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"chaser", "internal-review"} {
		l, err := s.Render(name, d, "")
		if err != nil || !strings.Contains(l.Body, "1 October 2026") {
			t.Errorf("%s against a sent request: %v\n%s", name, err, l.Body)
		}
	}
}

func TestDigestEscapesNamesInHTMLOnly(t *testing.T) {
	d := Digest{Title: "1 overdue, 0 due soon — 4 December 2026", Day: "4 December 2026",
		Transitions: []DigestTransition{{On: "2026-12-04", Sentence: `<b onmouseover="x">Evil</b> & Co (ABCD1234) is overdue`}},
		Overdue:     []DigestRow{{Authority: `<img src=x onerror=alert(1)>`, Code: "EVL", Ref: "ABCD1234", Campaign: "c", Sent: "2026-11-02", Due: "2026-12-01", DaysLate: 3, State: "overdue"}}}
	text, html, err := RenderDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `<img src=x onerror=alert(1)> (EVL), ABCD1234, c: sent 2026-11-02, due 2026-12-01, 3 working days late (overdue)`) {
		t.Errorf("text:\n%s", text)
	}
	if strings.Contains(html, "<img") || strings.Contains(html, "<b ") || !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") || !strings.Contains(html, "&amp; Co") {
		t.Errorf("html not escaped:\n%s", html)
	}
	if _, html, _ := RenderDigest(Digest{Title: "0 overdue", Day: "x"}); !strings.Contains(html, "No request is overdue.") || !strings.Contains(html, "Nothing has changed") {
		t.Errorf("empty html:\n%s", html)
	}
}
