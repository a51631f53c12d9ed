// Package ingest brings replies in from IMAP and makes sense of them: it
// stores each raw message durably, walks its MIME structure (charsets,
// forwarded messages, HTML-only bodies, TNEF), stores attachments, matches
// the reply to the request it answers and decides what kind of mail it is.
package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // windows-1252, iso-8859-*, and the rest
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"foidesk/blob"
	"foidesk/store/mail"
)

// Limits bound the work one message can cause. A message over a limit is
// kept raw and marked with the reason; it is never dropped.
type Limits struct {
	MaxMessageBytes int64 // larger messages: headers only
	MaxParts        int   // MIME parts walked
	MaxDepth        int   // nesting of multiparts and forwarded messages
}

// DefaultLimits are used for zero fields.
var DefaultLimits = Limits{MaxMessageBytes: 100 << 20, MaxParts: 500, MaxDepth: 20}

// WithDefaults fills unset limits from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = DefaultLimits.MaxMessageBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = DefaultLimits.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// maxText caps the readable text kept per message: enough for triage,
// matching and a reviewer's first look; attachments carry the documents.
const maxText = 1 << 20

// Embedded is the header of a message quoted inside another: a forwarded
// reply (message/rfc822) or the returned original in a bounce.
type Embedded struct {
	MessageID  string
	InReplyTo  []string
	References []string
	Subject    string
	From       string
	To         []string
}

// DSNRecipient is one per-recipient block of a delivery status report.
type DSNRecipient struct {
	FinalRecipient string
	Action         string
	Status         string
	Diagnostic     string
}

// Parsed is what foidesk reads out of one message.
type Parsed struct {
	MessageID   string
	InReplyTo   []string
	References  []string
	From        string // lower-cased address
	FromName    string
	Recipients  []string // To, Cc, Delivered-To, X-Original-To addresses
	Subject     string
	Date        time.Time
	Header      textproto.Header // top-level header, for triage
	ContentType string           // top-level media type
	ReportType  string           // report-type parameter of multipart/report

	Text        string // readable text: plain parts, else HTML converted
	Attachments []mail.NewAttachment
	DSN         []DSNRecipient
	Embedded    []Embedded
	Problem     string // why parsing stopped short; the raw file is complete
}

// parser walks one message.
type parser struct {
	blobs   blob.Store
	lim     Limits
	out     *Parsed
	parts   int
	plain   strings.Builder
	html    strings.Builder
	stop    bool
	noBlob  bool   // fuzzing: count attachments, write nothing
	lastRaw string // with noBlob: the last attachment's bytes (small inputs only)
}

// Parse reads a whole raw message from r, writes its attachments to blobs,
// and returns what it found. size is the raw size, checked against
// lim.MaxMessageBytes. A malformed part is noted in Problem and skipped;
// an error is returned only when the blob store fails (temporary: retry).
func Parse(r io.Reader, size int64, blobs blob.Store, lim Limits) (*Parsed, error) {
	return parse(r, size, blobs, lim, false)
}

// parse is Parse; noBlob (for fuzzing) counts attachments without storing.
func parse(r io.Reader, size int64, blobs blob.Store, lim Limits, noBlob bool) (*Parsed, error) {
	lim = lim.WithDefaults()
	p := &parser{blobs: blobs, lim: lim, out: &Parsed{}, noBlob: noBlob}
	h, body, err := readEntity(r)
	if err != nil {
		p.out.Problem = fmt.Sprintf("unreadable header: %v", err)
		return p.out, nil
	}
	p.readTopHeader(h)
	if size > lim.MaxMessageBytes {
		p.out.Problem = fmt.Sprintf("message is %d bytes, over max_message_bytes %d: headers only, raw kept", size, lim.MaxMessageBytes)
		return p.out, nil
	}
	if err := p.walk(h, body, "", 0); err != nil {
		return nil, err
	}
	p.finish()
	return p.out, nil
}

// maxHeaderBytes bounds one header block, as go-message's Read does.
const maxHeaderBytes = 1 << 20

// readEntity reads a header block of at most maxHeaderBytes from r and
// returns it with a reader of the body, still transfer-encoded: unlike
// message.Read, which decodes the body itself, this leaves the walk free to
// decode an attachment the fast way.
func readEntity(r io.Reader) (message.Header, io.Reader, error) {
	lr := &headerLimit{r: r, n: maxHeaderBytes}
	br := bufio.NewReaderSize(lr, 32<<10)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return message.Header{}, nil, err
	}
	lr.n = math.MaxInt64
	return message.Header{Header: h}, br, nil
}

// headerLimit is io.LimitedReader with go-message's error for a header
// that is too big.
type headerLimit struct {
	r io.Reader
	n int64
}

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errHeaderTooBig
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

var errHeaderTooBig = errors.New("message: header exceeds maximum size")

func (p *parser) problem(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if p.out.Problem == "" {
		p.out.Problem = msg
	} else if !strings.Contains(p.out.Problem, msg) && len(p.out.Problem) < 2000 {
		p.out.Problem += "; " + msg
	}
}

func (p *parser) readTopHeader(h message.Header) {
	mh := gomail.Header{Header: h}
	p.out.Header = h.Header
	p.out.MessageID, _ = mh.MessageID()
	p.out.InReplyTo, _ = mh.MsgIDList("In-Reply-To")
	p.out.References, _ = mh.MsgIDList("References")
	if len(p.out.References) == 0 {
		p.out.References = looseMsgIDs(h.Get("References"))
	}
	if len(p.out.InReplyTo) == 0 {
		p.out.InReplyTo = looseMsgIDs(h.Get("In-Reply-To"))
	}
	if from, err := mh.AddressList("From"); err == nil && len(from) > 0 {
		p.out.From, p.out.FromName = strings.ToLower(from[0].Address), from[0].Name
	} else {
		p.out.From = strings.ToLower(looseAddress(h.Get("From")))
	}
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"} {
		for _, f := range h.Values(k) {
			p.out.Recipients = append(p.out.Recipients, addressesIn(f)...)
		}
	}
	if s, err := mh.Subject(); err == nil {
		p.out.Subject = s
	} else {
		p.out.Subject = h.Get("Subject")
	}
	p.out.Date, _ = mh.Date()
	ct, params, _ := h.ContentType()
	p.out.ContentType = ct
	p.out.ReportType = strings.ToLower(params["report-type"])
}

// walk visits one entity, given its header and its body as it is on the
// wire (transfer-encoded).
func (p *parser) walk(h message.Header, raw io.Reader, path string, depth int) error {
	if p.stop {
		return nil
	}
	p.parts++
	if p.parts > p.lim.MaxParts {
		p.problem("more than %d MIME parts (max_parts): the rest not parsed, raw kept", p.lim.MaxParts)
		p.stop = true
		return nil
	}
	if depth > p.lim.MaxDepth {
		p.problem("MIME nesting deeper than %d (max_depth) at part %s: not parsed, raw kept", p.lim.MaxDepth, path)
		return nil
	}
	ct, params, err := h.ContentType()
	if strings.HasPrefix(ct, "multipart/") {
		// As go-message does: a multipart body is never transfer-decoded.
		mr := textproto.NewMultipartReader(raw, params["boundary"])
		for i := 1; ; i++ {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				p.problem("part %s: %v", orTop(path), err)
				break
			}
			if err := p.walk(message.Header{Header: part.Header}, part, join(path, i), depth+1); err != nil {
				return err
			}
			if p.stop {
				break
			}
		}
		return nil
	}
	// An unknown charset or transfer encoding leaves the body readable as
	// it is.
	e, readErr := message.New(h, raw)
	if readErr != nil {
		p.problem("part %s: %v", orTop(path), readErr)
	}
	if err != nil || ct == "" {
		ct = "text/plain"
	}
	disp, dparams, _ := h.ContentDisposition()
	ah := gomail.AttachmentHeader{Header: h}
	filename, _ := ah.Filename()
	if filename == "" {
		filename = dparams["filename"]
	}
	attachment := disp == "attachment" || filename != ""
	switch {
	case ct == "message/rfc822" || ct == "message/global":
		ih, body, err := readEntity(e.Body)
		if err != nil {
			p.problem("forwarded message at part %s: %v", path, err)
			return nil
		}
		p.out.Embedded = append(p.out.Embedded, embeddedFrom(ih.Header))
		return p.walk(ih, body, join(path, 1), depth+1)
	case ct == "text/rfc822-headers":
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(e.Body, 1<<20)))
		if err == nil || h.Len() > 0 {
			p.out.Embedded = append(p.out.Embedded, embeddedFrom(h))
		}
		return nil
	case ct == "message/delivery-status" || ct == "message/global-delivery-status":
		p.out.DSN = append(p.out.DSN, parseDSN(io.LimitReader(e.Body, 1<<20))...)
		return nil
	case isTNEF(ct, filename):
		return p.tnef(e.Body, path, filename)
	case !attachment && ct == "text/plain":
		p.appendText(&p.plain, e.Body)
		return nil
	case !attachment && ct == "text/html":
		p.appendText(&p.html, e.Body)
		return nil
	}
	if readErr == nil && strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		return p.attach(raw, true, path, filename, ct)
	}
	return p.attach(e.Body, false, path, filename, ct)
}

func (p *parser) appendText(b *strings.Builder, r io.Reader) {
	room := maxText - b.Len()
	if room <= 0 {
		io.Copy(io.Discard, r)
		return
	}
	if b.Len() > 0 {
		b.WriteString("\n")
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(room)))
	b.Write(data)
	if err != nil {
		p.problem("text part: %v", err)
	}
	io.Copy(io.Discard, r)
}

// attach streams one attachment into the blob store; b64 says r is still
// base64-encoded.
func (p *parser) attach(r io.Reader, b64 bool, path, filename, ct string) error {
	if p.noBlob {
		var data []byte
		if b64 {
			c := &capBuffer{max: 1 << 20}
			decodeBase64To(c, r)
			data = c.b
		} else {
			data, _ = io.ReadAll(io.LimitReader(r, 1<<20))
		}
		n := int64(len(data))
		p.lastRaw = string(data)
		p.out.Attachments = append(p.out.Attachments, mail.NewAttachment{Part: orTop(path), Filename: filename, ContentType: ct, Size: n})
		return nil
	}
	w, err := p.blobs.Create()
	if err != nil {
		return err
	}
	if b64 {
		_, err = decodeBase64To(fsWriter{w}, r)
	} else {
		_, err = io.Copy(fsWriter{w}, r)
	}
	if err != nil {
		var pe *fsError
		if errors.As(err, &pe) {
			w.Abort()
			return err
		}
		// A decoding error (bad base64, truncated part): keep what decoded,
		// note the problem; the raw message is complete on disk.
		p.problem("attachment %q at part %s: %v", filename, orTop(path), err)
	}
	sum, n, err := w.Commit()
	if err != nil {
		return err
	}
	p.out.Attachments = append(p.out.Attachments, mail.NewAttachment{
		Part: orTop(path), Filename: filename, ContentType: ct, Size: n, SHA256: sum})
	return nil
}

// capBuffer keeps the first max bytes written to it and drops the rest.
type capBuffer struct {
	b   []byte
	max int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.b = append(c.b, p[:min(len(p), c.max-len(c.b))]...)
	return len(p), nil
}

// fsError marks a failure of the blob store, as opposed to of the input.
type fsError struct{ error }

func (e *fsError) Unwrap() error { return e.error }

type fsWriter struct{ w io.Writer }

func (f fsWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err != nil {
		err = &fsError{err}
	}
	return n, err
}

func (p *parser) finish() {
	text := p.plain.String()
	if strings.TrimSpace(text) == "" && p.html.Len() > 0 {
		text = HTMLToText(p.html.String())
	}
	p.out.Text = strings.ToValidUTF8(text, "\uFFFD")
}

func orTop(path string) string {
	if path == "" {
		return "1"
	}
	return path
}

func join(path string, i int) string {
	if path == "" {
		return fmt.Sprint(i)
	}
	return fmt.Sprintf("%s.%d", path, i)
}

func embeddedFrom(h textproto.Header) Embedded {
	mh := gomail.Header{Header: message.Header{Header: h}}
	var e Embedded
	e.MessageID, _ = mh.MessageID()
	e.InReplyTo, _ = mh.MsgIDList("In-Reply-To")
	e.References, _ = mh.MsgIDList("References")
	if len(e.References) == 0 {
		e.References = looseMsgIDs(h.Get("References"))
	}
	if s, err := mh.Subject(); err == nil {
		e.Subject = s
	} else {
		e.Subject = h.Get("Subject")
	}
	e.From = looseAddress(h.Get("From"))
	for _, k := range []string{"To", "Cc"} {
		e.To = append(e.To, addressesIn(h.Get(k))...)
	}
	return e
}

// parseDSN reads a message/delivery-status body (RFC 3464): a per-message
// block, then one block per recipient.
func parseDSN(r io.Reader) []DSNRecipient {
	br := bufio.NewReader(r)
	var out []DSNRecipient
	for i := 0; i < 1000; i++ {
		h, err := textproto.ReadHeader(br)
		if h.Len() > 0 && (h.Has("Final-Recipient") || h.Has("Original-Recipient") || h.Has("Status") || h.Has("Action")) {
			rcpt := h.Get("Final-Recipient")
			if rcpt == "" {
				rcpt = h.Get("Original-Recipient")
			}
			if _, addr, ok := strings.Cut(rcpt, ";"); ok {
				rcpt = addr
			}
			out = append(out, DSNRecipient{
				FinalRecipient: strings.ToLower(strings.Trim(strings.TrimSpace(rcpt), "<>")),
				Action:         strings.ToLower(strings.TrimSpace(h.Get("Action"))),
				Status:         strings.TrimSpace(firstField(h.Get("Status"))),
				Diagnostic:     strings.TrimSpace(h.Get("Diagnostic-Code")),
			})
		}
		if err != nil {
			break
		}
		// skip blank lines between blocks
		for {
			b, err := br.Peek(1)
			if err != nil || (b[0] != '\r' && b[0] != '\n') {
				break
			}
			br.ReadByte()
		}
		if _, err := br.Peek(1); err != nil {
			break
		}
	}
	return out
}

func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
