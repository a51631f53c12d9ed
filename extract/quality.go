package extract

import (
	"fmt"
	"strings"
	"unicode"
)

// minPageChars is the least non-space text a page must have to count as
// having a text layer. Below it, a page with images is treated as scanned.
const minPageChars = 16

// Quality thresholds for the first engine's text. They were set against the
// corpus benchmark (docs/BENCHMARKS.md): text that passes them scores as
// well as PDFium's against pdftotext; text that fails them is where
// ledongthuc/pdf garbles CID fonts or glues words.
const (
	maxReplacementRatio = 0.001 // U+FFFD per character
	maxOddRatio         = 0.02  // private-use, control and unassigned characters per character
	maxLongWordRatio    = 0.03  // share of words longer than 20 letters (glued words)
	maxMeanWordLen      = 9.0   // English and Welsh prose average 4.5–6
	minLetterRatio      = 0.5   // letters and digits among non-space characters
	maxSingleRatio      = 0.25  // one-letter words ("a", "I", initials) are rarely more than 10%
	maxShortLineRatio   = 0.3   // lines of one or two characters: vertical text, glyph soup
	maxDoubledRatio     = 0.03  // "TTHHEE": the same glyph drawn twice for bold
)

// qualityProblem says why text from an engine should not be trusted, or ""
// when it looks like real text. It judges the whole document so that one
// table of figures does not condemn it, but also each page for having text
// at all, so a scanned page among typed ones is noticed.
func qualityProblem(pages []string) string {
	var chars, odd, repl, letters, nonSpace int
	var words, longWords, wordLetters, singles, doubled int
	var lines, shortLines int
	for i, p := range pages {
		pageNonSpace := 0
		for _, r := range p {
			chars++
			switch {
			case r == '\uFFFD':
				repl++
			case unicode.Is(unicode.Co, r) || (unicode.IsControl(r) && !unicode.IsSpace(r)) || !unicode.IsPrint(r) && !unicode.IsSpace(r):
				odd++
			}
			if !unicode.IsSpace(r) {
				nonSpace++
				pageNonSpace++
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					letters++
				}
			}
		}
		if pageNonSpace < minPageChars {
			return fmt.Sprintf("page %d has almost no text", i+1)
		}
		for _, l := range strings.Split(p, "\n") {
			if n := len([]rune(strings.TrimSpace(l))); n > 0 {
				lines++
				if n <= 2 {
					shortLines++
				}
			}
		}
		for _, w := range strings.Fields(p) {
			n := 0
			for _, r := range w {
				if unicode.IsLetter(r) {
					n++
				}
			}
			if n == 0 {
				continue
			}
			words++
			wordLetters += n
			if n == 1 && len([]rune(w)) == 1 {
				singles++
			}
			if n >= 4 && isDoubled(w) {
				doubled++
			}
			if n > 20 && !strings.ContainsAny(w, "/@.:_") { // not a URL or address
				longWords++
			}
		}
	}
	switch {
	case chars == 0:
		return "no text"
	case float64(repl) > maxReplacementRatio*float64(chars):
		return fmt.Sprintf("%d replacement characters (U+FFFD): fonts not decoded", repl)
	case float64(odd) > maxOddRatio*float64(chars):
		return fmt.Sprintf("%d unprintable or private-use characters: fonts not decoded", odd)
	case float64(letters) < minLetterRatio*float64(nonSpace):
		return "mostly symbols, few letters: fonts not decoded"
	case words > 0 && float64(singles) > maxSingleRatio*float64(words):
		return fmt.Sprintf("%d of %d words are single letters: letters spaced out or text set vertically", singles, words)
	case lines > 0 && float64(shortLines) > maxShortLineRatio*float64(lines):
		return fmt.Sprintf("%d of %d lines hold one or two characters: text set vertically or out of order", shortLines, lines)
	case words > 0 && float64(doubled) > maxDoubledRatio*float64(words):
		return fmt.Sprintf("%d of %d words have every letter doubled: overprinted (fake bold) text", doubled, words)
	case words > 0 && float64(longWords) > maxLongWordRatio*float64(words):
		return fmt.Sprintf("%d of %d words are over 20 letters: words glued together", longWords, words)
	case words > 0 && float64(wordLetters)/float64(words) > maxMeanWordLen:
		return fmt.Sprintf("mean word length %.1f letters: words glued together", float64(wordLetters)/float64(words))
	}
	return ""
}

// isDoubled reports whether w is letters with every one twice in a row
// ("TThhee"); doubled digits are ordinary ("1100").
func isDoubled(w string) bool {
	r := []rune(w)
	if len(r)%2 != 0 {
		return false
	}
	for i := 0; i < len(r); i += 2 {
		if r[i] != r[i+1] || !unicode.IsLetter(r[i]) {
			return false
		}
	}
	return true
}

// undecodedPage reports whether one page's text is mostly characters its
// fonts could not map to Unicode (U+FFFD, private-use code points): what a
// reader sees there is not in the text layer, so OCR is the way to read it.
func undecodedPage(text string) bool {
	var chars, bad int
	for _, r := range text {
		if unicode.IsSpace(r) {
			continue
		}
		chars++
		if r == '\uFFFD' || unicode.Is(unicode.Co, r) {
			bad++
		}
	}
	return chars >= minPageChars && bad*4 > chars
}
