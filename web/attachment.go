package web

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Attachments from replies are only ever downloaded, never shown in the
// page: an HTML or SVG "attachment" opened in the app's origin could run
// script as the reviewer.

// attachmentTypes are the content types an attachment is served with as
// declared; anything else is application/octet-stream. None of them is
// rendered by a browser as a page of this origin once it is an attachment
// with nosniff.
var attachmentTypes = map[string]string{
	"application/pdf":          "application/pdf",
	"text/plain":               "text/plain; charset=utf-8",
	"text/csv":                 "text/csv; charset=utf-8",
	"image/png":                "image/png",
	"image/jpeg":               "image/jpeg",
	"image/gif":                "image/gif",
	"image/tiff":               "image/tiff",
	"application/zip":          "application/zip",
	"application/msword":       "application/msword",
	"application/rtf":          "application/rtf",
	"application/vnd.ms-excel": "application/vnd.ms-excel",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text":                                   "application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet":                            "application/vnd.oasis.opendocument.spreadsheet",
}

// AttachmentType is the Content-Type an attachment declared as declared
// is served with.
func AttachmentType(declared string) string {
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return "application/octet-stream"
	}
	if ct, ok := attachmentTypes[strings.ToLower(mt)]; ok {
		return ct
	}
	return "application/octet-stream"
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
