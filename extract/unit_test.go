package extract

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"ﬁnance ﬂow eﬀect oﬃce":     "finance flow effect office",
		"w\u0302yr t\u0177":         "ŵyr tŷ", // combining circumflex composed (NFC)
		"Ysgol Gymraeg\u00ADYstum":  "Ysgol GymraegYstum",
		"line one\r\nline two\rend": "line one\nline two\nend",
		"bell\x07 and nul\x00 gone": "bell and nul gone",
		"page\fbreak\tand tab kept": "page\fbreak\tand tab kept",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetect(t *testing.T) {
	cases := []struct{ in, want string }{
		{"%PDF-1.7\n", TypePDF},
		{"garbage first\n%PDF-1.4\n", TypePDF},
		{"{\\rtf1\\ansi hello}", TypeRTF},
		{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", TypeDoc},
		{"\x89PNG\r\n\x1a\n", TypeImage},
		{"<!DOCTYPE html><html><body>x</body></html>", TypeHTML},
		{"<p>Just a fragment</p>", TypeHTML},
		{"From: a@b.c\nTo: d@e.f\nSubject: hi\n\nbody", TypeEmail},
		{"Dear Sir: thank you.\nSubject: not a header block", TypeText},
		{"a,b,c\n1,2,3\n4,5,6\n", TypeCSV},
		{"Dear requester,\nplease find, attached, our reply.\nRegards\n", TypeText},
		{"caf\xe9 in windows-1252", TypeText},
		{"\x00\x01\x02binary", TypeUnknown},
	}
	for _, c := range cases {
		if got := Detect([]byte(c.in)); got != c.want {
			t.Errorf("Detect(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestQualityProblem(t *testing.T) {
	good := strings.Repeat("The council will allow parents to record meetings with social workers. ", 20)
	if q := qualityProblem([]string{good}); q != "" {
		t.Fatalf("good text flagged: %s", q)
	}
	bad := map[string]string{
		"not decoded":    strings.Repeat("\uFFFD\uFFFD ab ", 50),
		"glued":          strings.Repeat("Thecouncilwillallowparentstorecordmeetings today ", 20),
		"single":         strings.Repeat("T h e c o u n c i l ", 20),
		"doubled":        strings.Repeat("TTHHEE CCOOUUNNCCIILL ", 20),
		"almost no text": "x",
		"symbols":        strings.Repeat("#$%&*@!~ ", 40),
	}
	for name, text := range bad {
		if q := qualityProblem([]string{text}); q == "" {
			t.Errorf("%s text passed the quality check", name)
		}
	}
	// A table of figures is not glued text.
	if q := qualityProblem([]string{strings.Repeat("Powys 19 20 Gwynedd 12 40 1100 2024\n", 20)}); q != "" {
		t.Errorf("figures flagged: %s", q)
	}
}

func TestPageList(t *testing.T) {
	if got := pageList([]int{1, 2, 3, 5, 7, 8}); got != "1–3, 5, 7–8" {
		t.Fatal(got)
	}
}

func TestUndecodedPage(t *testing.T) {
	if !undecodedPage(strings.Repeat("\uE000\uE001 ab ", 20)) {
		t.Error("private-use glyph soup not flagged")
	}
	if !undecodedPage(strings.Repeat("\uFFFD\uFFFD\uFFFD x ", 20)) {
		t.Error("replacement characters not flagged")
	}
	if undecodedPage("Ordinary text with one odd glyph \uE000 among many words on the page.") {
		t.Error("one odd glyph flagged")
	}
	if undecodedPage("\uE000") {
		t.Error("a near-empty page is the scanned-page check's business")
	}
}
