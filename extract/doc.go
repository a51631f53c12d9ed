package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// antiwordTimeout bounds one .doc conversion.
const antiwordTimeout = 60 * time.Second

// antiwordStderrBytes is how much of antiword's complaints is kept: the
// start says what went wrong.
const antiwordStderrBytes = 64 << 10

// extractDoc reads a Word 97–2003 document with antiword, a separate
// process, so its crashes cost nothing but this document.
func (x *Extractor) extractDoc(ctx context.Context, path string) Result {
	// Word and Excel 2007+ files with a password to open are stored as an
	// OLE2 container holding an "EncryptedPackage" stream.
	if data, err := readLimited(path, x.opts.MaxFileBytes); err == nil && bytes.Contains(data, utf16le("EncryptedPackage")) {
		return Result{Status: StatusEncrypted, Reason: "a password-protected Office document (Word or Excel 2007 or later, encrypted); ask the authority for an unprotected copy"}
	}
	if x.antiword == "" {
		return Result{Status: StatusUnsupported, Reason: "a Word 97–2003 (.doc) or other OLE2 file, and antiword is not installed; install it (apt-get install antiword) and reextract, or ask for PDF or .docx"}
	}
	ctx, cancel := context.WithTimeout(ctx, antiwordTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, x.antiword, "-w", "0", "-m", "UTF-8.txt", path)
	// Its text is held to the extractor's text limit: a crafted .doc can
	// make antiword print far more than the file's size. Its complaints
	// are kept to their start.
	stdout := cappedBuffer{max: x.opts.Limits.MaxTextBytes, refuse: true}
	stderr := cappedBuffer{max: antiwordStderrBytes}
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	res := Result{Engine: EngineAntiword}
	switch {
	case stdout.over:
		res.Status, res.Reason = StatusFailed, fmt.Sprintf("antiword's text is larger than the text limit (%d bytes); ask the authority for a PDF or .docx", x.opts.Limits.MaxTextBytes)
	case ctx.Err() == context.DeadlineExceeded:
		res.Status, res.Reason = StatusFailed, "antiword did not finish within "+antiwordTimeout.String()
	case strings.Contains(strings.ToLower(msg), "encrypted"):
		res.Status, res.Reason = StatusEncrypted, "the Word document is password protected"
	case strings.Contains(strings.ToLower(msg), "not a word document"), strings.Contains(strings.ToLower(msg), "not contain a word document"):
		res.Status, res.Reason = StatusUnsupported, "an OLE2 file that is not a Word document (an Excel .xls or Outlook .msg, perhaps), which foidesk does not read"
	case strings.Contains(msg, "before Word 6"):
		res.Status, res.Reason = StatusUnsupported, "a Word document older than Word 6 (1993), which antiword cannot read"
	case err != nil:
		res.Status, res.Reason = StatusFailed, "antiword: "+firstNonEmpty(msg, err.Error())
	default:
		res.Pages = []Page{{Number: 1, Text: antiwordTables(stdout.String())}}
	}
	return res
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// antiwordTables turns antiword's table rows ("|Cell 1   |Cell 2   |")
// into tab-separated cells, as the other formats' tables are.
func antiwordTables(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if len(t) < 2 || t[0] != '|' || t[len(t)-1] != '|' {
			continue
		}
		cells := strings.Split(t[1:len(t)-1], "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		lines[i] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

// utf16le encodes an ASCII name as OLE2 directory entries store it.
func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// errOverLimit: a cappedBuffer that refuses more was given more.
var errOverLimit = errors.New("output over its limit")

// cappedBuffer holds at most max bytes of a program's output. Given more,
// it keeps what fits and notes it (over); one that refuses then fails the
// write, so the copy stops and the program's next write fails on its
// closed pipe, rather than being read to its end. It has no ReadFrom (a
// bytes.Buffer's would read past the cap), so every copy goes through
// Write.
type cappedBuffer struct {
	buf    bytes.Buffer
	max    int64
	refuse bool
	over   bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := max(b.max-int64(b.buf.Len()), 0)
	if int64(len(p)) <= room {
		return b.buf.Write(p)
	}
	b.over = true
	b.buf.Write(p[:room])
	if b.refuse {
		return int(room), errOverLimit
	}
	return len(p), nil
}

// String is what the buffer holds.
func (b *cappedBuffer) String() string { return b.buf.String() }
