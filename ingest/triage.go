package ingest

import (
	"fmt"
	"regexp"
	"strings"

	"foidesk/lifecycle"
	"foidesk/store/mail"
)

// Decision is triage's verdict on one message, with the reason a person
// reads when deciding whether to correct it.
type Decision struct {
	Kind            string
	Reason          string
	BounceStatus    string // enhanced status code, e.g. 5.1.1; "" when unknown
	BounceRecipient string
	CaseRef         string // an acknowledgement's case reference
	// Detail is what a refusal cites ("s.12 (cost limit)") or where a
	// published reply says the information is.
	Detail string
}

// Permanent reports whether a bounce is permanent (5.x.x).
func (d Decision) Permanent() bool {
	return d.Kind == mail.KindBounce && lifecycle.PermanentBounce(d.BounceStatus)
}

var (
	bounceSubjectRe = regexp.MustCompile(`(?i)^\s*(?:undeliverable|undelivered mail|delivery status notification|delivery failure|mail delivery failed|returned mail|failure notice|delivery has failed|message not delivered|non[- ]?delivery|undeliverable mail|mail system error|warning: message .* delayed|delayed mail|delivery delayed)`)
	bounceSenderRe  = regexp.MustCompile(`(?i)^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon|bounce[s]?|microsoftexchange[0-9a-f]*)@`)
	enhancedCodeRe  = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)
	smtpCodeRe      = regexp.MustCompile(`\b([45])([0-5])(\d)[ \-]`)
	bounceBodyRe    = regexp.MustCompile(`(?i)(could not be delivered|delivery has failed|undeliverable|permanent error|permanent fatal|message was not delivered|wasn't able to deliver|couldn't be delivered|address couldn't be found|delivery to the following recipient|recipient address rejected|user unknown|no such user|mailbox unavailable|does not exist|delivery failed)`)
	tempBodyRe      = regexp.MustCompile(`(?i)(temporary (?:failure|error|problem)|will (?:continue to )?(?:retry|try again)|delayed|has not yet been delivered|not yet been able to deliver|still trying)`)
	oooSubjectRe    = regexp.MustCompile(`(?i)^\s*(?:automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|out of (?:the )?office|ooo\b|auto:|away from (?:the )?office|absence|on leave|annual leave)`)
	oooBodyRe       = regexp.MustCompile(`(?i)(out of (?:the )?office|on (?:annual |maternity |paternity |sick )?leave|away from (?:the|my) (?:office|desk)|i am (?:currently )?away|currently out|limited access to (?:my )?e-?mail|no longer (?:work|with|at|employed)|have left the (?:council|organisation|organization|authority)|not (?:be )?checking (?:my )?e-?mail|return(?:ing)? to the office|back in the office|vacation)`)
	ackRe           = regexp.MustCompile(`(?i)(acknowledge (?:the )?receipt|acknowledg(?:e)?ment of your|we (?:have|\x{2019}ve|'ve) received your|we received your|(?:this|your) (?:request|email|e-mail|enquiry) has been (?:received|logged|registered|recorded|passed)|has been logged|has been registered|thank you for your (?:freedom of information |foi |eir |information |environmental information )?(?:request|enquiry|e-?mail)[^.]{0,80}(?:receiv|logg|regist|respond|within)|we will (?:aim to )?respond (?:to you )?(?:promptly|within|by|no later)|you (?:will|should) (?:receive|get) (?:a|our) (?:response|reply)|within (?:20|twenty) working days)`)
	responseRe      = regexp.MustCompile(`(?i)(please find (?:attached|enclosed|below)|i (?:have )?attach|we (?:have )?attach|is attached|are attached|attached (?:is|are|please find)|the information (?:you )?requested|in response to your (?:request|freedom)|our response|does not hold|do not hold|doesn't hold|don't hold|does hold|we hold|i can confirm|we can confirm|exempt(?:ion)? under|section (?:12|14|21|22|31|40|43)\b|regulation 12)`)
	clarifyStrongRe = regexp.MustCompile(`(?i)(could you (?:please )?clarify|can you (?:please )?clarify|please (?:could you )?clarify|would you (?:please )?clarify|ask(?:ing)? you to clarify|seek(?:ing)? clarification|request(?:ing)? clarification|require (?:further |some )?clarification|need (?:further |some )?clarification|section 1\s*\(3\)|regulation 9\s*\(2\)|(?:narrow|refine|rephrase) (?:down )?your request|please (?:could you )?confirm (?:which|what|whether|the)|could you (?:please )?(?:confirm|specify|provide further|tell us which))`)
)

// Triage decides what kind of mail a message is, in this order: a bounce
// (a delivery status report, else the common non-standard forms); an
// out-of-office; a refusal or an "already published" reply (answer.go),
// unless it is automatic; a clarification request; an acknowledgement; any
// other automatic reply; otherwise a response. A refusal comes before a
// clarification request because a cost-limit refusal asks the requester to
// narrow the request: it is still the answer, and the clock stops on it.
func Triage(p *Parsed) Decision {
	if d, ok := bounce(p); ok {
		return d
	}
	text := head(p.Text, 32<<10)
	subject := p.Subject
	auto := autoHeaders(p)
	if oooSubjectRe.MatchString(subject) || oooBodyRe.MatchString(head(text, 4<<10)) {
		if m := oooBodyRe.FindString(head(text, 4<<10)); m != "" && !ackRe.MatchString(head(text, 4<<10)) {
			return Decision{Kind: mail.KindAutoReply, Reason: fmt.Sprintf("out-of-office text %q", m)}
		}
		if oooSubjectRe.MatchString(subject) && !ackRe.MatchString(subject+"\n"+text) {
			return Decision{Kind: mail.KindAutoReply, Reason: fmt.Sprintf("out-of-office subject %q", subject)}
		}
	}
	if auto == "" {
		if d, ok := answer(text, ackRe.MatchString(subject+"\n"+text)); ok {
			return d
		}
	}
	if m := clarifyStrongRe.FindString(subject + "\n" + text); m != "" && auto == "" {
		return Decision{Kind: mail.KindClarification, Reason: fmt.Sprintf("asks for clarification: %q", m)}
	}
	if m := ackRe.FindString(subject + "\n" + text); m != "" {
		resp := responseRe.FindString(text)
		docs := substantiveAttachments(p)
		if resp == "" && (docs == 0 || auto != "") {
			d := Decision{Kind: mail.KindAck, Reason: fmt.Sprintf("acknowledgement text %q", m)}
			if refs := CaseRefs(subject + "\n" + text); len(refs) > 0 {
				d.CaseRef = refs[0]
				d.Reason += fmt.Sprintf("; case reference %s", refs[0])
			}
			return d
		}
	}
	if auto != "" {
		return Decision{Kind: mail.KindAutoReply, Reason: auto}
	}
	d := Decision{Kind: mail.KindResponse, Reason: "no bounce, automatic-reply, acknowledgement or clarification signs"}
	if m := notHeldRe.FindString(text); m != "" {
		d.Detail = "not held"
		d.Reason += fmt.Sprintf("; says the information is not held: %q", strings.Join(strings.Fields(m), " "))
	}
	return d
}

// autoHeaders names the RFC 3834 or conventional header that marks a
// message as automatic, or "".
func autoHeaders(p *Parsed) string {
	h := p.Header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-Autogenerated"} {
		if v := h.Get(k); v != "" {
			return k + ": " + v
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v {
	case "auto_reply", "bulk", "junk", "list":
		return "Precedence: " + v
	}
	if strings.EqualFold(h.Get("X-MS-Exchange-Generated-Message-Source"), "Mailbox Rules Agent") {
		return "Exchange inbox rule"
	}
	if oooSubjectRe.MatchString(p.Subject) {
		return fmt.Sprintf("automatic-reply subject %q", p.Subject)
	}
	return ""
}

func substantiveAttachments(p *Parsed) int {
	n := 0
	for _, a := range p.Attachments {
		if strings.HasPrefix(a.ContentType, "image/") && a.Size < 50<<10 {
			continue // signature logos
		}
		n++
	}
	return n
}

// bounce recognises delivery failure reports.
func bounce(p *Parsed) (Decision, bool) {
	if len(p.DSN) > 0 && (p.ReportType == "delivery-status" || p.ReportType == "global-delivery-status" || p.ContentType == "multipart/report") {
		var failed, delayed, other *DSNRecipient
		for i := range p.DSN {
			r := &p.DSN[i]
			switch {
			case r.Action == "failed" || strings.HasPrefix(r.Status, "5"):
				if failed == nil {
					failed = r
				}
			case r.Action == "delayed" || strings.HasPrefix(r.Status, "4"):
				if delayed == nil {
					delayed = r
				}
			default:
				if other == nil {
					other = r
				}
			}
		}
		switch {
		case failed != nil:
			st := failed.Status
			if !strings.HasPrefix(st, "5") {
				st = "5.0.0"
			}
			return Decision{Kind: mail.KindBounce, BounceStatus: st, BounceRecipient: failed.FinalRecipient,
				Reason: fmt.Sprintf("delivery status report: %s %s to %s %s", failed.Action, failed.Status, failed.FinalRecipient, trimDiag(failed.Diagnostic))}, true
		case delayed != nil:
			st := delayed.Status
			if !strings.HasPrefix(st, "4") {
				st = "4.0.0"
			}
			return Decision{Kind: mail.KindBounce, BounceStatus: st, BounceRecipient: delayed.FinalRecipient,
				Reason: fmt.Sprintf("delivery status report: %s %s to %s (temporary)", delayed.Action, delayed.Status, delayed.FinalRecipient)}, true
		case other != nil:
			return Decision{Kind: mail.KindAutoReply, Reason: fmt.Sprintf("delivery status report: %s to %s (not a failure)", other.Action, other.FinalRecipient)}, true
		}
	}
	subj := bounceSubjectRe.MatchString(p.Subject)
	sender := bounceSenderRe.MatchString(p.From) || strings.Contains(strings.ToLower(p.FromName), "mail delivery") ||
		strings.EqualFold(strings.TrimSpace(p.Header.Get("Return-Path")), "<>")
	if !subj && !sender {
		return Decision{}, false
	}
	text := head(p.Text, 16<<10)
	body := bounceBodyRe.FindString(text)
	temp := tempBodyRe.FindString(text)
	if !(subj && sender) && body == "" && temp == "" {
		return Decision{}, false
	}
	if body == "" && temp == "" && len(p.Embedded) == 0 {
		return Decision{}, false
	}
	d := Decision{Kind: mail.KindBounce}
	if m := enhancedCodeRe.FindStringSubmatch(text); m != nil && m[1] != "2" {
		d.BounceStatus = m[0]
	} else if m := smtpCodeRe.FindStringSubmatch(text); m != nil {
		d.BounceStatus = m[1] + ".0.0"
	} else if temp != "" && body == "" {
		d.BounceStatus = "4.0.0"
	} else {
		d.BounceStatus = "5.0.0"
	}
	if temp != "" && body == "" && strings.HasPrefix(d.BounceStatus, "5") {
		d.BounceStatus = "4.0.0"
	}
	d.BounceRecipient = bouncedRecipient(p, text)
	why := body
	if why == "" {
		why = temp
	}
	d.Reason = fmt.Sprintf("non-standard bounce from %s: %q, status %s", p.From, why, d.BounceStatus)
	return d, true
}

func bouncedRecipient(p *Parsed, text string) string {
	for _, a := range addrRe.FindAllString(text, 50) {
		a = strings.ToLower(a)
		if a == p.From || bounceSenderRe.MatchString(a) || contains(p.Recipients, a) {
			continue
		}
		return a
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func trimDiag(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return "(" + s + ")"
}
