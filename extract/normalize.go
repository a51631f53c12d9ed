package extract

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// ligatures are the Latin presentation forms PDF producers emit for "fi",
// "fl" and friends. Split, "ﬁnance" matches a search for "finance". Only
// these are mapped: full NFKC would also flatten superscripts and the like.
var ligatures = strings.NewReplacer(
	"\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl",
	"\uFB05", "st", "\uFB06", "st",
	"\u00AD", "", // soft hyphen: invisible in print, breaks words in search
	"\r\n", "\n", "\r", "\n",
	"\u00A0", " ",
)

// Normalize makes extracted text searchable the same way whatever produced
// it: NFC (so a Welsh ŵ typed as w + combining circumflex equals the
// precomposed one), ligatures split, control characters other than tab,
// newline and form feed removed.
func Normalize(s string) string {
	s = ligatures.Replace(s)
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\f' {
			return -1
		}
		if r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return -1
		}
		return r
	}, s)
	return norm.NFC.String(s)
}
