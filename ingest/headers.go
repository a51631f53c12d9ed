package ingest

import (
	"io"
	"strings"

	gomail "github.com/emersion/go-message/mail"
)

// Headers are the header fields of a stored message that foidesk does not
// keep in the database but a person reading the message wants to see.
type Headers struct {
	To        string   // as written, encoded words decoded
	Cc        string   // as written, encoded words decoded
	InReplyTo []string // message IDs, without brackets
}

// ReadHeaders reads the top-level header of a raw message from r, and
// nothing after it.
func ReadHeaders(r io.Reader) (Headers, error) {
	h, _, err := readEntity(r)
	if err != nil {
		return Headers{}, err
	}
	mh := gomail.Header{Header: h}
	var out Headers
	out.To = headerText(mh, "To")
	out.Cc = headerText(mh, "Cc")
	out.InReplyTo, _ = mh.MsgIDList("In-Reply-To")
	if len(out.InReplyTo) == 0 {
		out.InReplyTo = looseMsgIDs(h.Get("In-Reply-To"))
	}
	return out, nil
}

// headerText is a field's text with encoded words decoded, or as written
// when they cannot be.
func headerText(mh gomail.Header, key string) string {
	if s, err := mh.Text(key); err == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(mh.Get(key))
}
