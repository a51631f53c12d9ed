// Package extract turns a stored file (an attachment, a reply body, a member
// of a zip) into per-page text that reviewers can read and search.
//
// Every PDF is parsed in a separate worker process (foidesk re-executing
// itself as "foidesk extract-worker") under a wall-clock and a memory limit,
// because PDF parsers panic, loop and allocate without bound on the files
// councils actually send, and one such file must cost one document, never
// the daemon. Other formats are parsed in-process by code that bounds its own
// input and recovers from panics.
package extract

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Status says what became of one file. Reviewers filter on it, so each value
// is a different thing to do next.
type Status string

const (
	// StatusOK: text was extracted.
	StatusOK Status = "ok"
	// StatusNeedsOCR: some or all pages are images without a text layer and
	// no OCR engine was available (install tesseract, then reextract).
	StatusNeedsOCR Status = "needs_ocr"
	// StatusEncrypted: the file needs a password foidesk does not have.
	StatusEncrypted Status = "encrypted"
	// StatusUnsupported: a format foidesk cannot read (the reason says which).
	StatusUnsupported Status = "unsupported"
	// StatusFailed: the file is damaged or hostile, or a parser crashed,
	// hung or ran out of memory; the reason says which.
	StatusFailed Status = "failed"
)

// Engines name what produced the text.
const (
	EngineLedongthuc = "ledongthuc"
	EnginePDFium     = "pdfium"
	EngineTesseract  = "tesseract"
	EngineAntiword   = "antiword"
	EngineGo         = "go" // foidesk's own parsers for Office, HTML, text, mail, zip
)

// Page is the text of one page (PDF), sheet (spreadsheet) or part (zip
// member, attached email). Origin names where it came from when the file is
// a container ("minutes.pdf" inside a zip); OCR says the text was read from
// an image and may contain recognition errors.
type Page struct {
	Number int    `json:"number"`
	Text   string `json:"text"`
	Origin string `json:"origin,omitempty"`
	OCR    bool   `json:"ocr,omitempty"`
}

// Member is one file inside a container (zip, attached email), with its own
// outcome, so a damaged PDF inside a zip is visible without failing the zip.
type Member struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	Engine string `json:"engine,omitempty"`
	Pages  int    `json:"pages"`
}

// Timings record where the time went, for the benchmark and for finding the
// file that makes a batch slow.
type Timings struct {
	Total   time.Duration `json:"total_ns"`
	Parse   time.Duration `json:"parse_ns"`
	OCR     time.Duration `json:"ocr_ns,omitempty"`
	Workers int           `json:"worker_requests,omitempty"` // requests sent to a worker process
}

// Result is the outcome of extracting one file.
type Result struct {
	Type    string   `json:"type"` // detected from content: pdf, docx, odt, …
	Status  Status   `json:"status"`
	Reason  string   `json:"reason,omitempty"` // for people: why this status
	Engine  string   `json:"engine,omitempty"`
	Pages   []Page   `json:"pages"`
	Members []Member `json:"members,omitempty"`
	// Notes are things a reviewer should know that do not change the status
	// (the first engine's text failed the quality check, say).
	Notes   []string `json:"notes,omitempty"`
	Timings Timings  `json:"timings"`
}

// Text joins the pages with form feeds, as pdftotext does, so page breaks
// survive into search snippets.
func (r *Result) Text() string {
	parts := make([]string, len(r.Pages))
	for i, p := range r.Pages {
		parts[i] = p.Text
	}
	return strings.Join(parts, "\f")
}

// PageCount is the number of pages extracted.
func (r *Result) PageCount() int { return len(r.Pages) }

func failed(typ, format string, a ...any) Result {
	return Result{Type: typ, Status: StatusFailed, Reason: fmt.Sprintf(format, a...)}
}

// Extract reads the file at path and returns its text. It never returns an
// error for a bad file: damage, passwords and unknown formats are statuses
// with reasons. The error is for the caller's own problems (a cancelled
// context).
func (x *Extractor) Extract(ctx context.Context, path string) (Result, error) {
	start := time.Now()
	res, err := x.extractPath(ctx, path, path, 0)
	if err != nil {
		return Result{}, err
	}
	res.Timings.Total = time.Since(start)
	return res, nil
}

// extractPath is Extract for a file at any nesting depth; name is what the
// user knows it by (a path inside a zip, say).
func (x *Extractor) extractPath(ctx context.Context, path, name string, depth int) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return failed("", "cannot read file: %v", err), nil
	}
	if !fi.Mode().IsRegular() {
		return failed("", "not a regular file"), nil
	}
	if fi.Size() == 0 {
		return Result{Type: "empty", Status: StatusFailed, Reason: "the file is empty (0 bytes)"}, nil
	}
	if fi.Size() > x.opts.MaxFileBytes {
		return Result{Type: "unknown", Status: StatusUnsupported,
			Reason: fmt.Sprintf("file is %d bytes, over the %d-byte limit", fi.Size(), x.opts.MaxFileBytes)}, nil
	}
	d, err := detectFile(path)
	if err != nil {
		return failed("", "cannot read file: %v", err), nil
	}
	res, err := x.extractAs(ctx, d.typ, path, name, depth)
	if err != nil || d.alt == "" {
		return res, err
	}
	if !d.both && hasText(res.Pages) {
		// A PDF after junk that reads as one is one.
		return res, nil
	}
	alt, err := x.extractAs(ctx, d.alt, path, name, depth)
	if err != nil {
		return Result{}, err
	}
	return keepRicher(d, res, alt), nil
}

// keepRicher keeps whichever of two readings of one ambiguous file yields
// more (more text, then more members read, then a better status; the first
// on a tie), and says in its notes that there were two and why.
func keepRicher(d detection, first, second Result) Result {
	keep, drop := first, second
	if yields(second).more(yields(first)) {
		keep, drop = second, first
	}
	note := fmt.Sprintf("%s: read both as %s (%s) and as %s (%s); kept the %s reading",
		d.why, first.Type, yields(first), second.Type, yields(second), keep.Type)
	if drop.Status != StatusOK && drop.Reason != "" {
		note += fmt.Sprintf(" (as %s: %s)", drop.Type, drop.Reason)
	}
	keep.Notes = append(keep.Notes, note)
	keep.Timings.Parse += drop.Timings.Parse
	keep.Timings.OCR += drop.Timings.OCR
	keep.Timings.Workers += drop.Timings.Workers
	return keep
}

// yield is how much one reading of a file produced.
type yield struct {
	chars, members int
	ok             bool
}

func yields(r Result) yield {
	y := yield{ok: r.Status == StatusOK}
	for _, p := range r.Pages {
		y.chars += utf8.RuneCountInString(strings.Join(strings.Fields(p.Text), " "))
	}
	for _, m := range r.Members {
		if m.Status == StatusOK {
			y.members++
		}
	}
	return y
}

func (y yield) more(than yield) bool {
	switch {
	case y.chars != than.chars:
		return y.chars > than.chars
	case y.members != than.members:
		return y.members > than.members
	}
	return y.ok && !than.ok
}

func (y yield) String() string {
	s := fmt.Sprintf("%d characters", y.chars)
	if y.members > 0 {
		s = fmt.Sprintf("%d files read, ", y.members) + s
	}
	return s
}

// extractAs extracts the file at path as a file of type typ.
func (x *Extractor) extractAs(ctx context.Context, typ, path, name string, depth int) (Result, error) {
	var res Result
	var err error
	parseStart := time.Now()
	switch typ {
	case TypePDF:
		res, err = x.extractPDF(ctx, path)
		if err != nil {
			return Result{}, err
		}
	case TypeZip:
		res, err = x.extractZip(ctx, path, name, depth)
		if err != nil {
			return Result{}, err
		}
	case TypeEmail:
		res, err = x.extractEmail(ctx, path, name, depth)
		if err != nil {
			return Result{}, err
		}
	case TypeDoc:
		res = x.extractDoc(ctx, path)
	case TypeImage:
		res = x.extractImage(ctx, path)
	default:
		// extractPath checked the size, but the file is read through the
		// same limit: never whole without a bound.
		data, rerr := readLimited(path, x.opts.MaxFileBytes)
		if rerr != nil {
			return failed(typ, "cannot read %s: %v", name, rerr), nil
		}
		res = parseInProcess(typ, data, x.opts.Limits)
	}
	res.Type = typ
	if res.Timings.Parse == 0 {
		res.Timings.Parse = time.Since(parseStart)
	}
	for i := range res.Pages {
		res.Pages[i].Text = Normalize(res.Pages[i].Text)
		if res.Pages[i].Number == 0 {
			res.Pages[i].Number = i + 1
		}
	}
	if res.Status == "" {
		res.Status = StatusOK
	}
	if res.Status == StatusOK && !hasText(res.Pages) && typ != TypeZip && typ != TypeEmail {
		res.Notes = append(res.Notes, "the file contains no text")
	}
	return res, nil
}

func hasText(pages []Page) bool {
	for _, p := range pages {
		if strings.TrimSpace(p.Text) != "" {
			return true
		}
	}
	return false
}

// parseInProcess runs a pure-Go parser, turning a panic into a failed
// result: these parsers bound their input, but a bug must still cost one
// document only.
func parseInProcess(typ string, data []byte, lim Limits) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			res = failed(typ, "the %s parser crashed: %v", typ, p)
		}
	}()
	switch typ {
	case TypeDOCX:
		return parseDOCX(data, lim)
	case TypeODT:
		return parseODT(data, lim)
	case TypeXLSX:
		return parseXLSX(data, lim)
	case TypeODS:
		return parseODS(data, lim)
	case TypeRTF:
		return parseRTF(data)
	case TypeHTML:
		return parseHTML(data)
	case TypeCSV:
		return parseCSV(data)
	case TypeText:
		return parseText(data)
	case TypeODF:
		// Presentations and drawings keep their text in text:p too.
		return parseODT(data, lim)
	case TypePPTX:
		return parsePPTX(data, lim)
	case TypeOOXML:
		return Result{Status: StatusUnsupported, Reason: "an Office Open XML package of a kind foidesk does not read (Word, Excel and PowerPoint are read)"}
	}
	return Result{Status: StatusUnsupported, Reason: "unrecognised file format (" + typ + ")"}
}
