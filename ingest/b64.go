package ingest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"sync"
)

// b64Decoder decodes a base64 MIME body read from r as its whole lines at a
// time: line breaks are cut out of a large buffer and the rest handed to
// base64.StdEncoding.Decode in one call. It accepts what go-message's
// decoder accepts (line breaks anywhere; spaces and tabs, which some
// senders fold into bodies, ignored) and, like it, stops at the first byte
// that is not base64, having written everything before it. It is several
// times faster than go-message's byte-at-a-time newline filtering, which
// was the largest cost of ingesting a reply with a PDF.
type b64Decoder struct {
	r    io.Reader
	in   []byte // raw input; in[:keep] carries a partial quantum over
	out  []byte
	keep int
}

var b64Bufs = sync.Pool{New: func() any {
	return &b64Decoder{in: make([]byte, 96<<10), out: make([]byte, 72<<10)}
}}

// decodeBase64To copies the decoded body of r to w. A write error is
// returned as it is; an input error (bad base64, a body cut short) as a
// base64.CorruptInputError or io.ErrUnexpectedEOF after everything before
// it was written.
func decodeBase64To(w io.Writer, r io.Reader) (int64, error) {
	d := b64Bufs.Get().(*b64Decoder)
	defer func() { d.r = nil; d.keep = 0; b64Bufs.Put(d) }()
	d.r = r
	var total int64
	for {
		n, rerr := io.ReadFull(d.r, d.in[d.keep:])
		eof := rerr != nil
		if eof && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return total, rerr
		}
		buf := dropLineBreaks(d.in[:d.keep+n])
		whole := len(buf) &^ 3
		if eof {
			whole = len(buf)
		}
		m, derr := base64.StdEncoding.Decode(d.out, buf[:whole])
		if derr != nil && bytes.ContainsAny(buf, " \t\r") {
			// Folded with spaces or tabs: drop them too and decode again;
			// nothing of this buffer was written yet.
			buf = dropSpace(buf)
			whole = len(buf) &^ 3
			if eof {
				whole = len(buf)
			}
			m, derr = base64.StdEncoding.Decode(d.out, buf[:whole])
		}
		if m > 0 {
			if _, err := w.Write(d.out[:m]); err != nil {
				return total, err
			}
			total += int64(m)
		}
		if derr != nil {
			var ce base64.CorruptInputError
			if eof && whole%4 != 0 && errors.As(derr, &ce) && int(ce) >= whole&^3 {
				return total, io.ErrUnexpectedEOF // cut short in the last quantum
			}
			return total, derr
		}
		if eof {
			return total, nil
		}
		d.keep = copy(d.in, buf[whole:])
	}
}

// dropLineBreaks removes CRLF and LF line breaks from b in place, a line at
// a time.
func dropLineBreaks(b []byte) []byte {
	j := 0
	for i := 0; i < len(b); {
		k := bytes.IndexByte(b[i:], '\n')
		if k < 0 {
			j += copy(b[j:], b[i:])
			break
		}
		end := i + k
		if k > 0 && b[end-1] == '\r' {
			end--
		}
		j += copy(b[j:], b[i:end])
		i += k + 1
	}
	return b[:j]
}

// dropSpace removes spaces, tabs and stray carriage returns from b in place.
func dropSpace(b []byte) []byte {
	j := 0
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			b[j] = c
			j++
		}
	}
	return b[:j]
}
