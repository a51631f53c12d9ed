package main

import "testing"

func TestPrintableEscapesWhatWouldDeceive(t *testing.T) {
	for in, want := range map[string]string{
		"Ashdown Council":                   "Ashdown Council",
		"Réponse: Cymraeg ŵ":                "Réponse: Cymraeg ŵ",
		"policy.pdf\r\nFAKE LINE":           `policy.pdf\r\nFAKE LINE`,
		"a\tb":                              `a\tb`,
		"\x1b[2Jcleared":                    `\x1b[2Jcleared`,
		"invoice\u202efdp.exe":              `invoice\u202efdp.exe`,
		"zero\u200bwidth":                   `zero\u200bwidth`,
		"bell\x07 and del\x7f and c1\u0085": `bell\x07 and del\x7f and c1\x85`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintableTextKeepsLinesAndEscapesTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"Dear requester,\nplease find\n\nattached.": "Dear requester,\nplease find\n\nattached.",
		"windows\r\nlines\r\n":                      "windows\nlines\n",
		"over\rwritten":                             `over\rwritten`,
		"col\tumn":                                  `col\tumn`,
		"\x1b]0;title\x07\x1b[2J":                   `\x1b]0;title\x07\x1b[2J`,
		"page one\fpage two":                        `page one\x0cpage two`,
		"bidi\u202eevil\nnext":                      "bidi\\u202eevil\nnext",
	} {
		if got := printableText(in); got != want {
			t.Errorf("printableText(%q) = %q, want %q", in, got, want)
		}
	}
}
