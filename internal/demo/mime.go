package demo

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
)

// plainPart is the first text/plain part in a multipart body, looking
// inside nested multiparts.
func plainPart(r *multipart.Reader) string {
	for {
		p, err := r.NextRawPart()
		if err != nil {
			return ""
		}
		ct, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			continue
		}
		switch {
		case ct == "text/plain":
			return decodeBody(p.Header.Get("Content-Transfer-Encoding"), p)
		case strings.HasPrefix(ct, "multipart/"):
			if s := plainPart(multipart.NewReader(p, params["boundary"])); s != "" {
				return s
			}
		}
	}
}

// decodeBody decodes a part's body. It reads without a limit of its own:
// the part is a slice of a message already in memory, which the demo's
// SMTP server took no larger than its MaxMessageBytes (mailer/smtptest),
// and decoding base64 or quoted-printable only shrinks it.
func decodeBody(cte string, r io.Reader) string {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &stripCRLF{r: r})
	}
	b, _ := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// stripCRLF drops line breaks, which base64 bodies carry.
type stripCRLF struct{ r io.Reader }

func (s *stripCRLF) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
