package main

import (
	"fmt"
	"strings"
	"unicode"
)

// printable makes text from outside (a subject, a sender's name, an
// attachment's filename, an authority's name from a CSV) safe to print on a
// terminal: control characters (a CR or LF that would start a fake line, an
// escape sequence that would recolour or move the cursor, a tab that would
// shift a table's columns) and Unicode's invisible formatting characters
// (bidirectional overrides that reorder what is shown) are written as
// escapes, \n, \x1b, \u202e, so what a person reads is what is there.
// JSON output needs no such care: the encoder escapes them.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		case unsafeRune(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printableText is printable for running text shown as lines (a message's
// body, a document's pages): newlines are kept, a CRLF is one newline, and
// every other control or invisible formatting character is escaped as
// printable does, a lone CR and a tab included, so the text cannot move
// the cursor back over what was printed or repaint the terminal.
func printableText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf) && r != '\u00ad'
}

// printables is printable for each of ss.
func printables(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = printable(s)
	}
	return out
}
