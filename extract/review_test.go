package extract

import "testing"

func TestBodyContent(t *testing.T) {
	for body, want := range map[string]int{
		"We do not hold a policy on this.":    bodySays,
		"No.":                                 bodySays,
		"Hi, we do not hold this information": bodySays,
		"Dear Sir/Madam\n\nWe hold no such policy.\n\nYours faithfully\nA. Clerk": bodySays,
		"":         bodyNothing,
		"   \n\n ": bodyNothing,
		"Dear Ms Smith,\n\nThank you for your email.\n\nKind regards,\nJane": bodyNothing,
		"-- \nJane Jones, FOI Officer":                                       bodyNothing,
		"Kind regards, Jane Jones":                                           bodyNothing,
		"Please find attached our response to your request.":                 bodyCovering,
		"Our ref: FOI/2026/123\nDear Ms Smith,\nI attach the council's response.\n\nIf you are unhappy with this response you may ask for an internal review. You can also complain to the Information Commissioner.\n\nRegards\nFOI Team": bodyCovering,
		"Attached.\n\nOn 3 March 2026, Ms Smith wrote:\n> Do you hold a policy on recording meetings?":                                                                                                                                     bodyCovering,
		"Attached is our policy. Staff have never refused a recording.":                                                                                                                                                                    bodySays,
		"Dear Jo,\n\nThank you.\n\nWe do not hold a policy on this.\n\nRegards,\nJane Smith\nFOI Officer":                                                                                                                                  bodySays,
		"Dear Jo,\n\nThank you for your request.\n\nThanks\nJane Smith\nInformation Governance\n01234 567890":                                                                                                                              bodyNothing,
	} {
		if got := bodyContent(body); got != want {
			t.Errorf("bodyContent(%q) = %d, want %d", body, got, want)
		}
	}
}

// A refusal and an "already published" reply answer the request as a
// response does: their bodies and attachments reach a person; other kinds'
// do not.
func TestQueueAnswerKinds(t *testing.T) {
	const refusal = "We are refusing your request under section 12: the cost of compliance exceeds the appropriate limit."
	for _, kind := range []string{"response", "refusal", "published"} {
		if !queueBody(kind, refusal, false) || !queueAttachment(kind, TypePDF, 300) {
			t.Errorf("a %s's body or attachment is not queued", kind)
		}
	}
	for _, kind := range []string{"acknowledgement", "auto-reply", "bounce", "clarification-request"} {
		if queueBody(kind, refusal, false) || queueAttachment(kind, TypePDF, 300) {
			t.Errorf("a %s's body or attachment is queued", kind)
		}
	}
}
