package extract

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var slideName = regexp.MustCompile(`^ppt/slides/slide(\d+)\.xml$`)

// parsePPTX reads a PowerPoint deck: one page per slide, in slide order,
// each paragraph (a:p) on its own line; speaker notes are left out.
func parsePPTX(data []byte, lim Limits) Result {
	zr, err := openZip(data, lim)
	if err != nil {
		return failed(TypePPTX, "%v", err)
	}
	type slide struct {
		n    int
		name string
	}
	var slides []slide
	files := zipFiles(zr)
	for name := range files {
		if m := slideName.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			slides = append(slides, slide{n, name})
		}
	}
	sort.Slice(slides, func(i, j int) bool { return slides[i].n < slides[j].n })
	res := Result{Engine: EngineGo}
	for _, s := range slides {
		b, err := readZipMember(files[s.name], lim)
		if err != nil {
			return failed(TypePPTX, "%v", err)
		}
		res.Pages = append(res.Pages, Page{Number: len(res.Pages) + 1, Origin: "slide " + strconv.Itoa(s.n), Text: drawingMLText(b)})
	}
	return res
}

// drawingMLText collects a:t runs, a line per a:p, a tab per table cell.
func drawingMLText(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var b strings.Builder
	inT := false
	for {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = true
			case "br":
				b.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inT = false
			case "p":
				b.WriteByte('\n')
			case "tc":
				b.WriteByte('\t')
			}
		case xml.CharData:
			if inT {
				b.Write(t)
			}
		}
	}
	return tidyCells(b.String())
}
