package ref

import (
	"slices"
	"testing"
)

func TestNewIsValidAndCatchesEveryTypo(t *testing.T) {
	for range 20 {
		tok := New()
		if !Valid(tok) || len(tok) != Len {
			t.Fatalf("New() = %q is not valid", tok)
		}
		b := []byte(tok)
		for i := range b {
			orig := b[i]
			for j := 0; j < len(alphabet); j++ {
				if alphabet[j] == orig {
					continue
				}
				b[i] = alphabet[j]
				if Valid(string(b)) {
					t.Fatalf("%q with symbol %d mistyped as %q still passes the check", tok, i, alphabet[j])
				}
				if !slices.Contains(Candidates(string(b)), tok) {
					t.Fatalf("Candidates(%q) lacks the original %q", b, tok)
				}
			}
			b[i] = orig
		}
	}
}

func TestNormalizeReadsWhatPeopleMean(t *testing.T) {
	tok := New()
	lower := []byte(tok)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	if !Valid(" "+string(lower)+" ") || Normalize(string(lower)) != tok {
		t.Errorf("lower case %q not read as %q", lower, tok)
	}
	if got := Normalize("o1l0-i"); got != "0110-1" {
		t.Errorf("Normalize = %q", got)
	}
	for _, bad := range []string{"", "ABC", tok + "0", "UUUUUUUU"} {
		if Valid(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The example the CLI gives of a reference must itself be one.
func TestDocumentedExampleIsValid(t *testing.T) {
	if !Valid("7K3M9QX1") {
		t.Error("7K3M9QX1 is not a valid reference")
	}
}
