package extract

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ocrDPI is the render resolution for OCR: tesseract is most accurate on
// text around 300 dpi.
const ocrDPI = 300

// ocrPages renders each scanned page with PDFium (in the worker) and reads
// it with tesseract. Without tesseract the document is needs_ocr, naming
// the pages, so it is never silently empty.
func (x *Extractor) ocrPages(ctx context.Context, path string, res *Result, scanned []int) error {
	if x.tesseract == "" {
		res.Status = StatusNeedsOCR
		res.Reason = fmt.Sprintf("%s %s of %d %s without a text layer, and tesseract is not installed; install it (apt-get install tesseract-ocr) and run 'foidesk documents reextract --status needs_ocr'",
			plural(len(scanned), "page", "pages"), pageList(scanned), len(res.Pages), plural(len(scanned), "is a scanned image", "are scanned images"))
		return nil
	}
	start := time.Now()
	defer func() { res.Timings.OCR += time.Since(start) }()
	dir, err := os.MkdirTemp("", "foidesk-ocr-")
	if err != nil {
		return fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	var failedPages []string
	for _, n := range scanned {
		png := filepath.Join(dir, fmt.Sprintf("page-%d.png", n))
		_, err := x.do(ctx, workerRequest{Op: "render", Path: path, Page: n, DPI: ocrDPI, Out: png})
		res.Timings.Workers++
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failedPages = append(failedPages, fmt.Sprintf("page %d: %v", n, err))
			continue
		}
		text, err := x.tesseractImage(ctx, png)
		os.Remove(png)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failedPages = append(failedPages, fmt.Sprintf("page %d: %v", n, err))
			continue
		}
		res.Pages[n-1].Text = text
		res.Pages[n-1].OCR = true
	}
	res.Notes = append(res.Notes, fmt.Sprintf(plural(len(scanned), "page", "pages")+" %s OCRed with tesseract (%s); check against the original", pageList(scanned), x.opts.OCRLanguage))
	if len(failedPages) > 0 {
		if len(failedPages) == len(scanned) {
			res.Status = StatusNeedsOCR
			res.Reason = "OCR failed: " + strings.Join(failedPages, "; ")
		} else {
			res.Notes = append(res.Notes, "OCR failed on "+strings.Join(failedPages, "; "))
		}
	}
	return nil
}

// tesseractImage OCRs one image file, with a time limit.
func (x *Extractor) tesseractImage(ctx context.Context, image string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, x.opts.OCRTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, x.tesseract, image, "stdout", "-l", x.opts.OCRLanguage, "--psm", "3")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	// One thread: the daemon shares its cores, and tesseract's OpenMP
	// threads make it slower, not faster, on small machines.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", fmt.Errorf("tesseract did not finish within %s", x.opts.OCRTimeout)
		}
		return "", fmt.Errorf("tesseract: %v: %s", err, strings.TrimSpace(lastLine(stderr.String())))
	}
	return stdout.String(), nil
}

// extractImage OCRs an image file (a photographed letter, a scan sent as
// JPEG) when tesseract is available.
func (x *Extractor) extractImage(ctx context.Context, path string) Result {
	if x.tesseract == "" {
		return Result{Status: StatusNeedsOCR, Reason: "an image without a text layer, and tesseract is not installed; install it (apt-get install tesseract-ocr) and reextract"}
	}
	start := time.Now()
	text, err := x.tesseractImage(ctx, path)
	res := Result{Engine: EngineTesseract, Timings: Timings{OCR: time.Since(start)}}
	if err != nil {
		res.Status = StatusFailed
		res.Reason = "OCR failed: " + err.Error()
		return res
	}
	res.Pages = []Page{{Number: 1, Text: text, OCR: true}}
	res.Notes = []string{"OCRed with tesseract (" + x.opts.OCRLanguage + "); check against the original"}
	return res
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
