package document

import "testing"

func TestFTSQuery(t *testing.T) {
	cases := map[string]string{
		`recording policy`:        `"recording" "policy"`,
		`"model policy" wyr*`:     `"model policy" "wyr"*`,
		`don't s.17`:              `"don't" "s.17"`,
		`a"b`:                     `"a""b"`,
		`  `:                      ``,
		`covert OR overt`:         `"covert" OR "overt"`,
		`(covert OR overt) NOT x`: `( "covert" OR "overt" ) NOT "x"`,
		`or not`:                  `"or" "not"`,
		`OR`:                      ``,
		`"unbalanced OR ( NOT`:    `"unbalanced OR ( NOT"`,
	}
	for in, want := range cases {
		if got := ftsQuery(in); got != want {
			t.Errorf("ftsQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
