package extract

import (
	"math"
	"unicode"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"
)

// Word spacing from glyph positions.
//
// Some producers never write a space character: they move to the next word
// (groff through ps2pdf sets character spacing, Tc, before a two-letter
// string whose letters belong to different words; TeX and some report
// generators position each word). PDFium's page text inserts a space only
// for a space glyph or a kerning step in a TJ array, so such text comes out
// glued: "fiveyears", "takemore", "Aparent". pdftotext inserts a space
// wherever the gap between two glyphs on a line exceeds 0.1 of the font
// size; so does this.
//
// Glyphs' tight boxes are known for every character at little cost; their
// gaps include the glyphs' side bearings, which for some glyphs ("1", "r")
// approach a word space. So a tight gap is only a candidate, confirmed with
// PDFium's loose boxes (the glyph's advance, the font's ascent to descent),
// which are asked for the candidates only.
const (
	// candidateGap is the tight-box gap, as a share of the taller glyph's
	// tight height, from which the loose boxes are consulted.
	candidateGap = 0.1
	// wordGap is the loose-box gap, as a share of the loose box's height
	// (about the font size), that separates words.
	wordGap = 0.12
	// letterSpaced: a gap is letter spacing, not a word space, when the
	// gaps either side of it on the line are at least this share of it.
	letterSpaced = 0.7
)

// pdfiumPageText returns the text of page with spaces inserted between
// glyphs positioned apart without one.
func pdfiumPageText(inst pdfium.Pdfium, page requests.Page) (string, error) {
	st, err := inst.GetPageTextStructured(&requests.GetPageTextStructured{Page: page, Mode: requests.GetPageTextStructuredModeChars})
	if err != nil {
		return "", err
	}
	var loose func(i int) (box, bool)
	var closeText func()
	defer func() {
		if closeText != nil {
			closeText()
		}
	}()
	loose = func(i int) (box, bool) {
		if closeText == nil {
			tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: page})
			if err != nil {
				loose = func(int) (box, bool) { return box{}, false }
				return box{}, false
			}
			closeText = func() { inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage}) }
			loose = func(i int) (box, bool) {
				r, err := inst.FPDFText_GetLooseCharBox(&requests.FPDFText_GetLooseCharBox{TextPage: tp.TextPage, Index: i})
				if err != nil {
					return box{}, false
				}
				return box{float64(r.Rect.Left), float64(r.Rect.Bottom), float64(r.Rect.Right), float64(r.Rect.Top)}, true
			}
		}
		return loose(i)
	}
	return string(spaceGlyphs(pdfiumGlyphs(st.Chars), func(i int) (box, bool) { return loose(i) })), nil
}

// box is a glyph's bounds in PDF user space (y upwards).
type box struct{ l, b, r, t float64 }

func (x box) valid() bool { return x.r > x.l && x.t > x.b }

// glyph is one character of a page's text in PDFium's order, with its
// tight box; upright is false for rotated text, whose gaps are not
// measured.
type glyph struct {
	s       string
	tight   box
	upright bool
}

func pdfiumGlyphs(chars []*responses.GetPageTextStructuredChar) []glyph {
	gs := make([]glyph, len(chars))
	for i, c := range chars {
		p := c.PointPosition
		gs[i] = glyph{
			s:       c.Text,
			tight:   box{p.Left, p.Bottom, p.Right, p.Top},
			upright: math.Abs(c.Angle) < 0.01 || math.Abs(c.Angle-2*math.Pi) < 0.01,
		}
	}
	return gs
}

// spaceGlyphs concatenates the glyphs' text, adding a space before a
// letter or digit that follows another glyph on its line at a word space's
// distance. Letter-spaced text ("H E A D I N G"), where the neighbouring
// gaps are as wide, is left as it is. loose returns glyph i's loose box,
// when there is one.
func spaceGlyphs(gs []glyph, loose func(i int) (box, bool)) []byte {
	// gap[i] is the tight gap between glyph i and the glyph written just
	// before it on its line, or NaN when there is none or they are
	// separated by white space.
	gap := make([]float64, len(gs))
	prev := -1 // the last glyph written, when nothing but glyphs followed it
	for i, g := range gs {
		gap[i] = math.NaN()
		if g.s == "" {
			continue
		}
		if prev >= 0 {
			gap[i] = lineGap(gs[prev], g)
		}
		prev = -1
		if r := []rune(g.s); len(r) == 1 && !unicode.IsSpace(r[0]) && g.upright && g.tight.valid() {
			prev = i
		}
	}
	out := make([]byte, 0, len(gs)+len(gs)/8)
	last := -1 // the glyph written before i
	for i, g := range gs {
		if g.s == "" {
			continue
		}
		if g.s == " " && last >= 0 && collapsedSpace(gs, last, i) {
			continue
		}
		if last >= 0 && wordBreak(gs, gap, last, i) {
			lp, ok1 := loose(last)
			lc, ok2 := loose(i)
			if ok1 && ok2 && lp.valid() && lc.valid() {
				size := math.Max(lp.t-lp.b, lc.t-lc.b)
				if d := lc.l - lp.r; d > wordGap*size && d < 50*size {
					out = append(out, ' ')
				}
			}
		}
		out = append(out, g.s...)
		last = i
	}
	return out
}

// wordBreak reports whether glyph i, a letter or digit written right after
// glyph last, may start a new word: its gap on the line is at least
// candidateGap of the glyphs' height and clearly wider than the gaps
// either side of it.
func wordBreak(gs []glyph, gap []float64, last, i int) bool {
	d := gap[i]
	if math.IsNaN(d) {
		return false
	}
	r := []rune(gs[i].s)
	if len(r) != 1 || !(unicode.IsLetter(r[0]) || unicode.IsDigit(r[0])) {
		return false
	}
	p, c := gs[last].tight, gs[i].tight
	if d <= candidateGap*math.Max(p.t-p.b, c.t-c.b) {
		return false
	}
	next := i + 1
	for next < len(gs) && gs[next].s == "" {
		next++
	}
	around := 0
	for _, n := range []int{last, next} {
		if n >= len(gs) || math.IsNaN(gap[n]) {
			continue
		}
		if gap[n] < letterSpaced*d {
			return true
		}
		around++
	}
	return around == 0
}

// collapsedSpace reports whether the space glyph i, written after glyph
// last, takes no room on its line: ps2pdf writes "however" as "howev",
// "e" and "r" with a space between "v" and "e" cancelled by a negative word
// spacing (Tw), which pdftotext ignores because it reads positions.
func collapsedSpace(gs []glyph, last, i int) bool {
	next := i + 1
	for next < len(gs) && gs[next].s == "" {
		next++
	}
	if next >= len(gs) || !gs[last].tight.valid() {
		return false
	}
	p, c := gs[last], gs[next]
	d := lineGap(p, c)
	return !math.IsNaN(d) && d < candidateGap*math.Max(p.tight.t-p.tight.b, c.tight.t-c.tight.b)
}

// lineGap is the horizontal gap between the tight boxes of p and c, when c
// is an upright glyph right of p on the same line; else NaN.
func lineGap(p, c glyph) float64 {
	if !c.upright || !c.tight.valid() {
		return math.NaN()
	}
	h := math.Max(p.tight.t-p.tight.b, c.tight.t-c.tight.b)
	// One line: the vertical centres are within half a glyph of each other.
	if math.Abs((p.tight.t+p.tight.b)-(c.tight.t+c.tight.b))/2 > h/2 {
		return math.NaN()
	}
	d := c.tight.l - p.tight.r
	if d < -h { // back to the left: another line or column
		return math.NaN()
	}
	return d
}
