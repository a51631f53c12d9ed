package demo

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Behaviour is how a simulated council answers a request.
type Behaviour int

const (
	Silent         Behaviour = iota // never answers: overdue, alerts, chasers
	AcksThenPDF                     // acknowledges with its own case reference, then sends its policy as a PDF
	OutOfOffice                     // an automatic reply, then nothing
	Bounces                         // its address has no mailbox: a delivery status notification comes back
	Clarifies                       // asks what exactly is wanted, then answers with a Word document
	NoReplyAddress                  // answers from a no-reply address, writing anew to the requester, with a zip of documents
	RefusesOnCost                   // refuses under section 12
	NotHeld                         // says the information is not held
	LatePDF                         // acknowledges, then sends the PDF after the deadline
	ScannedLetter                   // answers with its policy printed, signed and scanned: a PDF of a page image, read only by OCR
)

var behaviourNames = map[Behaviour]string{
	Silent: "silent", AcksThenPDF: "acknowledges, then a PDF", OutOfOffice: "out of office", Bounces: "bounces",
	Clarifies: "asks for clarification", NoReplyAddress: "answers from a no-reply address", RefusesOnCost: "refuses on cost",
	NotHeld: "not held", LatePDF: "answers late with a PDF", ScannedLetter: "answers with a scanned letter",
}

func (b Behaviour) String() string { return behaviourNames[b] }

// cycle is the order in which councils are given behaviours: in eleven,
// three stay silent, so that some requests go overdue and are chased. The
// scanned letter comes third, so that even a demo of three councils has a
// reply only OCR can read.
var cycle = []Behaviour{AcksThenPDF, Silent, ScannedLetter, OutOfOffice, NotHeld, Clarifies, RefusesOnCost, NoReplyAddress, Bounces, LatePDF, Silent}

// BehaviourFor is the behaviour of the i-th council of a demo.
func BehaviourFor(i int) Behaviour { return cycle[i%len(cycle)] }

// Council is one simulated authority.
type Council struct {
	Code, Name, Email string
	Does              Behaviour
}

// PolicyText is what the councils' PDF policy says.
var PolicyText = []string{
	"Recording of meetings with social workers: policy",
	"Parents may make an audio recording of meetings with our staff,",
	"provided they tell the social worker at the start of the meeting.",
	"Approved by the Corporate Parenting Board.",
}

// Councils answers what foidesk sends: Receive is given every message the
// SMTP server accepts; Run delivers each answer into the campaigner's
// mailbox when the campaign's clock reaches its time.
type Councils struct {
	Now      func() time.Time       // the campaign's clock
	Deliver  func(raw []byte) error // into the campaigner's mailbox
	Digest   string                 // the address alert digests go to
	OnDigest func(plain string)     // told the plain text of each digest

	mu        sync.Mutex
	byEmail   map[string]Council
	requests  map[string]int // first requests received, by council code
	followUps map[string]int // later letters (chasers) received, by council code
	digests   int
	replies   int
	queue     []scheduled
	errs      []error
}

type scheduled struct {
	at  time.Time
	raw func(at time.Time) []byte
}

// NewCouncils plays the given councils.
func NewCouncils(cs []Council) *Councils {
	c := &Councils{byEmail: map[string]Council{}, requests: map[string]int{}, followUps: map[string]int{}}
	for _, x := range cs {
		c.byEmail[strings.ToLower(x.Email)] = x
	}
	return c
}

var refRe = regexp.MustCompile(`\[ref: ([0-9A-Z]+)\]`)

// Receive takes one message the SMTP server accepted.
func (c *Councils) Receive(from string, to []string, data []byte) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		c.fail(err)
		return
	}
	for _, rcpt := range to {
		rcpt = strings.ToLower(rcpt)
		if c.Digest != "" && rcpt == strings.ToLower(c.Digest) {
			c.mu.Lock()
			c.digests++
			c.mu.Unlock()
			if c.OnDigest != nil {
				c.OnDigest(plainText(msg))
			}
			continue
		}
		council, ok := c.byEmail[rcpt]
		if !ok {
			continue
		}
		c.mu.Lock()
		if msg.Header.Get("In-Reply-To") != "" {
			c.followUps[council.Code]++
			c.mu.Unlock()
			continue
		}
		c.requests[council.Code]++
		first := c.requests[council.Code] == 1
		c.mu.Unlock()
		if first {
			c.answer(council, msg, data)
		}
	}
}

// Requests is the first requests each council received, by code.
func (c *Councils) Requests() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.requests))
	for k, v := range c.requests {
		out[k] = v
	}
	return out
}

// FollowUps is the number of later letters (chasers) the councils received.
func (c *Councils) FollowUps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.followUps {
		n += v
	}
	return n
}

// Digests is the number of alert digests received.
func (c *Councils) Digests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.digests
}

// Replies is the number of messages delivered to the campaigner.
func (c *Councils) Replies() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.replies
}

// Pending is the number of answers not yet delivered.
func (c *Councils) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// Errors is what went wrong while answering.
func (c *Councils) Errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *Councils) fail(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

// Run delivers the answers that fall due, looking every tick, until ctx
// ends.
func (c *Councils) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.deliverDue()
	}
}

func (c *Councils) deliverDue() {
	now := c.Now()
	c.mu.Lock()
	sort.Slice(c.queue, func(i, j int) bool { return c.queue[i].at.Before(c.queue[j].at) })
	var due []scheduled
	for len(c.queue) > 0 && !c.queue[0].at.After(now) {
		due = append(due, c.queue[0])
		c.queue = c.queue[1:]
	}
	c.mu.Unlock()
	for i, s := range due {
		if err := c.Deliver(s.raw(now)); err != nil {
			// The mailbox is down: try again at the next tick.
			c.mu.Lock()
			c.queue = append(c.queue, due[i:]...)
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		c.replies++
		c.mu.Unlock()
	}
}

func (c *Councils) later(after time.Duration, raw func(at time.Time) []byte) {
	c.mu.Lock()
	c.queue = append(c.queue, scheduled{at: c.Now().Add(after), raw: raw})
	c.mu.Unlock()
}

const day = 24 * time.Hour

// answer schedules council x's answers to the request msg.
func (c *Councils) answer(x Council, msg *mail.Message, raw []byte) {
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	ref := ""
	if m := refRe.FindStringSubmatch(subject); m != nil {
		ref = m[1]
	}
	replyTo := msg.Header.Get("Reply-To")
	if replyTo == "" {
		replyTo = msg.Header.Get("From")
	}
	to, err := mail.ParseAddress(replyTo)
	if err != nil {
		c.fail(fmt.Errorf("%s: reply-to %q: %w", x.Code, replyTo, err))
		return
	}
	reqFrom, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		c.fail(fmt.Errorf("%s: from: %w", x.Code, err))
		return
	}
	l := letter{council: x, subject: subject, ref: ref, inReplyTo: msg.Header.Get("Message-ID"), to: to.Address}
	caseRef := fmt.Sprintf("FOI/%s/%04d", strings.ToUpper(x.Code), len(x.Name)*37%10000)
	switch x.Does {
	case Silent:
	case AcksThenPDF, LatePDF:
		c.later(20*time.Hour, func(at time.Time) []byte {
			return l.text(at, "RE: "+subject, "Dear Requester,\r\n\r\nThank you for your request for information, which we received on "+
				at.Format("2 January 2006")+".\r\nWe are dealing with it under the Freedom of Information Act 2000. Our reference is "+caseRef+
				"; please quote it in any correspondence.\r\nYou should receive a response within 20 working days.\r\n\r\nInformation Governance Team\r\n"+x.Name+"\r\n", nil)
		})
		after := 12 * day
		if x.Does == LatePDF {
			after = 36 * day
		}
		c.later(after, func(at time.Time) []byte { return l.pdf(at, caseRef) })
	case ScannedLetter:
		c.later(10*day, func(at time.Time) []byte {
			return l.withFiles(at, "RE: "+subject, fmt.Sprintf("Dear Requester,\r\n\r\nOur reference: %s.\r\nPlease find attached a scanned copy of our signed response, "+
				"with the council's policy on the recording of meetings.\r\n\r\nInformation Governance Team\r\n", caseRef),
				attachment{ScannedFilename, "application/pdf", ScannedPolicyPDF(append([]string{x.Name}, PolicyText...)...)})
		})
	case OutOfOffice:
		c.later(3*time.Minute, func(at time.Time) []byte {
			return l.text(at, "Automatic reply: "+subject, "Thank you for your email. I am out of the office until Monday with limited access to email.\r\n"+
				"For urgent matters please contact the duty team.\r\n", [][2]string{{"Auto-Submitted", "auto-replied"}, {"X-Autoreply", "yes"}})
		})
	case Bounces:
		c.later(2*time.Minute, func(at time.Time) []byte { return l.bounce(at, reqFrom.Address, raw) })
	case Clarifies:
		c.later(3*day, func(at time.Time) []byte {
			return l.text(at, "RE: "+subject, "Dear Requester,\r\n\r\nBefore we can deal with your request, please clarify: do you mean meetings held under "+
				"child protection procedures only, or all meetings with children's services staff?\r\n\r\nInformation Governance Team\r\n", nil)
		})
		c.later(16*day, func(at time.Time) []byte {
			return l.withFiles(at, "RE: "+subject, "Dear Requester,\r\n\r\nFurther to your request: the council has no separate written policy. Its practice guidance "+
				"is attached.\r\n\r\nInformation Governance Team\r\n", attachment{"practice-guidance.docx", docxType, policyDOCX(GuidanceText...)})
		})
	case NoReplyAddress:
		c.later(15*day, func(at time.Time) []byte {
			n := l
			n.from = "noreply@" + domainOf(x.Email)
			n.to = reqFrom.Address
			n.inReplyTo = ""
			docs := zipOf([][2]string{
				{"recording-policy.pdf", string(PolicyPDF(append([]string{x.Name}, PolicyText...)...))},
				{"practice-guidance.docx", string(policyDOCX(GuidanceText...))},
			})
			return n.withFiles(at, fmt.Sprintf("Your information request [ref: %s] - our response", ref), "Dear Requester,\r\n\r\nIn response to your request, "+
				"the council's policy and its guidance for staff are attached in one archive.\r\n"+
				"This mailbox is not monitored; please do not reply to this email.\r\n", attachment{"foi-response.zip", "application/zip", docs})
		})
	case RefusesOnCost:
		c.later(18*day, func(at time.Time) []byte {
			return l.text(at, "RE: "+subject, "Dear Requester,\r\n\r\nWe have considered your request under the Freedom of Information Act 2000.\r\n"+
				"We estimate that the cost of complying with it would exceed the appropriate limit of £450, so we are refusing your request under section 12 of the Act.\r\n"+
				"If you narrow your request we will consider it again. You may ask for an internal review within 40 working days.\r\n\r\nInformation Governance Team\r\n", nil)
		})
	case NotHeld:
		c.later(9*day, func(at time.Time) []byte {
			return l.text(at, "RE: "+subject, "Dear Requester,\r\n\r\nWe can confirm that the information you asked for is not held by the council: "+
				"it has no written policy on the recording of meetings by parents.\r\nThis response is made under section 1(1)(a) of the Freedom of Information Act 2000.\r\n\r\n"+
				"Information Governance Team\r\n", nil)
		})
	}
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// letter is what a council writes back about one request.
type letter struct {
	council                     Council
	subject, ref, inReplyTo, to string
	from                        string // "" is the council's own address
}

var seq struct {
	sync.Mutex
	n int
}

func (l letter) headers(at time.Time, subject string, extra [][2]string) *strings.Builder {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	from := l.from
	if from == "" {
		from = l.council.Email
	}
	var h strings.Builder
	header := func(k, v string) { fmt.Fprintf(&h, "%s: %s\r\n", k, v) }
	header("Date", at.Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%d.%d.%s@%s>", at.UnixNano(), n, strings.ToLower(l.council.Code), domainOf(l.council.Email)))
	header("From", fmt.Sprintf("%s <%s>", mime.QEncoding.Encode("utf-8", l.council.Name), from))
	header("To", l.to)
	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	if l.inReplyTo != "" {
		header("In-Reply-To", l.inReplyTo)
		header("References", l.inReplyTo)
	}
	for _, kv := range extra {
		header(kv[0], kv[1])
	}
	header("MIME-Version", "1.0")
	return &h
}

func (l letter) text(at time.Time, subject, body string, extra [][2]string) []byte {
	h := l.headers(at, subject, extra)
	h.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	h.WriteString(body)
	return []byte(h.String())
}

// attachment is a file a council sends.
type attachment struct {
	name, contentType string
	data              []byte
}

func (l letter) pdf(at time.Time, caseRef string) []byte {
	return l.withFiles(at, "RE: "+l.subject, fmt.Sprintf("Dear Requester,\r\n\r\nOur reference: %s.\r\nPlease find attached our policy on the recording of meetings, which answers your request.\r\n\r\nInformation Governance Team\r\n", caseRef),
		attachment{"recording-policy.pdf", "application/pdf", PolicyPDF(append([]string{l.council.Name}, PolicyText...)...)})
}

// withFiles is a reply of body with files attached.
func (l letter) withFiles(at time.Time, subject, body string, files ...attachment) []byte {
	h := l.headers(at, subject, nil)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fmt.Fprintf(h, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", w.Boundary())
	pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprint(pw, body)
	for _, f := range files {
		aw, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {fmt.Sprintf("%s; name=%q", f.contentType, f.name)},
			"Content-Disposition":       {fmt.Sprintf("attachment; filename=%q", f.name)},
			"Content-Transfer-Encoding": {"base64"},
		})
		writeBase64(aw, f.data)
	}
	w.Close()
	return append([]byte(h.String()), b.Bytes()...)
}

// ScannedFilename is the name of the scanned letter's attachment.
const ScannedFilename = "signed-response-scan.pdf"

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// GuidanceText is what the councils' Word guidance says.
var GuidanceText = []string{
	"Practice guidance: recording of meetings",
	"Parents may record meetings with social workers if they tell the worker first.",
	"Recordings are the parent's own; the council keeps its own minutes.",
}

// bounce is the delivery status notification a mail server sends back
// when the council's address has no mailbox.
func (l letter) bounce(at time.Time, requester string, request []byte) []byte {
	n := l
	n.council = Council{Code: l.council.Code, Name: "Mail Delivery System", Email: "MAILER-DAEMON@" + domainOf(l.council.Email)}
	n.to = requester
	n.inReplyTo = ""
	h := n.headers(at, "Undelivered Mail Returned to Sender", [][2]string{{"Auto-Submitted", "auto-replied"}})
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fmt.Fprintf(h, "Content-Type: multipart/report; report-type=delivery-status; boundary=%q\r\n\r\n", w.Boundary())
	pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprintf(pw, "This is the mail system at host mx.%s.\r\n\r\nYour message could not be delivered to one or more recipients.\r\n\r\n<%s>: host mx.%s said: 550 5.1.1 User unknown\r\n",
		domainOf(l.council.Email), l.council.Email, domainOf(l.council.Email))
	dw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"message/delivery-status"}})
	fmt.Fprintf(dw, "Reporting-MTA: dns; mx.%s\r\nArrival-Date: %s\r\n\r\nFinal-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n",
		domainOf(l.council.Email), at.Format(time.RFC1123Z), l.council.Email, l.council.Email)
	hw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/rfc822-headers"}})
	if i := bytes.Index(request, []byte("\r\n\r\n")); i >= 0 {
		hw.Write(request[:i+2])
	} else if i := bytes.Index(request, []byte("\n\n")); i >= 0 {
		hw.Write(request[:i+1])
	}
	w.Close()
	return append([]byte(h.String()), b.Bytes()...)
}

func writeBase64(w interface{ Write([]byte) (int, error) }, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		fmt.Fprint(w, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	fmt.Fprint(w, enc+"\r\n")
}

// plainText is the text/plain part of a message (the whole body when it
// is not multipart).
func plainText(msg *mail.Message) string {
	ct, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(ct, "multipart/") {
		return decodeBody(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	return plainPart(multipart.NewReader(msg.Body, params["boundary"]))
}
