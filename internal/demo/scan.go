package demo

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/draw"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// A scanned page: A4 at the resolution an office scanner's "document"
// setting uses, text set at 12 pt with 25 mm margins, as a printed letter.
const (
	scanDPI      = 200
	scanWidthPt  = 595 // A4, in PDF points (1/72 inch)
	scanHeightPt = 842
	scanFontPt   = 12
	scanLeadPt   = 18 // one and a half lines: printed letters are set loosely
	scanMarginPt = 72
	scanInk      = 0x80 // grey levels darker than this are black in the scan
)

// ScannedPolicyPDF is a valid PDF whose one page is a black-and-white
// image of lines of text and nothing else: no text layer, as a council's
// letter printed, signed and put through a scanner would be. A reader (or
// foidesk) gets its words only by OCR. Lines longer than the page are
// wrapped at spaces; lines past its foot are left out. The same lines give
// the same bytes.
func ScannedPolicyPDF(lines ...string) []byte {
	w, h := pixels(scanWidthPt), pixels(scanHeightPt)
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	face := scanFace()
	d := font.Drawer{Dst: img, Src: image.Black, Face: face}
	left, right := pixels(scanMarginPt), w-pixels(scanMarginPt)
	y := pixels(scanMarginPt) + face.Metrics().Ascent.Ceil()
	for _, l := range lines {
		for _, row := range wrap(d, l, right-left) {
			if y > h-pixels(scanMarginPt) {
				break // past the foot of the page: a scanner would cut it off too
			}
			d.Dot = fixed.P(left, y)
			d.DrawString(row)
			y += pixels(scanLeadPt)
		}
	}
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Scan Do Q\n", scanWidthPt, scanHeightPt)
	return writePDF("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R /Resources << /XObject << /Scan 5 0 R >> >> >>", scanWidthPt, scanHeightPt)),
		stream("", []byte(content)),
		stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode", w, h), bilevel(img)),
	})
}

// bilevel is img as a scanner's black-and-white mode stores it: one bit a
// pixel (1 white, 0 black), rows padded to a byte, deflated. A page of
// text is mostly white rows, which deflate to almost nothing.
func bilevel(img *image.Gray) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var b bytes.Buffer
	z, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	row := make([]byte, (w+7)/8)
	for y := 0; y < h; y++ {
		clear(row)
		for x := 0; x < w; x++ {
			if img.GrayAt(x, y).Y >= scanInk {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		z.Write(row)
	}
	z.Close()
	return b.Bytes()
}

// pixels is a length in points at the scan's resolution.
func pixels(pt int) int { return pt * scanDPI / 72 }

// wrap splits s into rows no wider than width pixels, at spaces; a word
// wider than the row stands alone on its row.
func wrap(d font.Drawer, s string, width int) []string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return []string{""}
	}
	var rows []string
	row := words[0]
	for _, w := range words[1:] {
		if d.MeasureString(row+" "+w).Ceil() > width {
			rows = append(rows, row)
			row = w
			continue
		}
		row += " " + w
	}
	return append(rows, row)
}

var scanFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic(err) // the embedded Go font always parses
	}
	return f
})

// scanFace is Go Regular at the scan's size and resolution, hinted as
// a printer's type would be.
func scanFace() font.Face {
	face, err := opentype.NewFace(scanFont(), &opentype.FaceOptions{Size: scanFontPt, DPI: scanDPI, Hinting: font.HintingFull})
	if err != nil {
		panic(err) // fixed, valid options
	}
	return face
}
