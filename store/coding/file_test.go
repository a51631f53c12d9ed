package coding

import (
	"reflect"
	"strings"
	"testing"
)

func TestDefaultCodebookRoundTripsThroughItsFile(t *testing.T) {
	cb := Default()
	if bad := cb.Validate(); len(bad) > 0 {
		t.Fatal(bad)
	}
	back, err := ParseFile("default.toml", cb.TOML())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cb) {
		t.Fatalf("round trip:\n%+v\n%+v", back, cb)
	}
}

func TestCodebookFileErrorsNameTheirLines(t *testing.T) {
	src := `choice = "single"
keywords = ["record"]

[[label]]
name = "yes"
key = "1"

[[label]]
name = "no"
key = "1"

[[label]]
name = "yes"
key = "s"

[[rule]]
keywords = ["record"]
label = "maybe"
`
	_, err := ParseFile("cb.toml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{
		`cb.toml:10: label 2: duplicate shortcut "1" (also label "yes")`,
		`cb.toml:13: label 3: duplicate label "yes" (also label 1)`,
		`cb.toml:14: label 3: shortcut "s" is reserved by the review page (skip)`,
		`cb.toml:18: rule 1: rule names unknown label "maybe"`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Fatalf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	for _, c := range []struct{ src, want string }{
		{"choice = \"single\"\ncolour = \"red\"\n", `cb.toml:2: unknown key "colour"`},
		{"choice = \"single\"\n[[label]\n", "cb.toml:2: "},
		{"choice = \"some\"\n[[label]]\nname = \"a\"\n", `cb.toml:1: choice must be "single" or "multiple", not "some"`},
		{"choice = \"single\"\n", "cb.toml: a codebook needs at least one label"},
	} {
		if _, err := ParseFile("cb.toml", []byte(c.src)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}

func TestSuggestNamesTheRuleThatFired(t *testing.T) {
	cb := Default()
	s, ok := cb.Suggest("Covert RECORDING of meetings is not\npermitted.")
	if !ok || s.Label != "prohibits-recording" || s.Rule != 1 {
		t.Fatalf("suggest: %+v %v", s, ok)
	}
	if s, ok := cb.Suggest("Parents need written consent to record."); !ok || s.Label != "consent-required" {
		t.Fatalf("suggest: %+v %v", s, ok)
	}
	if s, ok := cb.Suggest("Nothing to see."); ok {
		t.Fatalf("suggest on nothing: %+v", s)
	}
}
