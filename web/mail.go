package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"foidesk/store/campaign"
)

// Helpers the mail and document pages share.

// mailMessages are the notices a redirect to a mail page may ask for, by
// key: the pages never echo text from the URL.
var mailMessages = map[string]string{
	"assigned":    "The message was assigned, and its sender learned for that authority.",
	"dismissed":   "The message was marked as not related to any request.",
	"undismissed": "The message is back in the unmatched queue.",
	"classified":  "The message's kind was corrected.",
}

// pathID is the positive integer in r's path wildcard name.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// requestChoice is a request a person may assign a message to.
type requestChoice struct {
	Ref       string
	Authority string
	Code      string
	Campaign  string
}

// maxChoices bounds the requests an assign form's list suggests, besides
// the ones of the sender's authorities: a national survey has 100,000
// requests a reply can belong to, more than a page should carry. Typing
// a reference or an authority's code reaches every one (resolveRequest).
const maxChoices = 300

// requestChoices is the list an assign form suggests: the requests in
// first, then others by authority name, up to maxChoices of those.
type requestChoices struct {
	List  []requestChoice
	Total int // how many requests a reply can belong to
}

// Partial reports whether the list leaves some requests out, so the page
// says to type a reference or a code.
func (c requestChoices) Partial() bool { return len(c.List) < c.Total }

// choice is a request as an assign form shows it.
func choice(q campaign.Request) requestChoice {
	return requestChoice{Ref: q.Ref, Authority: q.Authority.Name, Code: q.Authority.Code, Campaign: q.Campaign}
}

// requestChoices suggests the requests a reply can belong to: first
// those of first (the requests of the senders' authorities, which come
// first whatever their place in the order), then others by authority
// name, at most maxChoices of them, with how many there are in all.
func (a *App) requestChoices(r *http.Request, first []campaign.Request) (requestChoices, error) {
	ctx := r.Context()
	total, err := a.campaigns.CountAnswerable(ctx)
	if err != nil {
		return requestChoices{}, err
	}
	others, err := a.campaigns.AnswerableRequests(ctx, maxChoices)
	if err != nil {
		return requestChoices{}, err
	}
	out := requestChoices{Total: total, List: make([]requestChoice, 0, len(first)+len(others))}
	seen := make(map[string]bool, len(first))
	for _, q := range first {
		seen[q.Ref] = true
		out.List = append(out.List, choice(q))
	}
	for _, q := range others {
		if !seen[q.Ref] {
			out.List = append(out.List, choice(q))
		}
	}
	return out, nil
}

// senderRequests are the requests, a reply can belong to, of the
// authorities these senders belong to (mail.OpenRequestsForSenders), at
// most perSender for each sender: by lower-cased address, and in one list
// for the assign form to offer first.
func (a *App) senderRequests(r *http.Request, senders []string, perSender int) (map[string][]requestChoice, []campaign.Request, error) {
	ctx := r.Context()
	open, err := a.mail.OpenRequestsForSenders(ctx, senders)
	if err != nil {
		return nil, nil, err
	}
	var refs []string
	for _, list := range open {
		for i, q := range list {
			if i == perSender {
				break
			}
			refs = append(refs, q.Ref)
		}
	}
	reqs, err := a.campaigns.AnswerableByRefs(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	byRef := make(map[string]campaign.Request, len(reqs))
	for _, q := range reqs {
		byRef[q.Ref] = q
	}
	bySender := make(map[string][]requestChoice, len(open))
	for addr, list := range open {
		for i, q := range list {
			if i == perSender {
				break
			}
			if c, ok := byRef[q.Ref]; ok {
				bySender[addr] = append(bySender[addr], choice(c))
			}
		}
	}
	return bySender, reqs, nil
}

// errChoose: what a person typed names no single request; its text says
// what to do.
type errChoose struct{ msg string }

func (e errChoose) Error() string { return e.msg }

// resolveRequest turns what a person typed or picked into a request
// reference: a reference itself, or an authority's code when it has one
// request a reply can belong to, as 'messages assign --authority' does.
func (a *App) resolveRequest(r *http.Request, typed string) (string, error) {
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return "", errChoose{"Not assigned: choose a request, or type its reference."}
	}
	if i := strings.IndexAny(typed, " \t"); i > 0 {
		typed = typed[:i] // "REF — Authority, campaign" as a list shows it
	}
	if len(typed) == 8 {
		if _, err := a.campaigns.RequestByRef(r.Context(), typed); err == nil {
			return typed, nil
		}
	}
	reqs, err := a.campaigns.AuthorityRequests(r.Context(), typed)
	if err != nil {
		return "", errChoose{"Not assigned: there is no request with that reference and no authority with that code."}
	}
	switch len(reqs) {
	case 0:
		return "", errChoose{"Not assigned: that authority has no request a reply can belong to (none was sent)."}
	case 1:
		return reqs[0].Ref, nil
	}
	var refs []string
	for _, q := range reqs {
		refs = append(refs, q.Ref+" ("+q.Campaign+")")
	}
	return "", errChoose{fmt.Sprintf("Not assigned: that authority has %d requests; choose one of %s.", len(reqs), strings.Join(refs, ", "))}
}

// humanBytes is a size for people: 12 KB, 3.4 MB.
func humanBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}

// itoa is an id for a URL or a title.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// timeZero is "no modification time" for ServeAttachment.
var timeZero time.Time

// errNoOriginals: the app was built without access to the stored files.
var errNoOriginals = errors.New("stored files are not available here")

// openStored opens a stored file (raw mail, an attachment) by its
// SHA-256 through Options.Originals.
func (a *App) openStored(sum string) (*os.File, error) {
	if a.opts.Originals == nil {
		return nil, errNoOriginals
	}
	return a.opts.Originals.Open(sum)
}
