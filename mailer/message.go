// Package mailer sends a campaign's requests over SMTP, each once and only
// once: it builds the exact message bytes when a campaign is queued, and
// dispatches the outbox with persisted retries, rate limits and a
// conservative answer to every failure that might have delivered a message
// (`unknown`, left for a person, never re-sent on a guess).
package mailer

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Envelope is everything a request's message is built from.
type Envelope struct {
	Ref       string    // reference token, shown in the subject
	MessageID string    // without angle brackets
	FromName  string    // the requester's real name
	FromEmail string    // the requester's address
	ReplyTo   string    // empty: replies go to From
	ToName    string    // the authority's name
	ToEmail   string    // the authority's FOI address
	Subject   string    // without the reference
	Body      string    // plain text
	Date      time.Time // the Date header
	// InReplyTo and References thread a follow-up on the request: Message-IDs
	// without angle brackets; empty for a first letter.
	InReplyTo    string
	References   []string
	ExtraHeaders map[string]string
}

// MessageID builds the deterministic Message-ID of a request: the token
// first, so a reply's In-Reply-To or References leads back to the request
// even when its subject was rewritten, at the requester's domain. The token
// is unique in the database, so the Message-ID is too.
func MessageID(ref, fromEmail string) string {
	return ref + ".foi@" + domainOf(fromEmail)
}

// PlusAddress returns local+TOKEN@domain for the requester's address, the
// reply address that survives a council replying to a new thread.
func PlusAddress(fromEmail, ref string) string {
	local, domain, ok := strings.Cut(fromEmail, "@")
	if !ok {
		return fromEmail
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "+" + ref + "@" + domain
}

// SubjectWithRef appends the reference as "[ref: TOKEN]", unless the
// subject (a template's own) already carries it.
func SubjectWithRef(subject, ref string) string {
	subject = strings.TrimSpace(subject)
	if strings.Contains(strings.ToLower(subject), strings.ToLower("[ref: "+ref+"]")) {
		return subject
	}
	return subject + " [ref: " + ref + "]"
}

func domainOf(addr string) string {
	_, d, ok := strings.Cut(addr, "@")
	if !ok || d == "" {
		return "localhost"
	}
	return strings.ToLower(d)
}

// Build renders the RFC 5322 message for e with go-mail: UTF-8,
// quoted-printable plain text, CRLF line ends, and no header naming the
// software (neither X-Mailer nor User-Agent: the letter is the requester's,
// not a tool's). The result is stored and sent byte for byte.
func Build(e Envelope) ([]byte, error) {
	if _, err := mail.ParseAddress(e.FromEmail); err != nil {
		return nil, fmt.Errorf("requester email %q: %w", e.FromEmail, err)
	}
	if _, err := mail.ParseAddress(e.ToEmail); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", e.ToEmail, err)
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	if err := m.FromFormat(e.FromName, e.FromEmail); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.AddToFormat(e.ToName, e.ToEmail); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyToFormat(e.FromName, e.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	m.Subject(SubjectWithRef(e.Subject, e.Ref))
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDateWithValue(e.Date)
	if e.InReplyTo != "" {
		m.SetGenHeader(gomail.HeaderInReplyTo, "<"+e.InReplyTo+">")
	}
	if len(e.References) > 0 {
		m.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(e.References, "> <")+">")
	}
	for k, v := range e.ExtraHeaders {
		m.SetGenHeader(gomail.Header(k), v)
	}
	m.SetBodyString(gomail.TypeTextPlain, e.Body)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("build message: %w", err)
	}
	return buf.Bytes(), nil
}

// envelopeFrom reads the SMTP envelope sender from a stored message: MAIL
// FROM is its From address, so a later change of config cannot send a
// message whose envelope and header disagree. It reads only the header
// block, once per send, so it scans rather than parsing the whole message.
func envelopeFrom(raw []byte) (string, error) {
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i+2]
	}
	var value []byte
	found := false
	for len(head) > 0 {
		line := head
		if i := bytes.Index(head, []byte("\r\n")); i >= 0 {
			line, head = head[:i], head[i+2:]
		} else {
			head = nil
		}
		if found {
			if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
				value = append(append(value, ' '), bytes.TrimSpace(line)...)
				continue
			}
			break
		}
		if len(line) > 5 && bytes.EqualFold(line[:5], []byte("from:")) {
			found = true
			value = append(value, bytes.TrimSpace(line[5:])...)
		}
	}
	if !found {
		return "", errors.New("stored message has no From header")
	}
	from, err := mail.ParseAddress(string(value))
	if err != nil {
		return "", fmt.Errorf("stored message From: %w", err)
	}
	return from.Address, nil
}
