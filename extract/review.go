package extract

import (
	"regexp"
	"strings"

	"foidesk/lifecycle"
)

// Which documents join the review queue.
//
// Everything a council says in answer to a request must reach a person,
// however short: "We do not hold a policy on this." is a complete answer.
// Only what says nothing about the request stays out. The rule, for a
// message triaged as an answer — a response, a refusal or an "already
// published" reply (lifecycle.ResponseKinds; nothing from any other kind of
// message is queued):
//
//   - An attachment is queued whatever its extraction status (a scan
//     waiting for OCR, or a file that failed, still needs a person), except
//     an image with fewer than logoWords words of text: a logo or a
//     signature picture.
//   - The body is queued when it says anything beyond boilerplate, however
//     short. Boilerplate is a greeting ("Dear Ms Smith,"), thanks for the
//     request, "Our ref: …", a sign-off and the signature under it ("Kind
//     regards, Jane Smith, FOI Officer"), a signature after "-- ", a quoted
//     earlier message, the standard paragraph on internal review and the
//     Information Commissioner, and an email disclaimer.
//   - A body that beyond boilerplate is only a covering note for its
//     attachments ("Please find attached our response.") is queued only when
//     no attachment of the same message is: then the attachment is what a
//     reviewer reads. A covering note whose attachment is missing, or only a
//     logo, is still queued: the missing answer is something to chase.
//   - A body with nothing beyond boilerplate (an empty body, a bare
//     signature) is not queued.
//
// Every attachment and response body is a document either way, listed and
// searchable; this rule only decides what waits for a person. Separately, no
// message queues more than document.MaxQueuedPerMessage documents.

// logoWords: an image attachment with fewer words of text than this is a
// logo or a signature picture, not a document.
const logoWords = 20

// queueAttachment applies the rule above to an attachment of a message of
// the given triage kind.
func queueAttachment(kind, typ string, words int) bool {
	if !lifecycle.IsResponse(kind) {
		return false
	}
	return typ != TypeImage || words >= logoWords
}

// queueBody applies the rule above to a message's body; attachmentQueued
// says whether an attachment of the same message is in the review queue.
func queueBody(kind, body string, attachmentQueued bool) bool {
	if !lifecycle.IsResponse(kind) {
		return false
	}
	switch bodyContent(body) {
	case bodySays:
		return true
	case bodyCovering:
		return !attachmentQueued
	}
	return false
}

// What a body says beyond boilerplate.
const (
	bodyNothing  = iota // empty, or only boilerplate
	bodyCovering        // only a covering note for attachments
	bodySays            // at least one sentence of its own
)

var (
	// Where the text of the reply ends: a signature delimiter, a quoted
	// earlier message, an Outlook separator.
	replyEnds = regexp.MustCompile(`(?i)^(--|-+ ?original message ?-+|_{10,}|on .{0,200} wrote:|from: .*)$`)
	// A sign-off alone on its line; the signature follows.
	signOff = regexp.MustCompile(`(?i)^(yours (sincerely|faithfully|truly)|(with )?(kind|best|warm|many)? ?regards|best wishes|many thanks|with thanks|thanks|thank you|best|cheers)[ ,.!]*$`)
	// A sign-off with the name after it on the same line.
	signOffName = regexp.MustCompile(`(?i)^(yours (sincerely|faithfully|truly)|(with )?(kind|best|warm)? ?regards|best wishes)\s*,[^.!?]{0,60}$`)
	// A greeting at the start of a line, with what follows kept.
	greeting = regexp.MustCompile(`(?i)^(dear|hello|hi|good (morning|afternoon|evening))\b[^.!?,\n]{0,60}(,|$)`)
	// A line that only gives a reference.
	refLine = regexp.MustCompile(`(?i)^(our|your) ref(erence)?\b`)
	// Sentences that say nothing about the request.
	boilerplateSentence = regexp.MustCompile(`(?i)^(thank(s| you) for (your|the) (e-?mail|request|enquiry|inquiry|message|letter|correspondence|patience)` +
		`|if you are (not satisfied|unhappy|dissatisfied)` +
		`|you (can|may|have the right to) [^.]{0,120}(internal review|information commissioner|complain)` +
		`|the information commissioner|the ico\b` +
		`|please (quote|remember to quote)` +
		`|this (e-?mail|message)( and any (attachments?|files?)[^.]{0,40})? (is|are|may (be|contain))` +
		`|(any )?views or opinions)`)
	// A sentence that hands over the attachments.
	coveringSentence = regexp.MustCompile(`(?i)(please (find|see) (attached|enclosed)|attached (please find|is|are|you will find)|^attached\b|^enclosed\b|\b(is|are) attached|\b(i|we) (have )?(attach|enclose)|see attached|find enclosed)`)
	sentenceEnd      = regexp.MustCompile(`[.!?]+(\s+|$)`)
)

// maxCoveringWords: a sentence this long that mentions an attachment says
// more than "here it is", and is queued.
const maxCoveringWords = 20

// sentenceFollows reports whether lines (what follows a sign-off) hold a
// sentence before the next sign-off or quoted mail: a line of four words
// or more ending as a sentence ends. A signature (a name, a title, a
// department, a telephone number) does not; an answer written after a
// polite "Thank you." does, and must not be cut off as a signature.
func sentenceFollows(lines []string) bool {
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case replyEnds.MatchString(t), signOff.MatchString(t), signOffName.MatchString(t):
			return false
		case WordCount(t) >= 4 && strings.ContainsAny(t[len(t)-1:], ".!?"):
			return true
		}
	}
	return false
}

// bodyContent says what a body says beyond boilerplate.
func bodyContent(body string) int {
	var paras []string
	var para []string
	flush := func() {
		if len(para) > 0 {
			paras = append(paras, strings.Join(para, " "))
			para = nil
		}
	}
	all := strings.Split(Normalize(body), "\n")
lines:
	for i, l := range all {
		t := strings.TrimSpace(l)
		switch {
		case replyEnds.MatchString(t):
			break lines
		case signOff.MatchString(t), signOffName.MatchString(t):
			if !sentenceFollows(all[i+1:]) {
				break lines
			}
			continue // "Thank you." before the answer, not after it
		case strings.HasPrefix(t, ">"), refLine.MatchString(t):
			continue
		case t == "":
			flush()
			continue
		}
		if t = strings.TrimSpace(greeting.ReplaceAllString(t, "")); t != "" {
			para = append(para, t)
		}
	}
	flush()
	said := bodyNothing
	for _, p := range paras {
		for _, s := range sentenceEnd.Split(p, -1) {
			s = strings.TrimSpace(s)
			switch {
			case WordCount(s) == 0, boilerplateSentence.MatchString(s):
			case coveringSentence.MatchString(s) && WordCount(s) <= maxCoveringWords:
				said = bodyCovering
			default:
				return bodySays
			}
		}
	}
	return said
}
