package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/registry"
	"foidesk/store/user"
)

// BenchmarkMailPages measures the server time of the search page and the
// unmatched-mail page over a survey's worth of data built through the
// store's own paths: 400 authorities in one campaign, each request sent
// through the outbox; 2,000 messages (1,600 matched, 400 unmatched, half
// of those from an authority's domain, so suggested a request), each
// with two attachments; 5,000 documents of 300 to 900 words. It reports
// each page's p95 and median, timed around the app's handler alone.
//
//	go test ./web -run '^$' -bench MailPages -benchtime 400x
func BenchmarkMailPages(b *testing.B) {
	app, cookie := benchWorld(b)
	queries := []string{
		"/search?q=recording", "/search?q=consent", "/search?q=covert+recording", "/search?q=%22data+protection%22",
		"/search?q=record*", "/search?q=mobile+phone", "/search?q=recording&nation=Wales", "/search?q=consent&kind=messages",
		"/search?q=recording&campaign=recording-policy&page=2", "/search?q=covert+OR+overt", "/search?q=prohibit+NOT+consent",
	}
	b.Run("search", func(b *testing.B) { benchPages(b, app, cookie, queries) })
	b.Run("unmatched", func(b *testing.B) {
		benchPages(b, app, cookie, []string{"/mail/unmatched", "/mail/unmatched?after=1000", "/mail/unmatched?after=1800"})
	})
}

// benchPages requests targets in turn b.N times and reports the server
// time's p50 and p95.
func benchPages(b *testing.B, app *App, cookie *http.Cookie, targets []string) {
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest(http.MethodGet, targets[i%len(targets)], nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		start := time.Now()
		app.Handler().ServeHTTP(w, r)
		times = append(times, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d\n%s", r.URL, w.Code, w.Body)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}

var benchWords = strings.Fields(`the council policy on recording meetings with social workers parents may record
a meeting covert overt consent permission prohibit not permitted mobile phone device data protection officer
information request freedom act section exemption personal data children family staff member practice guidance
procedure review service team manager decision assessment case conference visit notes minutes written agreement
equipment audio video capture privacy notice retention storage sharing third party safeguarding welfare court
evidence complaint advocate support home school health education local authority county borough district city`)

// benchText is n words drawn from benchWords.
func benchText(rng *rand.Rand, n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			if i%180 == 0 {
				sb.WriteString("\f")
			} else {
				sb.WriteByte(' ')
			}
		}
		sb.WriteString(benchWords[rng.IntN(len(benchWords))])
	}
	return sb.String()
}

// benchWorld builds the data and signs a user in.
func benchWorld(b *testing.B) (*App, *http.Cookie) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	nations := []string{"England", "Wales", "Scotland", "Northern Ireland"}
	var rows []registry.AuthorityInput
	for i := 0; i < 400; i++ {
		email, nation := fmt.Sprintf("foi@council%03d.gov.uk", i), nations[i%4]
		if i%4 == 0 && i%8 != 0 {
			nation = "England"
		}
		rows = append(rows, registry.AuthorityInput{Origin: "bench", Code: fmt.Sprintf("C%03d", i), Name: fmt.Sprintf("Council %03d", i), Email: &email, Nation: &nation})
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		b.Fatal(err)
	}
	cs := campaign.New(st)
	created, err := cs.Create(ctx, campaign.Spec{Name: "recording-policy", Template: "recording-policy", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return ref + ".bench@foidesk.test" }})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		return campaign.Rendered{Subject: "FOI [ref: " + r.Ref + "]", Raw: []byte("To: " + r.ToEmail + "\r\n\r\nA request.\r\n")}, nil
	}); err != nil {
		b.Fatal(err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sentAt := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	opt := campaign.ClaimOptions{Owner: "bench", Now: sentAt, CampaignID: created.Campaign.ID}
	g, err := ob.Claim(ctx, opt)
	for g != nil && err == nil {
		g, err = ob.MarkSent(ctx, g, "bench", campaign.Delivery{AcceptedAt: sentAt, Reply: campaign.SMTPReply{Code: 250, Text: "OK"}}, &opt)
	}
	ob.Close()
	if err != nil {
		b.Fatal(err)
	}
	if err := cs.FinishSettled(ctx); err != nil {
		b.Fatal(err)
	}
	reqs, err := cs.Requests(ctx, created.Campaign.ID, false)
	if err != nil || len(reqs) != 400 {
		b.Fatalf("requests: %d %v", len(reqs), err)
	}

	ms, docs := mail.New(st), document.New(st)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ndocs := 0
	for i := 0; i < 2000; i++ {
		var req int64
		// Half the unmatched mail comes from an authority's domain, so
		// the page has suggestions to find.
		from := fmt.Sprintf("officer%d@elsewhere%d.example", i, i%97)
		if i%10 == 4 {
			from = fmt.Sprintf("officer%d@council%03d.gov.uk", i, i%400)
		}
		if i%5 != 4 {
			r := reqs[i%400]
			req, from = r.ID, r.ToEmail
		}
		d := mail.Derived{HeaderMessageID: fmt.Sprintf("b%d@bench", i), FromAddr: from, FromName: "FOI Team", Subject: fmt.Sprintf("Re: FOI request %d", i),
			SentDate: sentAt.Add(time.Duration(i) * time.Hour), BodyText: benchText(rng, 40+rng.IntN(160)), RequestID: req, Kind: mail.KindResponse}
		if req != 0 {
			d.MatchedBy = "reference"
		}
		for j := 0; j < 2; j++ {
			d.Attachments = append(d.Attachments, mail.NewAttachment{Part: fmt.Sprint(j + 2), Filename: fmt.Sprintf("policy-%d-%d.pdf", i, j),
				ContentType: "application/pdf", Size: 1000, SHA256: fmt.Sprintf("%064x", i*2+j+1)})
		}
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: fmt.Sprintf("%063xm", i), Size: 1000,
			Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)}, Derived: d})
		if err != nil {
			b.Fatal(err)
		}
		atts, err := ms.MessageAttachments(ctx, rec.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range atts {
			text := benchText(rng, 300+rng.IntN(600))
			if _, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: a.SHA256, Type: "pdf", Status: "ok", Text: text, Words: len(strings.Fields(text))},
				document.Source{MessageID: rec.ID, AttachmentID: a.ID, Filename: a.Filename}, true); err != nil {
				b.Fatal(err)
			}
			ndocs++
		}
		if i < 1000 {
			if _, err := docs.Save(ctx, document.Input{Origin: document.FromBody, SHA256: fmt.Sprintf("%063xm", i), Type: "text", Status: "ok", Text: d.BodyText},
				document.Source{MessageID: rec.ID}, true); err != nil {
				b.Fatal(err)
			}
			ndocs++
		}
	}
	if ndocs != 5000 {
		b.Fatalf("%d documents", ndocs)
	}

	if _, err := user.New(st).Add(ctx, "bench", "ana", testPassword, false); err != nil {
		b.Fatal(err)
	}
	app, err := New(Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	// Sign in through the app.
	w := httptest.NewRecorder()
	app.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
	var lc *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == loginCookieName {
			lc = c
		}
	}
	tok := csrfInput.FindStringSubmatch(w.Body.String())
	form := url.Values{"csrf": {tok[1]}, "name": {"ana"}, "password": {testPassword}}
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(lc)
	w = httptest.NewRecorder()
	app.Handler().ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return app, c
		}
	}
	b.Fatalf("sign-in failed: %d", w.Code)
	return nil, nil
}
