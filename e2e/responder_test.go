//go:build e2e

package e2e

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"foidesk/internal/demo"
)

// behaviour is how a council answers a request.
type behaviour int

const (
	silent behaviour = iota
	acknowledges
	outOfOffice
	sendsPolicyPDF
	refusesOnCost
	notHeld
	noReplyAddress
	bounces         // its address has no mailbox: Postfix bounces the request
	sendsScannedPDF // its signed letter scanned to PDF: no text layer, read only by OCR
)

// council is one simulated authority: a local mailbox (unless it
// bounces) and how it behaves.
type council struct {
	Code, Name, Nation, Email string
	Does                      behaviour
}

// policyText is what the PDF policy says; the suite looks for it in the
// extracted text.
var policyText = []string{
	"Recording of meetings with social workers: policy",
	"Parents may make an audio recording of meetings with our staff.",
	"Approved by the Corporate Parenting Board.",
}

// words is s in lower case, split at anything not a letter or digit: OCR
// text is compared word by word.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// responder plays the councils: it watches their Maildirs and answers each
// request as the council would, through Postfix (SMTP with STARTTLS, as a
// council's mail server would relay), retrying while Postfix is down.
type responder struct {
	root     *mailRoot
	smtpAddr string
	roots    *x509.CertPool
	councils []council

	mu      sync.Mutex
	seen    map[string]bool // Maildir file names read
	pending []outgoing      // replies not yet accepted by Postfix
	sent    map[string]int  // replies accepted, by council code
	errs    []error
}

type outgoing struct {
	code, from, to string
	data           []byte
}

var refRe = regexp.MustCompile(`\[ref: ([0-9A-Z]{8})\]`)

func (r *responder) run(stop <-chan struct{}) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for _, c := range r.councils {
			if c.Does == bounces {
				continue
			}
			dir := filepath.Join(r.root.maildir(c.Email), "new")
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				r.mu.Lock()
				done := r.seen[e.Name()]
				r.seen[e.Name()] = true
				r.mu.Unlock()
				if done {
					continue
				}
				raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					r.fail(err)
					continue
				}
				if out, ok, err := answer(c, raw); err != nil {
					r.fail(fmt.Errorf("%s: %w", c.Code, err))
				} else if ok {
					r.mu.Lock()
					r.pending = append(r.pending, out)
					r.mu.Unlock()
				}
			}
		}
		r.flush()
	}
}

func (r *responder) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// flush sends what is pending; what Postfix does not take stays pending.
func (r *responder) flush() {
	r.mu.Lock()
	todo := r.pending
	r.pending = nil
	r.mu.Unlock()
	var left []outgoing
	for _, o := range todo {
		if err := r.send(o); err != nil {
			left = append(left, o)
			continue
		}
		r.mu.Lock()
		r.sent[o.code]++
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.pending = append(left, r.pending...)
	r.mu.Unlock()
}

func (r *responder) send(o outgoing) error {
	c, err := smtp.Dial(r.smtpAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mail." + strings.SplitN(o.from, "@", 2)[1]); err != nil {
		return err
	}
	if err := c.StartTLS(&tls.Config{RootCAs: r.roots, ServerName: "127.0.0.1"}); err != nil {
		return err
	}
	if err := c.Mail(o.from); err != nil {
		return err
	}
	if err := c.Rcpt(o.to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(o.data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (r *responder) sentBy(code string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[code]
}

func (r *responder) problems() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// answer is council c's reply to the request raw, if it sends one.
func answer(c council, raw []byte) (outgoing, bool, error) {
	if c.Does == silent {
		return outgoing{}, false, nil
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return outgoing{}, false, err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	m := refRe.FindStringSubmatch(subject)
	if m == nil {
		return outgoing{}, false, fmt.Errorf("the request's subject has no reference: %q", subject)
	}
	ref := m[1]
	replyTo := msg.Header.Get("Reply-To")
	if replyTo == "" {
		replyTo = msg.Header.Get("From")
	}
	to, err := mail.ParseAddress(replyTo)
	if err != nil {
		return outgoing{}, false, fmt.Errorf("reply-to %q: %w", replyTo, err)
	}
	reqFrom, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return outgoing{}, false, err
	}
	msgID := msg.Header.Get("Message-ID")
	domain := strings.SplitN(c.Email, "@", 2)[1]
	from := c.Email
	var h strings.Builder
	header := func(k, v string) { fmt.Fprintf(&h, "%s: %s\r\n", k, v) }
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%d.%s@%s>", time.Now().UnixNano(), strings.ToLower(c.Code), domain))
	threaded := func(subj string) {
		header("Subject", mime.QEncoding.Encode("utf-8", subj))
		header("In-Reply-To", msgID)
		header("References", msgID)
	}
	var body string
	switch c.Does {
	case acknowledges:
		threaded("RE: " + subject)
		body = fmt.Sprintf("Dear Requester,\r\n\r\nThank you for your request for information, which we received on %s.\r\n"+
			"We are dealing with it under the Freedom of Information Act 2000. Our reference is FOI-2026-%s; please quote it in any correspondence.\r\n"+
			"You should receive a response within 20 working days.\r\n\r\nInformation Governance Team\r\n%s\r\n", time.Now().Format("2 January 2006"), strings.TrimPrefix(c.Code, "E2E"), c.Name)
	case outOfOffice:
		threaded("Automatic reply: " + subject)
		header("Auto-Submitted", "auto-replied")
		header("X-Autoreply", "yes")
		body = "Thank you for your email. I am out of the office until Monday with limited access to email.\r\nFor urgent matters please contact the duty team.\r\n"
	case refusesOnCost:
		threaded("RE: " + subject)
		body = "Dear Requester,\r\n\r\nWe have considered your request under the Freedom of Information Act 2000.\r\n" +
			"We estimate that the cost of complying with it would exceed the appropriate limit of £450, so we are refusing your request under section 12 of the Act.\r\n" +
			"If you narrow your request we will consider it again. You may ask for an internal review within 40 working days.\r\n\r\nInformation Governance Team\r\n"
	case notHeld:
		threaded("RE: " + subject)
		body = "Dear Requester,\r\n\r\nWe can confirm that the council does not hold the information you asked for: it has no written policy on the recording of meetings by parents.\r\n" +
			"This response is made under section 1(1)(a) of the Freedom of Information Act 2000.\r\n\r\nInformation Governance Team\r\n"
	case noReplyAddress:
		from = "noreply@" + domain
		// A case management system writes anew, to the requester's
		// own address, with the reference only in the subject.
		to = reqFrom
		header("Subject", fmt.Sprintf("Your information request [ref: %s] - our response", ref))
		body = "Dear Requester,\r\n\r\nIn response to your request: the council has no separate policy, but its guidance for staff says that parents may record meetings with social workers if they tell the worker first.\r\n" +
			"This mailbox is not monitored; please do not reply to this email.\r\n"
	case sendsPolicyPDF, sendsScannedPDF:
		threaded("RE: " + subject)
	}
	header("From", fmt.Sprintf("%s <%s>", mime.QEncoding.Encode("utf-8", c.Name), from))
	header("To", to.Address)
	header("MIME-Version", "1.0")
	if c.Does != sendsPolicyPDF && c.Does != sendsScannedPDF {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "8bit")
		return outgoing{code: c.Code, from: from, to: to.Address, data: []byte(h.String() + "\r\n" + body)}, true, nil
	}
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	header("Content-Type", `multipart/mixed; boundary="`+w.Boundary()+`"`)
	pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprint(pw, "Dear Requester,\r\n\r\nPlease find attached our policy on the recording of meetings, which answers your request.\r\n\r\nInformation Governance Team\r\n")
	name, pdf := "recording-policy.pdf", demo.PolicyPDF(policyText...)
	if c.Does == sendsScannedPDF {
		name, pdf = demo.ScannedFilename, demo.ScannedPolicyPDF(append([]string{c.Name}, policyText...)...)
	}
	aw, _ := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {fmt.Sprintf("application/pdf; name=%q", name)},
		"Content-Disposition":       {fmt.Sprintf("attachment; filename=%q", name)},
		"Content-Transfer-Encoding": {"base64"},
	})
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		fmt.Fprint(aw, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	fmt.Fprint(aw, enc+"\r\n")
	w.Close()
	return outgoing{code: c.Code, from: from, to: to.Address, data: append([]byte(h.String()+"\r\n"), b.Bytes()...)}, true, nil
}
