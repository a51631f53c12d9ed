package extract

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ledongthuc/pdf"
)

// errPassword means the PDF needs a user password.
var errPassword = errors.New("the PDF is protected by a password")

// ledongthucPages extracts each page's text with github.com/ledongthuc/pdf.
// It runs inside a worker process only: the library can panic, loop, or
// allocate until the process dies. Panics are recovered here so that the
// common case is an error, not a dead worker.
func ledongthucPages(data []byte) (pages []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			pages, err = nil, fmt.Errorf("ledongthuc/pdf crashed: %v", p)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) {
			return nil, errPassword
		}
		return nil, fmt.Errorf("ledongthuc/pdf: %v", err)
	}
	n := r.NumPage()
	if n <= 0 {
		return nil, errors.New("ledongthuc/pdf found no pages")
	}
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			pages = append(pages, "")
			continue
		}
		pages = append(pages, layoutText(p.Content().Text))
	}
	return pages, nil
}

// layoutText turns positioned glyphs into lines: glyphs are grouped by
// baseline, sorted left to right, and a space is inserted where the gap
// between two glyphs is wider than a fraction of the font size, because
// many producers position words instead of emitting space characters.
// GetPlainText does neither, which glues words together.
func layoutText(glyphs []pdf.Text) string {
	if len(glyphs) == 0 {
		return ""
	}
	type line struct {
		y  float64
		gs []pdf.Text
	}
	var lines []*line
	// Keep content order within a baseline; find the baseline by tolerance.
	for _, g := range glyphs {
		if g.S == "" {
			continue
		}
		tol := math.Max(math.Abs(g.FontSize)*0.4, 1)
		var found *line
		for i := len(lines) - 1; i >= 0 && i >= len(lines)-8; i-- {
			if math.Abs(lines[i].y-g.Y) <= tol {
				found = lines[i]
				break
			}
		}
		if found == nil {
			found = &line{y: g.Y}
			lines = append(lines, found)
		}
		found.gs = append(found.gs, g)
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].y > lines[j].y })
	var b strings.Builder
	for _, l := range lines {
		sort.SliceStable(l.gs, func(i, j int) bool { return l.gs[i].X < l.gs[j].X })
		var prevEnd float64
		var prevSize float64
		for i, g := range l.gs {
			if i > 0 {
				gap := g.X - prevEnd
				size := math.Max(math.Abs(prevSize), math.Abs(g.FontSize))
				if size == 0 {
					size = 10
				}
				last := b.String()
				if gap > size*0.15 && !strings.HasSuffix(last, " ") && g.S != " " {
					b.WriteByte(' ')
				}
			}
			b.WriteString(g.S)
			prevEnd = g.X + g.W
			prevSize = g.FontSize
		}
		b.WriteByte('\n')
	}
	return b.String()
}
