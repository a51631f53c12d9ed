package web

import (
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // windows-1252, iso-8859-*, and the rest
	gomail "github.com/emersion/go-message/mail"
)

// The message page reads two things the store does not keep from the raw
// message: the recipients, and the HTML part for "show formatted". Both
// are read here, bounded, and never shown but through TextHTML-style
// escaping (the template) or SanitizeHTML.

// maxHTMLPart bounds the HTML part read for "show formatted": a letter's
// markup is a few hundred kilobytes at most; a bigger part is cut.
const maxHTMLPart = 2 << 20

// maxHTMLParts bounds how many MIME parts are walked to find it.
const maxHTMLParts = 200

// rawHeaders are the header fields the message page shows that the store
// does not keep.
type rawHeaders struct {
	To, Cc string
}

// readRawHeaders reads the recipients from a raw message's header.
func readRawHeaders(r io.Reader) (rawHeaders, error) {
	e, err := message.Read(r)
	if e == nil {
		return rawHeaders{}, err
	}
	h := gomail.Header{Header: e.Header}
	return rawHeaders{To: addressList(h, "To"), Cc: addressList(h, "Cc")}, nil
}

// addressList is a header's addresses, readable; the raw field when it
// does not parse.
func addressList(h gomail.Header, key string) string {
	list, err := h.AddressList(key)
	if err != nil || len(list) == 0 {
		v, _ := h.Text(key)
		return v
	}
	out := make([]string, len(list))
	for i, a := range list {
		if a.Name != "" {
			out[i] = a.Name + " <" + a.Address + ">"
		} else {
			out[i] = a.Address
		}
	}
	return strings.Join(out, ", ")
}

// readHTMLPart returns the first text/html part of a raw message that is
// not an attachment, decoded to UTF-8 and cut at maxHTMLPart; "" when
// there is none.
func readHTMLPart(r io.Reader) (string, error) {
	e, err := message.Read(r)
	if e == nil {
		return "", err
	}
	var html string
	parts := 0
	errFound := errors.New("found")
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return err
		}
		if parts++; parts > maxHTMLParts {
			return errFound
		}
		mt, _, _ := part.Header.ContentType()
		if !strings.EqualFold(mt, "text/html") {
			return nil
		}
		if disp, _, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition")); strings.EqualFold(disp, "attachment") {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(part.Body, maxHTMLPart))
		if err != nil {
			return err
		}
		html = strings.ToValidUTF8(string(b), "\uFFFD")
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) && html == "" {
		return "", err
	}
	return html, nil
}
