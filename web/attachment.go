package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Attachments from replies are only ever downloaded, never shown in the
// page: an HTML or SVG "attachment" opened in the app's origin could run
// script as the reviewer.

// attachmentTypes are the content types an attachment keeps when it
// declares one of them; anything else is application/octet-stream. With
// Content-Disposition: attachment and nosniff, none of them is shown by
// a browser as a page of this origin.
var attachmentTypes = map[string]bool{
	"application/pdf": true, "application/rtf": true, "application/zip": true,
	"text/plain": true, "text/csv": true, "message/rfc822": true,
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/tiff": true,
	"application/msword":       true,
	"application/vnd.ms-excel": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
}

var charsetName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

// AttachmentType is the Content-Type an attachment that declared
// declared is served with: an allowed type, text keeping a plain charset
// name (UTF-8 when it gave none), else application/octet-stream.
func AttachmentType(declared string) string {
	mt, params, err := mime.ParseMediaType(declared)
	mt = strings.ToLower(mt)
	if err != nil || !attachmentTypes[mt] {
		return "application/octet-stream"
	}
	if strings.HasPrefix(mt, "text/") {
		cs := params["charset"]
		if !charsetName.MatchString(cs) {
			cs = "utf-8"
		}
		return mt + "; charset=" + strings.ToLower(cs)
	}
	return mt
}

// ContentDisposition is an attachment header for filename: an ASCII
// fallback for old clients and the exact name in RFC 5987 encoding.
func ContentDisposition(filename string) string {
	return `attachment; filename="` + asciiFilename(filename) + `"; filename*=UTF-8''` + rfc5987(filename)
}

// asciiFilename keeps the letters, digits and a few safe marks of name and
// replaces the rest with "_": no quotes, slashes, control characters or
// leading dots reach the header or the user's disk.
func asciiFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_', c == ' ', c == '(', c == ')':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 120 {
			break
		}
	}
	out := strings.Trim(b.String(), ". ")
	if out == "" {
		return "attachment"
	}
	return out
}

// rfc5987 percent-encodes s for a filename* parameter (attr-char kept).
func rfc5987(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "attachment"
	}
	return b.String()
}

// ServeAttachment sends content as a download named filename, its type
// from the allowlist, sniffing off and a CSP sandbox in case a browser
// opens it anyway. modtime may be zero.
func ServeAttachment(w http.ResponseWriter, r *http.Request, filename, declaredType string, modtime time.Time, content io.ReadSeeker) {
	h := w.Header()
	h.Set("Content-Type", AttachmentType(declaredType))
	h.Set("Content-Disposition", ContentDisposition(filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", modtime, content)
}
