package mailer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"foidesk/internal/porttest"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
)

func TestDispatchSendsEachOnceWithHeadersAndBody(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 12, false)
	srv := startServer(t, smtptest.Options{})
	var outcomes []Outcome
	d := dispatcher(st, srv)
	d.OnOutcome = func(o Outcome) { outcomes = append(outcomes, o) }
	sum, err := d.Run(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 12 || len(outcomes) != 12 {
		t.Fatalf("summary %+v, %d outcomes", sum, len(outcomes))
	}
	if srv.Sessions() != 1 {
		t.Errorf("%d SMTP sessions for one batch, want one reused connection", srv.Sessions())
	}
	got := byRecipient(t, srv.Messages())
	reqs := requestsByEmail(t, st, c)
	dec := new(mimeDecoder)
	for to, r := range reqs {
		msgs := got[to]
		if len(msgs) != 1 {
			t.Fatalf("%s got %d messages", to, len(msgs))
		}
		if !bytes.Equal(msgs[0].Data, r.RawMessage) {
			t.Errorf("%s: the bytes sent differ from the bytes stored", to)
		}
		if msgs[0].From != "ann@example.org" {
			t.Errorf("envelope from %q", msgs[0].From)
		}
		m := parse(t, msgs[0].Data)
		if got, want := m.Header.Get("Message-Id"), "<"+r.MessageID+">"; got != want || !strings.HasPrefix(got, "<"+r.Ref+".") {
			t.Errorf("Message-ID %q, want %q", got, want)
		}
		if got := m.Header.Get("Reply-To"); got != `"Ann Example" <ann+`+r.Ref+`@example.org>` {
			t.Errorf("Reply-To %q", got)
		}
		if got := m.Header.Get("From"); got != `"Ann Example" <ann@example.org>` {
			t.Errorf("From %q", got)
		}
		if subj := dec.header(t, m.Header.Get("Subject")); !strings.HasSuffix(subj, "[ref: "+r.Ref+"]") {
			t.Errorf("Subject %q", subj)
		}
		date, err := m.Header.Date()
		if err != nil || time.Since(date) > time.Minute {
			t.Errorf("Date %v %v", date, err)
		}
		body := dec.body(t, m)
		act := "Freedom of Information Act 2000"
		if r.Authority.Nation == "Scotland" {
			act = "Freedom of Information (Scotland) Act 2002"
		}
		for _, want := range []string{"Dear " + r.Authority.Name + ",", act, r.Ref, "Ann Example"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s body lacks %q", to, want)
			}
		}
		if r.OutboxState != campaign.OutboxSent || r.Status != store.StatusAwaitingResponse || r.SentAt.IsZero() || r.DueDate != engineDue(r.Regime, r.SentAt) || r.Attempts != 1 {
			t.Errorf("row %+v", r)
		}
		if r.SentAt.Before(msgs[0].At.Add(-time.Second)) || r.SentAt.After(msgs[0].At.Add(time.Second)) {
			t.Errorf("sent_at %v, server accepted at %v", r.SentAt, msgs[0].At)
		}
		// The authority's history ends with its request's claim and
		// delivery, although those events name only the request.
		hist, _ := st.Events(ctx, store.EventFilter{Subject: store.Subject{Authority: r.AuthorityID}, Kind: "request."})
		var kinds []string
		for _, e := range hist {
			if e.Subject.Request != r.ID {
				t.Errorf("%s: authority history has %s of request %d", to, e.Kind, e.Subject.Request)
			}
			kinds = append(kinds, e.Kind)
		}
		if got := strings.Join(kinds, " "); !strings.HasSuffix(got, "request.claimed request.delivered") {
			t.Errorf("%s: authority history %q, want it to end with the claim and delivery", to, got)
		}
	}
	ev, _ := st.Events(ctx, store.EventFilter{Kind: "request.delivered"})
	if len(ev) != 12 {
		t.Errorf("%d delivered events", len(ev))
	}
	// Each claim is an event too, written before the message was sent.
	claims, _ := st.Events(ctx, store.EventFilter{Kind: "request.claimed"})
	if len(claims) != 12 {
		t.Errorf("%d claimed events", len(claims))
	}
	for _, e := range claims {
		var d struct {
			Attempt    int
			Dispatcher string
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil || d.Attempt != 1 || !strings.HasPrefix(d.Dispatcher, "pid") || e.Subject.Request == 0 {
			t.Errorf("claimed event %+v: %s", e, e.Detail)
		}
	}
	for _, e := range ev {
		all, _ := st.Events(ctx, store.EventFilter{Subject: store.Subject{Request: e.Subject.Request}, Kind: "request."})
		if n := len(all); n < 2 || all[n-2].Kind != "request.claimed" || all[n-1].Kind != "request.delivered" {
			t.Errorf("request %d events end %v, want claimed then delivered", e.Subject.Request, all)
		}
	}
	c2, _ := campaign.New(st).ByName(ctx, "survey")
	if c2.State != campaign.Done {
		t.Errorf("campaign %s", c2.State)
	}
	// A second run finds nothing to do and sends nothing.
	if sum, err := d.Run(ctx, c.ID); err != nil || sum.Sent != 0 || len(srv.Messages()) != 12 {
		t.Errorf("second run: %+v %v", sum, err)
	}
}

func TestTemporaryRcptRejectionIsRetriedThenSent(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 3, false)
	var tries atomic.Int32
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Rcpt: func(to string) error {
		if to == "foi@d1.example" && tries.Add(1) <= 2 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "greylisted, try later"}
		}
		return nil
	}}})
	d := dispatcher(st, srv)
	sum, err := d.Run(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 3 || sum.Retried != 2 {
		t.Errorf("summary %+v", sum)
	}
	r := requestsByEmail(t, st, c)["foi@d1.example"]
	if r.OutboxState != campaign.OutboxSent || r.Attempts != 3 {
		t.Errorf("row %+v", r)
	}
	if n := len(byRecipient(t, srv.Messages())["foi@d1.example"]); n != 1 {
		t.Errorf("%d copies", n)
	}
	ev, _ := st.Events(ctx, store.EventFilter{Kind: "request.retry", Subject: store.Subject{Request: r.ID}})
	if len(ev) != 2 || !strings.Contains(string(ev[0].Detail), `"code":451`) || !strings.Contains(string(ev[0].Detail), "4.3.0") {
		t.Errorf("retry events %v", ev)
	}
	claims, _ := st.Events(ctx, store.EventFilter{Kind: "request.claimed", Subject: store.Subject{Request: r.ID}})
	for i, e := range claims {
		if want := fmt.Sprintf(`"attempt":%d,`, i+1); !strings.Contains(string(e.Detail), want) {
			t.Errorf("claim %d: %s", i+1, e.Detail)
		}
	}
	if len(claims) != 3 {
		t.Errorf("%d claimed events for three attempts", len(claims))
	}
}

func TestTemporaryFailuresStopAtMaxAttempts(t *testing.T) {
	st, c := newCampaign(t, 2, false)
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Rcpt: func(to string) error {
		if to == "foi@d0.example" {
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		}
		return nil
	}}})
	sum, err := dispatcher(st, srv).Run(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := requestsByEmail(t, st, c)["foi@d0.example"]
	if sum.Failed != 1 || r.OutboxState != campaign.OutboxFailed || r.Attempts != 3 || r.SMTPCode != 452 || r.SMTPEnhanced != "4.2.2" {
		t.Errorf("summary %+v row %+v", sum, r)
	}
}

func TestPermanentRejectionFailsWithCodes(t *testing.T) {
	st, c := newCampaign(t, 3, false)
	var rcpts atomic.Int32
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Rcpt: func(to string) error {
		if to == "foi@d2.example" {
			rcpts.Add(1)
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	}}})
	sum, err := dispatcher(st, srv).Run(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := requestsByEmail(t, st, c)["foi@d2.example"]
	if sum.Sent != 2 || sum.Failed != 1 || r.OutboxState != campaign.OutboxFailed || r.SMTPCode != 550 || r.SMTPEnhanced != "5.1.1" || r.SMTPText != "no such mailbox" {
		t.Errorf("summary %+v row %+v", sum, r)
	}
	if rcpts.Load() != 1 {
		t.Errorf("a 5xx was retried: %d RCPTs", rcpts.Load())
	}
}

func TestConnectionLostAfterDataIsUnknownAndNotResent(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 4, false)
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Data: func(m smtptest.Message) smtptest.DataAction {
		return smtptest.DataAction{DropAfterData: m.To[0] == "foi@d1.example"}
	}}})
	d := dispatcher(st, srv)
	sum, err := d.Run(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := requestsByEmail(t, st, c)["foi@d1.example"]
	if sum.Unknown != 1 || sum.Sent != 3 || r.OutboxState != campaign.OutboxUnknown || !strings.Contains(r.SMTPText, "after the message data") {
		t.Errorf("summary %+v row %+v", sum, r)
	}
	// Neither this run (after reconnecting) nor a later one sends it again.
	if _, err := d.Run(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(byRecipient(t, srv.Messages())["foi@d1.example"]); n != 1 {
		t.Errorf("%d copies of the unknown message reached the server", n)
	}
	c2, _ := campaign.New(st).ByName(ctx, "survey")
	if c2.State != campaign.Queued {
		t.Errorf("campaign with an unknown request is %s; it is not done until a person resolves it", c2.State)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	st, c := newCampaign(t, 3, false)
	var slowRcpt atomic.Bool
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Delay: func(cmd, rcpt string) time.Duration {
		// The first RCPT to d0 hangs (before the data: retried); the end
		// of data for d2 hangs (after the data: unknown).
		if cmd == "RCPT" && rcpt == "foi@d0.example" && slowRcpt.CompareAndSwap(false, true) {
			return 3 * time.Second
		}
		if cmd == "DATA" && rcpt == "foi@d2.example" {
			return 3 * time.Second
		}
		return 0
	}}})
	d := dispatcher(st, srv)
	// Generous enough that a loaded machine never times out a normal reply.
	d.SMTP.Timeout = time.Second
	start := time.Now()
	sum, err := d.Run(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	reqs := requestsByEmail(t, st, c)
	if r := reqs["foi@d0.example"]; r.OutboxState != campaign.OutboxSent || r.Attempts != 2 {
		t.Errorf("slow RCPT: %+v", r)
	}
	if r := reqs["foi@d2.example"]; r.OutboxState != campaign.OutboxUnknown || !strings.Contains(r.SMTPText, "timeout") {
		t.Errorf("slow end of data: %+v", r)
	}
	if sum.Sent != 2 || sum.Unknown != 1 || time.Since(start) > 15*time.Second {
		t.Errorf("summary %+v after %v", sum, time.Since(start))
	}
}

func TestTLSRequiredButNotOfferedSendsNothing(t *testing.T) {
	st, c := newCampaign(t, 2, false)
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	d.SMTP.TLS = "starttls"
	_, err := d.Run(context.Background(), c.ID)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "does not offer STARTTLS") || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message went out")
	}
	for _, r := range requestsByEmail(t, st, c) {
		if r.OutboxState != campaign.OutboxQueued || r.Attempts != 0 {
			t.Errorf("row %+v", r)
		}
	}
}

func TestStartTLSWithPrivateCA(t *testing.T) {
	st, c := newCampaign(t, 2, false)
	serverTLS, clientTLS := testTLS(t)
	srv := startServer(t, smtptest.Options{TLS: serverTLS})
	d := dispatcher(st, srv)
	d.SMTP.TLS, d.SMTP.TLSConfig = "starttls", clientTLS
	sum, err := d.Run(context.Background(), c.ID)
	if err != nil || sum.Sent != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	// Without the CA the certificate does not verify: a clear error.
	st2, c2 := newCampaign(t, 1, false)
	d2 := dispatcher(st2, srv)
	d2.SMTP.TLS = "starttls"
	if _, err := d2.Run(context.Background(), c2.ID); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestNoneRefusedForRemoteHost(t *testing.T) {
	st, c := newCampaign(t, 1, false)
	d := &Dispatcher{Store: campaign.New(st), SMTP: SMTP{Host: "smtp.example.org", Port: 25, TLS: "none"}}
	if _, err := d.Run(context.Background(), c.ID); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("err = %v", err)
	}
}

func TestSendingRowAtStartupBecomesUnknown(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 3, false)
	// A dispatcher that died mid-send: its claim is in the database, its
	// lock is gone.
	ob, err := campaign.New(st).Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	g, err := ob.Claim(ctx, campaign.ClaimOptions{Owner: "pid1-dead", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, smtptest.Options{})
	sum, err := dispatcher(st, srv).Run(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Recovered) != 1 || sum.Recovered[0] != g.Ref || sum.Sent != 2 {
		t.Errorf("summary %+v", sum)
	}
	if n := len(byRecipient(t, srv.Messages())[g.ToEmail]); n != 0 {
		t.Errorf("the interrupted request was sent again")
	}
}

func TestTwoDispatchersNeverSendTwice(t *testing.T) {
	st, c := newCampaign(t, 60, false)
	srv := startServer(t, smtptest.Options{})
	// The second dispatcher has its own connection to the database, as a
	// second process would.
	st2, err := store.Open(context.Background(), st.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var wg sync.WaitGroup
	var total atomic.Int32
	for _, s := range []*store.Store{st, st2} {
		wg.Add(1)
		go func(s *store.Store) {
			defer wg.Done()
			sum, err := dispatcher(s, srv).Run(context.Background(), c.ID)
			if err != nil {
				t.Error(err)
			}
			total.Add(int32(sum.Sent))
		}(s)
	}
	wg.Wait()
	got := byRecipient(t, srv.Messages())
	if len(got) != 60 || total.Load() != 60 {
		t.Fatalf("%d recipients, %d sent", len(got), total.Load())
	}
	for to, ms := range got {
		if len(ms) != 1 {
			t.Errorf("%s got %d", to, len(ms))
		}
	}
}

func TestPerDomainIntervalAndRate(t *testing.T) {
	st, c := newCampaign(t, 3, true)
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	d.Limits.PerDomainInterval = 150 * time.Millisecond
	if _, err := d.Run(context.Background(), c.ID); err != nil {
		t.Fatal(err)
	}
	ms := srv.Messages()
	for i := 1; i < len(ms); i++ {
		if gap := ms[i].At.Sub(ms[i-1].At); gap < 140*time.Millisecond {
			t.Errorf("two messages to one domain %v apart", gap)
		}
	}
	st2, c2 := newCampaign(t, 4, false)
	d2 := dispatcher(st2, srv)
	d2.Limits.Rate, _ = ParseRate("2/400ms") // one every 200ms
	start := time.Now()
	if _, err := d2.Run(context.Background(), c2.ID); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 550*time.Millisecond {
		t.Errorf("4 messages at 2/400ms took %v", el)
	}
}

func TestDailyCapStopsSending(t *testing.T) {
	st, c := newCampaign(t, 5, false)
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	d.Limits.DailyCap = 3
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	sum, err := d.Run(ctx, c.ID)
	if !errors.Is(err, context.DeadlineExceeded) || sum.Sent != 3 || len(srv.Messages()) != 3 {
		t.Errorf("summary %+v err %v", sum, err)
	}
}

func TestPauseTakesEffectBeforeNextMessage(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 10, false)
	// The campaign is paused while its first message is being sent.
	var once sync.Once
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Data: func(smtptest.Message) smtptest.DataAction {
		once.Do(func() {
			if err := campaign.New(st).Pause(ctx, "survey"); err != nil {
				t.Error(err)
			}
		})
		return smtptest.DataAction{}
	}}})
	sum, err := dispatcher(st, srv).Run(ctx, c.ID)
	if err != nil || sum.Sent != 1 || len(srv.Messages()) != 1 {
		t.Errorf("summary %+v err %v", sum, err)
	}
	counts, _ := campaign.New(st).Counts(ctx, c.ID)
	if counts[campaign.OutboxQueued] != 9 || counts[campaign.OutboxSending] != 0 {
		t.Errorf("counts %v", counts)
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]Rate{"1/10s": {1, 10 * time.Second}, "30/m": {30, time.Minute}, " 500 / 24h ": {500, 24 * time.Hour}, "": {}} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"10", "0/s", "x/s", "1/fortnight", "1/-1s"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	r := Retry{MaxAttempts: 8, Base: time.Minute, Max: time.Hour}
	for n := 1; n <= 10; n++ {
		full := min(time.Minute<<(n-1), time.Hour)
		for i := 0; i < 20; i++ {
			if d := backoff(r, n); d < full/2 || d > full {
				t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, full/2, full)
			}
		}
	}
}

func TestSenderRefusedStopsWithoutFailingRequests(t *testing.T) {
	st, c := newCampaign(t, 3, false)
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Mail: func(string) error {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender not allowed"}
	}}})
	_, err := dispatcher(st, srv).Run(context.Background(), c.ID)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "refused our sender address ann@example.org") {
		t.Fatalf("err = %v", err)
	}
	// Not the authorities' fault: every request is still queued, no attempt counted.
	for _, r := range requestsByEmail(t, st, c) {
		if r.OutboxState != campaign.OutboxQueued || r.Attempts != 0 {
			t.Errorf("row %+v", r)
		}
	}
}

func TestUnreachableServerGivesUpLeavingRowsQueued(t *testing.T) {
	st, c := newCampaign(t, 2, false)
	// A loopback port that refuses every connection for the whole test.
	port := porttest.Reserve(t).Port()
	d := dispatcher(st, &smtptest.Server{Host: "127.0.0.1", Port: port})
	d.Retry.MaxAttempts = 3
	start := time.Now()
	_, err := d.Run(context.Background(), c.ID)
	var ce *ConnectError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "gave up after 3 attempts to connect") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	for _, r := range requestsByEmail(t, st, c) {
		if r.OutboxState != campaign.OutboxQueued || r.Attempts != 0 {
			t.Errorf("row %+v", r)
		}
	}
}

// Two dispatchers of one database see each other alive however each was
// given its path: one started through a symlink while the other is mid-send
// leaves the other's claim alone, and the server's acceptance is recorded.
func TestDispatcherThroughSymlinkSeesLiveDispatcher(t *testing.T) {
	ctx := context.Background()
	st, c := newCampaign(t, 2, false)
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(st.Path(), link); err != nil {
		t.Fatal(err)
	}
	held := make(chan string)      // the first message's recipient, while its DATA is held
	second := make(chan struct{})  // the second dispatcher reached the server
	release := make(chan struct{}) // let the first message's DATA finish
	var first atomic.Bool
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Data: func(m smtptest.Message) smtptest.DataAction {
		if first.CompareAndSwap(false, true) {
			held <- m.To[0]
			<-release
		} else {
			close(second)
		}
		return smtptest.DataAction{}
	}}})
	d1 := dispatcher(st, srv)
	d1.SMTP.Timeout = 30 * time.Second
	type result struct {
		sum Summary
		err error
	}
	r1 := make(chan result, 1)
	go func() {
		sum, err := d1.Run(ctx, c.ID)
		r1 <- result{sum, err}
	}()
	var heldTo string
	select {
	case heldTo = <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the first dispatcher never reached DATA")
	}

	st2, err := store.Open(ctx, link, store.Options{})
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer st2.Close()
	r2 := make(chan result, 1)
	go func() {
		sum, err := dispatcher(st2, srv).Run(ctx, c.ID)
		r2 <- result{sum, err}
	}()
	// The second dispatcher has done its startup recovery once it sends
	// the other request.
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("the second dispatcher never sent the other request")
	}
	if r := requestsByEmail(t, st, c)[heldTo]; r.OutboxState != campaign.OutboxSending {
		t.Errorf("while its dispatcher was mid-send, the held request became %s", r.OutboxState)
	}
	close(release)
	res1, res2 := <-r1, <-r2
	if res1.err != nil || res1.sum.Sent != 1 {
		t.Errorf("first dispatcher: %+v %v", res1.sum, res1.err)
	}
	if res2.err != nil || res2.sum.Sent != 1 || len(res2.sum.Recovered) != 0 {
		t.Errorf("second dispatcher: %+v %v", res2.sum, res2.err)
	}
	for to, r := range requestsByEmail(t, st, c) {
		if r.OutboxState != campaign.OutboxSent {
			t.Errorf("%s: %s (%s), want sent", to, r.OutboxState, r.SMTPText)
		}
	}
	if got := byRecipient(t, srv.Messages()); len(got) != 2 || len(got[heldTo]) != 1 {
		t.Errorf("messages %v", got)
	}
}
