package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"foidesk/extract"
)

func init() {
	register(newCommand(command{
		name:     "extract",
		synopsis: "FILE",
		summary:  "print the text of one file (PDF, Word, OpenDocument, spreadsheet, HTML, RTF, email, zip)",
		help: `Detects the file's type from its content and prints its text. Pages are
separated by form feeds. A status other than ok (needs_ocr, encrypted,
unsupported, failed) and its reason are printed on stderr.

PDFs are parsed in a separate worker process with the time and memory limits
of the [extract] config section, so a hostile file cannot take foidesk down.
--engine auto uses PDFium, and ledongthuc/pdf when PDFium cannot open the file
or its text fails the quality check; ledongthuc or pdfium forces one. Scanned
pages are OCRed when tesseract is installed ([extract] ocr_language).

The first PDF on a machine compiles the PDF engine, once (about 5 s and
350 MB; it says so on stderr); its compiled code is kept in
$XDG_CACHE_HOME/foidesk/pdfium (~/.cache/foidesk/pdfium). After that each
run spends about 0.1-0.2 s starting the PDF worker: for many files, let
'documents extract' read them with one worker.

Exit status: 0 whenever a status was determined (including needs_ocr,
encrypted and unsupported), 1 when extraction failed, 2 for bad usage.`,
		args: 1,
	}, extractCommand))
}

type extractFlags struct {
	json   bool
	engine string
}

func (f *extractFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object: status, engine, pages, text, reason, …")
	fs.StringVar(&f.engine, "engine", "auto", "PDF engine: auto, ledongthuc or pdfium")
}

// extractCommand prints the text of one file, with no database.
func extractCommand(ctx context.Context, e *env, f *extractFlags, args []string) error {
	switch f.engine {
	case "auto", extract.EngineLedongthuc, extract.EnginePDFium:
	default:
		return usagef("--engine must be auto, ledongthuc or pdfium, not %q", f.engine)
	}
	if _, err := os.Stat(args[0]); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	x, err := e.extractor(f.engine)
	if err != nil {
		return err
	}
	res, err := x.Extract(ctx, args[0])
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(extractJSON(args[0], res)); err != nil {
			return err
		}
	} else {
		text := res.Text()
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprint(e.stdout, text)
		if res.Status != extract.StatusOK {
			fmt.Fprintf(e.stderr, "foidesk: %s: %s: %s\n", args[0], res.Status, res.Reason)
		}
	}
	if res.Status == extract.StatusFailed {
		return errSilentFailure
	}
	return nil
}

// extractOutput is "foidesk extract --json": the result with the page count
// and the joined text at the top, where scripts look for them.
type extractOutput struct {
	File    string           `json:"file"`
	Type    string           `json:"type"`
	Status  extract.Status   `json:"status"`
	Reason  string           `json:"reason"`
	Engine  string           `json:"engine"`
	Pages   int              `json:"pages"`
	Text    string           `json:"text"`
	Notes   []string         `json:"notes,omitempty"`
	Members []extract.Member `json:"members,omitempty"`
	Page    []extract.Page   `json:"page_texts"`
	Timings extract.Timings  `json:"timings"`
}

func extractJSON(file string, r extract.Result) extractOutput {
	pages := r.Pages
	if pages == nil {
		pages = []extract.Page{}
	}
	return extractOutput{File: file, Type: r.Type, Status: r.Status, Reason: r.Reason, Engine: r.Engine,
		Pages: len(r.Pages), Text: r.Text(), Notes: r.Notes, Members: r.Members, Page: pages, Timings: r.Timings}
}
