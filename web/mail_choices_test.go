package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// TestAssignListIsBounded: with more requests a reply can belong to than
// an assign form lists, the forms list maxChoices of them and say so, the
// sender's authority's request is offered even though it sorts beyond
// the cap, and a request the list leaves out is assigned by typing its
// reference.
func TestAssignListIsBounded(t *testing.T) {
	w := newMailWorld(t)
	ctx := context.Background()
	survey, err := storetest.SendSurvey(ctx, w.f.st, storetest.Survey{Name: "survey", Authorities: maxChoices + 20})
	if err != nil {
		t.Fatal(err)
	}
	// "Zetland" sorts after every "Survey Council N": beyond the cap.
	zetland := w.send("Zetland Council", "")
	total := len(survey) + 1
	known := w.message("clerk@zetland.gov.uk", "Our reply", "text", "", 0)
	stranger := w.message("someone@elsewhere.example", "Hello", "text", "", 0)
	c, tok := w.f.signIn("ana")

	options := func(page string) []string {
		_, list, _ := strings.Cut(page, `<datalist id="requests">`)
		list, _, _ = strings.Cut(list, `</datalist>`)
		var refs []string
		for _, part := range strings.Split(list, `<option value="`)[1:] {
			refs = append(refs, part[:strings.IndexByte(part, '"')])
		}
		return refs
	}
	notice := func(n int) string {
		return fmt.Sprintf("the list shows %d of %d", n, total)
	}

	page := w.get(c, "/mail/unmatched", http.StatusOK)
	if got := options(page); len(got) != maxChoices+1 || got[0] != zetland.Ref {
		t.Errorf("unmatched page lists %d requests (first %v), want %d with the sender's first", len(got), got[:1], maxChoices+1)
	}
	if !strings.Contains(page, notice(maxChoices+1)) {
		t.Errorf("unmatched page does not say the list is partial (%q):\n%s", notice(maxChoices+1), page)
	}
	if !strings.Contains(page, `<input type="hidden" name="request" value="`+zetland.Ref+`">`) ||
		!strings.Contains(page, "Assign to Zetland Council") {
		t.Errorf("no suggestion for the sender's authority beyond the cap")
	}

	// The message page of a known sender lists its authority's request
	// first; a stranger's lists the first maxChoices by name.
	page = w.get(c, fmt.Sprintf("/mail/%d", known), http.StatusOK)
	if got := options(page); len(got) != maxChoices+1 || got[0] != zetland.Ref || !strings.Contains(page, notice(maxChoices+1)) {
		t.Errorf("message page of a known sender: %d options, first %v", len(got), got[:1])
	}
	if strings.Contains(page, "<select id=\"request\"") {
		t.Error("the message page still has a select of every request")
	}
	page = w.get(c, fmt.Sprintf("/mail/%d", stranger), http.StatusOK)
	listed := options(page)
	if len(listed) != maxChoices || !strings.Contains(page, notice(maxChoices)) || strings.Contains(page, `value="`+zetland.Ref+`"`) {
		t.Errorf("message page of a stranger: %d options, want %d and the notice", len(listed), maxChoices)
	}

	// A request the list leaves out, assigned by its typed reference.
	in := map[string]bool{}
	for _, r := range listed {
		in[r] = true
	}
	var beyond campaign.Request
	for _, r := range survey {
		if !in[r.Ref] {
			beyond = r
			break
		}
	}
	if beyond.Ref == "" {
		t.Fatal("every survey request is listed")
	}
	code, loc, body := w.post(c, tok, fmt.Sprintf("/mail/%d/assign", stranger), url.Values{"request": {strings.ToLower(beyond.Ref)}})
	if code != http.StatusSeeOther || loc != fmt.Sprintf("/mail/%d?done=assigned", stranger) {
		t.Fatalf("assign beyond the cap: %d %s\n%s", code, loc, body)
	}
	if ev := w.eventsOf("message.assigned"); len(ev) != 1 || ev[0]["ref"] != beyond.Ref {
		t.Errorf("assign events: %v", ev)
	}
}

// TestAssignListWhole: when every request fits, the list is whole and no
// notice is shown.
func TestAssignListWhole(t *testing.T) {
	w := newMailWorld(t)
	a := w.send("Ashdown Council", "")
	b := w.send("Glenmoor Council", "foisa")
	id := w.message("someone@elsewhere.example", "Hello", "text", "", 0)
	c, _ := w.f.signIn("ana")
	for _, target := range []string{"/mail/unmatched", fmt.Sprintf("/mail/%d", id)} {
		page := w.get(c, target, http.StatusOK)
		if !strings.Contains(page, `<option value="`+a.Ref+`">`) || !strings.Contains(page, `<option value="`+b.Ref+`">`) || strings.Contains(page, "choices-partial") {
			t.Errorf("%s: not the whole list, or a notice:\n%s", target, page)
		}
	}
}
