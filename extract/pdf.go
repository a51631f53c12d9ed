package extract

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// extractPDF sends one PDF to the worker and OCRs its scanned pages.
func (x *Extractor) extractPDF(ctx context.Context, path string) (Result, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return failed(TypePDF, "%v", err), nil
	}
	start := time.Now()
	res := Result{Type: TypePDF}
	resp, err := x.do(ctx, workerRequest{Op: "pdf", Path: abs, Engine: x.opts.Engine})
	res.Timings.Workers++
	var died *workerDied
	if errors.As(err, &died) && (x.opts.Engine == "auto" || x.opts.Engine == engineLedongthucFirst) {
		// ledongthuc/pdf can take the whole process down (one 627-byte
		// file makes it allocate until killed); PDFium alone gets its own
		// try in a fresh worker.
		res.Notes = append(res.Notes, died.reason+"; retried with PDFium alone")
		resp, err = x.do(ctx, workerRequest{Op: "pdf", Path: abs, Engine: EnginePDFium})
		res.Timings.Workers++
	}
	res.Timings.Parse = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		res.Status = StatusFailed
		res.Reason = err.Error()
		return res, nil
	}
	res.Engine = resp.Engine
	res.Status = resp.Status
	res.Reason = resp.Reason
	res.Notes = append(res.Notes, resp.Notes...)
	for i, t := range resp.Pages {
		res.Pages = append(res.Pages, Page{Number: i + 1, Text: t})
	}
	if len(resp.Scanned) > 0 {
		if err := x.ocrPages(ctx, abs, &res, resp.Scanned); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// pageList writes 1,2,3,7 as "1–3, 7".
func pageList(pages []int) string {
	s := ""
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if s != "" {
			s += ", "
		}
		if j > i {
			s += fmt.Sprintf("%d–%d", pages[i], pages[j])
		} else {
			s += fmt.Sprint(pages[i])
		}
		i = j + 1
	}
	return s
}
