package extract

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerr "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// pdfiumEngine is PDFium compiled to WebAssembly and run by wazero: pure Go,
// sandboxed, and measured at a median word-set Jaccard of 0.997 against
// pdftotext. One instance lives as long as the worker process, because
// compiling the module costs seconds; the compiled code is also cached on
// disk so that a restarted worker starts in milliseconds (prepare.go).
type pdfiumEngine struct {
	pool     pdfium.Pool
	instance pdfium.Pdfium
	cacheDir string
	memoryMB int
	// cacheErr is why the compiled code could not be kept in cacheDir,
	// when the engine had to be compiled in memory instead.
	cacheErr error
}

func (e *pdfiumEngine) get() (pdfium.Pdfium, error) {
	if e.instance != nil {
		return e.instance, nil
	}
	if e.pool == nil {
		pool, err := e.start(e.cacheDir)
		if err != nil && e.cacheDir != "" {
			// The compiled code could not be kept (a full or read-only
			// disk): PDFs are still read, compiled in memory.
			e.cacheErr = err
			pool, err = e.start("")
		}
		if err != nil {
			return nil, fmt.Errorf("start PDFium: %w", err)
		}
		e.pool = pool
	}
	inst, err := e.pool.GetInstance(30 * time.Second)
	if err != nil {
		return nil, fmt.Errorf("start PDFium: %w", err)
	}
	e.instance = inst
	return inst, nil
}

// start compiles PDFium, through the compilation cache in cacheDir unless
// it is empty.
func (e *pdfiumEngine) start(cacheDir string) (pdfium.Pool, error) {
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	if e.memoryMB > 0 {
		// The module's linear memory gets at most three quarters of the
		// worker's budget; the rest is Go's own heap.
		rc = rc.WithMemoryLimitPages(uint32(e.memoryMB * 3 / 4 * 16))
	}
	if cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return nil, err
		}
		rc = rc.WithCompilationCache(cache)
	}
	return webassembly.Init(webassembly.Config{
		MinIdle:       1,
		MaxIdle:       1,
		MaxTotal:      1,
		ReuseWorkers:  true,
		FSConfig:      wazero.NewFSConfig(), // mount nothing: PDFium gets bytes, never the host's files
		RuntimeConfig: rc,
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
}

// reset drops the instance after an error that may have left it broken
// (a trap inside the module); the next request gets a fresh one.
func (e *pdfiumEngine) reset() {
	if e.instance != nil {
		_ = e.instance.Close()
		e.instance = nil
	}
}

// pdfiumPage is one page's text and whether it looks scanned.
type pdfiumPage struct {
	text   string
	images int // image objects on the page
}

// pages extracts every page's text and counts its images, so that a page
// with images and no text can be sent to OCR.
func (e *pdfiumEngine) pages(data []byte, password string) (out []pdfiumPage, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.reset()
			out, err = nil, fmt.Errorf("PDFium crashed: %v", p)
		}
	}()
	inst, err := e.get()
	if err != nil {
		return nil, err
	}
	req := &requests.FPDF_LoadMemDocument{Data: &data}
	if password != "" {
		req.Password = &password
	}
	doc, err := inst.FPDF_LoadMemDocument(req)
	if err != nil {
		if errors.Is(err, pdfiumerr.ErrPassword) {
			return nil, errPassword
		}
		if errors.Is(err, pdfiumerr.ErrSecurity) {
			return nil, fmt.Errorf("PDFium: unsupported encryption")
		}
		if errors.Is(err, pdfiumerr.ErrFormat) {
			return nil, fmt.Errorf("not a valid PDF structure, truncated or corrupted (PDFium: %v)", err)
		}
		if strings.Contains(err.Error(), "wasm") || strings.Contains(err.Error(), "module") {
			e.reset()
		}
		return nil, fmt.Errorf("PDFium: %v", err)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	pc, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, fmt.Errorf("PDFium: %v", err)
	}
	if pc.PageCount <= 0 {
		return nil, errors.New("PDFium found no pages")
	}
	for i := 0; i < pc.PageCount; i++ {
		page := requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: i}}
		var pp pdfiumPage
		if t, err := pdfiumPageText(inst, page); err == nil {
			pp.text = t
		}
		// Form fields and annotations (filled-in forms, stamps, text
		// boxes) are drawn from their own appearance streams, outside the
		// page's text; flattening merges them in so their text is read.
		// The flattened text is kept only if it is no worse: some forms'
		// appearance fonts have no Unicode mapping.
		if ac, err := inst.FPDFPage_GetAnnotCount(&requests.FPDFPage_GetAnnotCount{Page: page}); err == nil && ac.Count > 0 {
			if _, err := inst.FPDFPage_Flatten(&requests.FPDFPage_Flatten{Page: page, Usage: requests.FPDFPage_FlattenUsageNormalDisplay}); err == nil {
				if ft, err := pdfiumPageText(inst, page); err == nil && len(ft) > len(pp.text) {
					if qualityProblem([]string{ft}) == "" || qualityProblem([]string{pp.text}) != "" {
						pp.text = ft
					}
				}
			}
		}
		if len(strings.TrimSpace(pp.text)) < minPageChars {
			if n, err := inst.FPDFPage_CountObjects(&requests.FPDFPage_CountObjects{Page: page}); err == nil {
				for j := 0; j < n.Count && j < 10000; j++ {
					obj, err := inst.FPDFPage_GetObject(&requests.FPDFPage_GetObject{Page: page, Index: j})
					if err != nil {
						continue
					}
					typ, err := inst.FPDFPageObj_GetType(&requests.FPDFPageObj_GetType{PageObject: obj.PageObject})
					if err == nil && typ.Type == enums.FPDF_PAGEOBJ_IMAGE {
						pp.images++
					}
				}
			}
		}
		out = append(out, pp)
	}
	return out, nil
}

// render writes page (1-based) as a greyscale PNG at dpi to out, for OCR.
func (e *pdfiumEngine) render(data []byte, page, dpi int, out string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e.reset()
			err = fmt.Errorf("PDFium crashed: %v", p)
		}
	}()
	inst, err := e.get()
	if err != nil {
		return err
	}
	doc, err := inst.FPDF_LoadMemDocument(&requests.FPDF_LoadMemDocument{Data: &data})
	if err != nil {
		return fmt.Errorf("PDFium: %v", err)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return err
	}
	_, err = inst.RenderToFile(&requests.RenderToFile{
		RenderPageInDPI: &requests.RenderPageInDPI{
			Page:        requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: page - 1}},
			DPI:         dpi,
			ImageFormat: requests.RenderImageFormatGrayscale,
		},
		OutputFormat:   requests.RenderToFileOutputFormatPNG,
		OutputTarget:   requests.RenderToFileOutputTargetFile,
		TargetFilePath: out,
	})
	if err != nil {
		return fmt.Errorf("PDFium render page %d: %v", page, err)
	}
	return nil
}
