package alerts

import (
	"fmt"
	"strings"

	"foidesk/store/alert"
)

// Sentence is one line a person reads about an alert, as the webhook's
// text and the digest say it: "Barnet (C2ABCDEF) is overdue: due
// 2026-12-01, 3 working days late". Names are printed as stored; each
// channel escapes them for its own format.
func Sentence(a alert.Alert) string {
	who := a.AuthorityName + " (" + a.Ref + ")"
	late := 0
	if a.DaysLate != nil {
		late = *a.DaysLate
	}
	switch a.To {
	case alert.DueSoon:
		return fmt.Sprintf("%s is due soon: due %s", who, a.Due)
	case alert.Overdue:
		return fmt.Sprintf("%s is overdue: due %s, %s late", who, a.Due, workingDays(late))
	case alert.VeryOverdue:
		return fmt.Sprintf("%s is very overdue: due %s, %s late", who, a.Due, workingDays(late))
	case alert.ExtensionOverdue:
		return fmt.Sprintf("%s is past the date it extended to: due %s, %s late", who, a.Due, workingDays(late))
	case alert.ReviewOverdue:
		return fmt.Sprintf("%s has not answered the internal review: due %s, %s late", who, a.Due, workingDays(late))
	case alert.Replied:
		return fmt.Sprintf("%s has replied, after being %s (due %s)", who, strings.ReplaceAll(a.From, "-", " "), a.Due)
	}
	return fmt.Sprintf("%s is now %s", who, a.To)
}

func workingDays(n int) string {
	if n == 1 {
		return "1 working day"
	}
	return fmt.Sprintf("%d working days", n)
}
