package extract

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"time"
)

// antiwordTimeout bounds one .doc conversion.
const antiwordTimeout = 60 * time.Second

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
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	res := Result{Engine: EngineAntiword}
	switch {
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
