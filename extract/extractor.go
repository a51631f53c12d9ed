package extract

import (
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"
)

// Limits bound what one file may cost, so a zip bomb or a hostile XML part
// is stopped and recorded instead of filling the disk or the heap.
type Limits struct {
	MaxDepth            int   // nesting of zips and attached emails; default 4
	MaxEntries          int   // members in one zip; default 1000
	MaxTotalBytes       int64 // uncompressed bytes across one top-level file; default 512 MiB
	MaxEntryBytes       int64 // uncompressed bytes of one member or XML part; default 128 MiB
	MaxRatio            int64 // uncompressed/compressed per member; default 200
	MaxTextBytes        int64 // text kept per document; default 32 MiB
	MaxSpreadsheetCells int   // default 2,000,000
	// MaxWorkerReplyBytes caps one answer line from the PDF worker, read
	// whole before it is decoded; default four times MaxTextBytes (JSON
	// escapes) plus 1 MiB.
	MaxWorkerReplyBytes int64
}

func (l *Limits) fill() {
	if l.MaxDepth == 0 {
		l.MaxDepth = 4
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = 1000
	}
	if l.MaxTotalBytes == 0 {
		l.MaxTotalBytes = 512 << 20
	}
	if l.MaxEntryBytes == 0 {
		l.MaxEntryBytes = 128 << 20
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = 200
	}
	if l.MaxTextBytes == 0 {
		l.MaxTextBytes = 32 << 20
	}
	if l.MaxSpreadsheetCells == 0 {
		l.MaxSpreadsheetCells = 2_000_000
	}
	if l.MaxWorkerReplyBytes == 0 {
		l.MaxWorkerReplyBytes = 4*l.MaxTextBytes + 1<<20
	}
}

// Options configure an Extractor. The zero value of each field is a working
// default; WorkerCommand is the only field a caller must think about.
type Options struct {
	// WorkerCommand starts a PDF worker: argv whose process runs RunWorker
	// on its stdin and stdout. foidesk passes its own executable and
	// "extract-worker"; tests pass their own binary (see TestMain).
	WorkerCommand []string
	// WorkerTimeout is the wall-clock limit for one request to a worker
	// (one PDF parse, one page render). Default 60s.
	WorkerTimeout time.Duration
	// WorkerMemoryMB caps a worker's memory; above it the worker dies and
	// the document is failed with that reason. Default 1024.
	WorkerMemoryMB int
	// Engine is "auto" (PDFium, then ledongthuc/pdf when PDFium fails or
	// its text fails the quality check), "ledongthuc" or "pdfium".
	Engine string
	// OCRLanguage is tesseract's -l argument; default "eng".
	OCRLanguage string
	// Tesseract and Antiword are paths to those programs; empty means look
	// them up on PATH; "-" means do not use them.
	Tesseract string
	Antiword  string
	// OCRTimeout bounds one page's OCR; default 120s.
	OCRTimeout time.Duration
	// MaxFileBytes refuses larger files outright; default 256 MiB.
	MaxFileBytes int64
	// CacheDir holds the compiled PDFium module so that each worker start
	// costs milliseconds instead of seconds; empty means the user cache dir.
	CacheDir string
	Limits   Limits
	Logger   *slog.Logger
}

// Extractor extracts text from files. It owns its worker process; Close it.
// It is safe for concurrent use; PDF requests are served one at a time by
// the worker.
type Extractor struct {
	opts      Options
	tesseract string
	antiword  string
	mu        sync.Mutex // guards w
	w         *workerProc
}

// WithDefaults fills the settings foidesk.toml exposes ([extract]): a 60 s
// and 1024 MB budget per document, OCR in English. They are defined here
// only; config check shows them by calling this.
func (o Options) WithDefaults() Options {
	if o.WorkerTimeout == 0 {
		o.WorkerTimeout = 60 * time.Second
	}
	if o.WorkerMemoryMB == 0 {
		o.WorkerMemoryMB = 1024
	}
	if o.OCRLanguage == "" {
		o.OCRLanguage = "eng"
	}
	return o
}

// New returns an Extractor. It starts no process until the first PDF.
func New(opts Options) (*Extractor, error) {
	if len(opts.WorkerCommand) == 0 {
		return nil, fmt.Errorf("extract: no worker command")
	}
	switch opts.Engine {
	case "":
		opts.Engine = "auto"
	case "auto", EngineLedongthuc, EnginePDFium, engineLedongthucFirst:
	default:
		return nil, fmt.Errorf("extract: unknown engine %q (want auto, ledongthuc or pdfium)", opts.Engine)
	}
	opts = opts.WithDefaults()
	if opts.OCRTimeout == 0 {
		opts.OCRTimeout = 120 * time.Second
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 256 << 20
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Limits.fill()
	x := &Extractor{opts: opts}
	x.tesseract = lookTool(opts.Tesseract, "tesseract")
	x.antiword = lookTool(opts.Antiword, "antiword")
	return x, nil
}

func lookTool(configured, name string) string {
	if configured == "-" {
		return ""
	}
	if configured != "" {
		return configured
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// OCRAvailable says whether scanned pages will be OCRed.
func (x *Extractor) OCRAvailable() bool { return x.tesseract != "" }

// Close stops the worker process.
func (x *Extractor) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w != nil {
		x.w.kill()
		x.w = nil
	}
	return nil
}
