package extract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// The worker protocol: the parent writes one JSON workerRequest per line on
// the worker's stdin and reads one JSON workerResponse per line from its
// stdout. A worker serves requests until stdin closes, so PDFium is
// compiled and instantiated once per worker, not once per file.
type workerRequest struct {
	Op     string `json:"op"` // "pdf" or "render"
	Path   string `json:"path"`
	Engine string `json:"engine,omitempty"` // pdf: auto | ledongthuc | pdfium
	Page   int    `json:"page,omitempty"`   // render: 1-based
	DPI    int    `json:"dpi,omitempty"`    // render
	Out    string `json:"out,omitempty"`    // render: PNG path to write
}

type workerResponse struct {
	Error   string   `json:"error,omitempty"` // the request itself was wrong
	Engine  string   `json:"engine,omitempty"`
	Status  Status   `json:"status,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Pages   []string `json:"pages,omitempty"`
	Scanned []int    `json:"scanned,omitempty"` // 1-based pages with images and no text layer
	Notes   []string `json:"notes,omitempty"`
}

// WorkerOptions configure the worker side.
type WorkerOptions struct {
	MemoryMB int    // the memory budget; the parent enforces it, the worker tells Go's GC
	CacheDir string // PDFium compilation cache
}

// RunWorker serves PDF requests from in to out until in is closed. It is
// what "foidesk extract-worker" runs. Anything the PDF libraries print is
// kept off the protocol stream.
func RunWorker(in io.Reader, out io.Writer, opts WorkerOptions) error {
	if opts.MemoryMB > 0 {
		// Make Go collect hard before the parent's limit is reached; the
		// hard limits are the parent's watchdog and setrlimit (limits_*.go).
		debug.SetMemoryLimit(int64(opts.MemoryMB) << 20 * 3 / 4)
		limitAddressSpace(opts.MemoryMB)
		stop := make(chan struct{})
		defer close(stop)
		go watchOwnMemory(int64(opts.MemoryMB)<<20, selfWatchEvery, ownRSS, exitOverMemory(os.Stderr, opts.MemoryMB), stop)
	}
	w := &workerState{pdfium: &pdfiumEngine{cacheDir: opts.CacheDir, memoryMB: opts.MemoryMB}}
	return serveLines(in, out, w.serve)
}

// errInputClosed is returned when the parent closes the worker's input
// while a request is being served.
var errInputClosed = errors.New("extract worker: input closed in the middle of a request (the parent stopped or died); stopping")

// serveLines answers each request line read from in with serve's response
// on out, one request at a time, until in is closed. It returns when in is
// closed even in the middle of a request: the parent closes the pipe only
// when it has given up on the worker or has died (the kernel closes it
// then), and no one is left to read the answer, so a parse that runs on or
// hangs must not keep the worker, and its memory, alive.
func serveLines(in io.Reader, out io.Writer, serve func(workerRequest) workerResponse) error {
	lines := make(chan []byte)
	closed := make(chan struct{}) // in reached its end or failed
	stop := make(chan struct{})   // serveLines returned
	defer close(stop)
	var readErr error
	go func() {
		defer close(closed)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case lines <- bytes.Clone(sc.Bytes()):
			case <-stop:
				return
			}
		}
		readErr = sc.Err()
	}()
	enc := json.NewEncoder(out)
	for {
		var line []byte
		select {
		case line = <-lines:
		case <-closed:
			return readErr
		}
		var req workerRequest
		var resp workerResponse
		if err := json.Unmarshal(line, &req); err != nil {
			resp.Error = "bad request: " + err.Error()
		} else {
			done := make(chan workerResponse, 1)
			go func() { done <- serve(req) }()
			select {
			case resp = <-done:
			case <-closed:
				return errInputClosed
			}
		}
		if err := enc.Encode(resp); err != nil {
			return err
		}
	}
}

type workerState struct {
	pdfium *pdfiumEngine
}

func (w *workerState) serve(req workerRequest) workerResponse {
	switch req.Op {
	case "pdf":
		data, err := readLimited(req.Path, 1<<30)
		if err != nil {
			return workerResponse{Error: err.Error()}
		}
		return w.pdf(data, req.Engine)
	case "render":
		data, err := readLimited(req.Path, 1<<30)
		if err != nil {
			return workerResponse{Error: err.Error()}
		}
		if err := w.pdfium.render(data, req.Page, req.DPI, req.Out); err != nil {
			return workerResponse{Error: err.Error()}
		}
		return workerResponse{Status: StatusOK}
	case "ping":
		// Also starts PDFium, so a caller can pay that once, up front.
		if _, err := w.pdfium.get(); err != nil {
			return workerResponse{Error: err.Error()}
		}
		return workerResponse{Status: StatusOK}
	}
	return workerResponse{Error: fmt.Sprintf("unknown op %q", req.Op)}
}

// readLimited reads the file at path, or says it is over limit bytes
// without reading more than that: every file from outside is read
// through it, never whole without a bound.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the file is over the %d-byte limit", limit)
	}
	return data, nil
}

// pdf runs the engine chain on one PDF.
//
// auto: PDFium first, ledongthuc/pdf when PDFium cannot open the file or
// its text fails the quality check and ledongthuc's passes. The corpus
// benchmark (docs/BENCHMARKS.md) measured the other order, ledongthuc
// first with PDFium on a failed quality check ("ledongthuc-first"): no
// check on the text alone catches what ledongthuc silently drops (form
// fields, annotations, text in some XObjects), so it scored below the
// goals, and it was slower, because ledongthuc is slower than PDFium.
func (w *workerState) pdf(data []byte, engine string) workerResponse {
	switch engine {
	case EngineLedongthuc:
		return ledongthucResponse(data)
	case EnginePDFium:
		return w.pdfiumResponse(data, nil)
	case engineLedongthucFirst:
		pages, err := ledongthucPages(data)
		var notes []string
		if err == nil {
			q := qualityProblem(pages)
			if q == "" {
				return workerResponse{Engine: EngineLedongthuc, Status: StatusOK, Pages: pages}
			}
			notes = append(notes, "ledongthuc/pdf text failed the quality check ("+q+"); PDFium used")
		} else {
			notes = append(notes, "ledongthuc/pdf could not read it ("+err.Error()+"); PDFium used")
		}
		return w.pdfiumResponse(data, notes)
	}
	resp := w.pdfiumResponse(data, nil)
	if resp.Status == StatusEncrypted {
		return resp
	}
	var problem string
	if resp.Status != StatusOK {
		problem = resp.Reason
	} else if len(resp.Scanned) == 0 {
		// Only undecoded characters send PDFium's text to the fallback:
		// its layout is pdftotext's, so the layout checks would mostly
		// flag tables and symbol fonts, which it gets right.
		if q := qualityProblem(resp.Pages); strings.Contains(q, "not decoded") {
			problem = "PDFium's text failed the quality check (" + q + ")"
		}
	}
	if problem == "" {
		return resp
	}
	alt := ledongthucResponse(data)
	if alt.Status == StatusOK && qualityProblem(alt.Pages) == "" {
		alt.Notes = append(alt.Notes, problem+"; ledongthuc/pdf used")
		return alt
	}
	// Neither engine could decode some pages' fonts: read them as images.
	for i, p := range resp.Pages {
		if undecodedPage(p) {
			resp.Scanned = append(resp.Scanned, i+1)
		}
	}
	if len(resp.Scanned) > 0 {
		resp.Notes = append(resp.Notes, fmt.Sprintf("page %s: fonts without a Unicode mapping, so the text layer is unreadable; treated as scanned", pageList(resp.Scanned)))
	}
	return resp
}

// engineLedongthucFirst is the chain the product was first specified with,
// kept for the benchmark's comparison.
const engineLedongthucFirst = "ledongthuc-first"

func ledongthucResponse(data []byte) workerResponse {
	pages, err := ledongthucPages(data)
	switch {
	case errors.Is(err, errPassword):
		return workerResponse{Engine: EngineLedongthuc, Status: StatusEncrypted, Reason: "the PDF needs a password to open"}
	case err != nil:
		return workerResponse{Engine: EngineLedongthuc, Status: StatusFailed, Reason: err.Error()}
	}
	return workerResponse{Engine: EngineLedongthuc, Status: StatusOK, Pages: pages}
}

func (w *workerState) pdfiumResponse(data []byte, notes []string) workerResponse {
	pp, err := w.pdfium.pages(data, "")
	switch {
	case errors.Is(err, errPassword):
		return workerResponse{Engine: EnginePDFium, Status: StatusEncrypted, Notes: notes,
			Reason: "the PDF needs a password to open (it has a user password, not just editing restrictions); ask the authority for an unprotected copy"}
	case err != nil:
		return workerResponse{Engine: EnginePDFium, Status: StatusFailed, Notes: notes,
			Reason: "damaged or unreadable PDF: " + err.Error()}
	}
	resp := workerResponse{Engine: EnginePDFium, Status: StatusOK, Notes: notes}
	for i, p := range pp {
		resp.Pages = append(resp.Pages, p.text)
		if len(strings.TrimSpace(p.text)) < minPageChars && p.images > 0 {
			resp.Scanned = append(resp.Scanned, i+1)
		}
	}
	return resp
}
