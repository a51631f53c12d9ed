package mailer

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
	"foidesk/templates"
)

// clock is a settable store clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// followUpFixture is a database holding one sent request (through the real
// outbox) to authority email, whose campaign chases with ch.
func followUpFixture(t *testing.T, regime, email string, sentAt time.Time, ch campaign.Chasers, now func() time.Time) (*store.Store, campaign.Request, FollowUps) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "f.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Kingsford Council", AuthorityEmail: email, SentAt: sentAt, Regime: regime})
	if err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	if ch.On() {
		if _, err := cs.SetChasers(ctx, r.Campaign, ch); err != nil {
			t.Fatal(err)
		}
	}
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return st, r, FollowUps{Store: cs, Composer: Composer{Templates: set, Requester: testRequester}}
}

// The days below are worked out by hand from the gov.uk bank holidays, not
// by the deadline engine. Under FOIA and EIR a working day is one that is
// a bank holiday in no part of the UK (s.10(6) FOIA); under FOISA and EISR
// Scotland's holidays alone count.
//
// A request received on Friday 20 November 2026 is due on Monday 21
// December under both (day 1 is Monday 23 November; St Andrew's Day, Monday
// 30 November, is a Scottish bank holiday). Christmas Day is a Friday,
// Boxing Day's substitute Monday 28 December, New Year's Day a Friday, and
// Scotland's 2 January has its substitute on Monday 4 January 2027.
//
// A request received on Wednesday 24 February 2027 is due on Wednesday 24
// March under FOISA and Thursday 25 March under FOIA (St Patrick's Day,
// Wednesday 17 March, is a bank holiday in Northern Ireland). Good Friday
// is 26 March, and Easter Monday, 29 March, is a bank holiday in England,
// Wales and Northern Ireland but not in Scotland.
func TestChasersQueuedOnWorkingDaysAcrossChristmas(t *testing.T) {
	christmas := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	easter := time.Date(2027, 2, 24, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, regime string
		sent         time.Time
		ch           campaign.Chasers
		due          string
		want         []string
	}{
		// 5 working days after 21 Dec: 22, 23, 24, 29, 30 Dec; then every 3:
		// 31 Dec, 5, 6 Jan; then 7, 8, 11 Jan.
		{"foia christmas", "foia", christmas, campaign.Chasers{After: 5, Every: 3, Max: 3}, "2026-12-21", []string{"2026-12-30", "2027-01-06", "2027-01-11"}},
		{"foisa christmas", "foisa", christmas, campaign.Chasers{After: 5, Every: 3, Max: 3}, "2026-12-21", []string{"2026-12-30", "2027-01-06", "2027-01-11"}},
		// 2 working days after the due date: 30, 31 Mar under FOIA; 25, 29
		// Mar under FOISA; then the next working day.
		{"foia easter", "foia", easter, campaign.Chasers{After: 2, Every: 1, Max: 2}, "2027-03-25", []string{"2027-03-31", "2027-04-01"}},
		{"foisa easter", "foisa", easter, campaign.Chasers{After: 2, Every: 1, Max: 2}, "2027-03-24", []string{"2027-03-29", "2027-03-30"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := &clock{t: tc.sent}
			_, r, fu := followUpFixture(t, tc.regime, "foi@kingsford.example", tc.sent, tc.ch, clk.Now)
			if r.DueDate != tc.due {
				t.Fatalf("due %s, want %s", r.DueDate, tc.due)
			}
			var got []string
			start := tc.sent.Truncate(24 * time.Hour).Add(9 * time.Hour)
			for day := start; day.Before(start.Add(80 * 24 * time.Hour)); day = day.Add(24 * time.Hour) {
				// Hourly, as the daemon calls it: the second call of a day
				// queues nothing.
				for _, at := range []time.Time{day, day.Add(time.Hour)} {
					clk.Set(at)
					n, err := fu.QueueChasers(ctx, at)
					if err != nil {
						t.Fatal(err)
					}
					for range n {
						got = append(got, deadline.ReceiptDate(at).String())
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("chasers queued on %v, want %v", got, tc.want)
			}
		})
	}
}

// chaseDay is the London morning of the working day n working days after
// request r's due date.
func chaseDay(t *testing.T, r campaign.Request, n int) time.Time {
	t.Helper()
	reg, _ := deadline.ParseRegime(r.Regime)
	due, err := deadline.ParseDate(r.DueDate)
	if err != nil {
		t.Fatal(err)
	}
	return lifecycle.Statutory().Calendar(reg).AddWorkingDays(due, n).Time().Add(9 * time.Hour)
}

func recordReply(t *testing.T, st *store.Store, r campaign.Request, uid uint32, kind, headerID string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	ms := mail.New(st)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	sum := strings.Repeat("cd", 31) + string(rune('a'+uid%6)) + string(rune('0'+uid%10))
	if _, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: sum, Size: 1, Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid},
		Derived: mail.Derived{HeaderMessageID: headerID, FromAddr: r.ToEmail, SentDate: at, RequestID: r.ID, MatchedBy: "test", Kind: kind, KindReason: "test"}}); err != nil {
		t.Fatal(err)
	}
}

func TestChaserThreadedSentOnceNotStoppedByAutoReplyStoppedByReply(t *testing.T) {
	ctx := context.Background()
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: sent}
	st, r, fu := followUpFixture(t, "foia", "foi@kingsford.example", sent, campaign.Chasers{After: 1, Every: 1, Max: 3}, clk.Now)
	cs := campaign.New(st)
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)

	// Nothing is due on the due date itself.
	at := chaseDay(t, r, 0)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 0 {
		t.Fatalf("on the due date: %d queued, %v", n, err)
	}
	at = chaseDay(t, r, 1)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 1 {
		t.Fatalf("a working day late: %d queued, %v", n, err)
	}
	sum, err := d.Run(ctx, 0)
	if err != nil || sum.Letters.Sent != 1 || sum.Sent != 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	// A second run sends nothing again.
	if sum, err := d.Run(ctx, 0); err != nil || sum.Letters.Sent != 0 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "foi@kingsford.example" || msgs[0].From != testRequester.Email {
		t.Fatalf("server got %+v", msgs)
	}
	m := parse(t, msgs[0].Data)
	orig := "<" + r.MessageID + ">"
	if got := m.Header.Get("In-Reply-To"); got != orig {
		t.Errorf("In-Reply-To %q, want %q", got, orig)
	}
	if got := m.Header.Get("References"); got != orig {
		t.Errorf("References %q, want %q", got, orig)
	}
	if got := m.Header.Get("Message-Id"); got != "<"+FollowUpMessageID(r.Ref, "chaser1", testRequester.Email)+">" {
		t.Errorf("Message-ID %q", got)
	}
	if subj := m.Header.Get("Subject"); !strings.Contains(subj, "[ref: "+r.Ref+"]") {
		t.Errorf("subject %q lacks the reference", subj)
	}
	if rt := m.Header.Get("Reply-To"); !strings.Contains(rt, PlusAddress(testRequester.Email, r.Ref)) {
		t.Errorf("Reply-To %q", rt)
	}

	// An auto-reply to the first chaser stops nothing: the second is
	// queued, threaded on it too, and sent.
	at = chaseDay(t, r, 2)
	clk.Set(at)
	recordReply(t, st, r, 1, lifecycle.KindAutoReply, "away@kingsford.example", at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 1 {
		t.Fatalf("second chaser: %d queued, %v", n, err)
	}
	if sum, err := d.Run(ctx, 0); err != nil || sum.Letters.Sent != 1 {
		t.Fatalf("after an auto-reply: %+v %v", sum, err)
	}

	// A response arrives after the third was queued, before it is sent: it
	// is cancelled, with the reason, and never reaches the server.
	at = chaseDay(t, r, 3)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 1 {
		t.Fatalf("third chaser: %d queued, %v", n, err)
	}
	third, _ := cs.LetterByKey(ctx, campaign.ChaserKey(r.ID, 3))
	if !strings.Contains(string(third.Subject), r.Ref) {
		t.Errorf("third chaser subject %q", third.Subject)
	}
	recordReply(t, st, r, 2, lifecycle.KindResponse, "answer@kingsford.example", at)
	if sum, err := d.Run(ctx, 0); err != nil || sum.Letters.Sent != 0 {
		t.Fatalf("after a response: %+v %v", sum, err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d messages reached the server, want 2", n)
	}
	second := parse(t, srv.Messages()[1].Data)
	if got := second.Header.Get("In-Reply-To"); got != "<away@kingsford.example>" {
		t.Errorf("second chaser In-Reply-To %q", got)
	}
	if got := second.Header.Get("References"); got != orig+" <away@kingsford.example>" {
		t.Errorf("second chaser References %q", got)
	}
	letters, err := cs.RequestLetters(ctx, r.ID)
	if err != nil || len(letters) != 3 {
		t.Fatalf("letters %+v %v", letters, err)
	}
	if letters[0].State != campaign.OutboxSent || letters[1].State != campaign.OutboxSent || letters[2].State != campaign.OutboxCancelled {
		t.Errorf("states %s %s %s", letters[0].State, letters[1].State, letters[2].State)
	}
	if !strings.Contains(letters[2].CancelReason, "replied") {
		t.Errorf("cancel reason %q", letters[2].CancelReason)
	}
	// Max reached and the request replied: nothing more, ever.
	at = chaseDay(t, r, 10)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 0 {
		t.Fatalf("after the reply: %d queued, %v", n, err)
	}
}

// An acknowledgement that arrives after the due date (a person writing
// "we are working on it") stops chasers; one from the first day does not.
func TestAcknowledgementAfterDueStopsChasers(t *testing.T) {
	ctx := context.Background()
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: sent}
	st, r, fu := followUpFixture(t, "foia", "foi@kingsford.example", sent, campaign.Chasers{After: 1, Every: 1, Max: 5}, clk.Now)
	recordReply(t, st, r, 1, lifecycle.KindAck, "ack1@kingsford.example", sent.Add(time.Hour))
	at := chaseDay(t, r, 1)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 1 {
		t.Fatalf("with a first-day acknowledgement: %d queued, %v", n, err)
	}
	recordReply(t, st, r, 2, lifecycle.KindAck, "ack2@kingsford.example", at)
	srv := startServer(t, smtptest.Options{})
	if sum, err := dispatcher(st, srv).Run(ctx, 0); err != nil || sum.Letters.Sent != 0 {
		t.Fatalf("run: %+v %v", sum, err)
	}
	l, _ := campaign.New(st).LetterByKey(ctx, campaign.ChaserKey(r.ID, 1))
	if l.State != campaign.OutboxCancelled || !strings.Contains(l.CancelReason, "acknowledgement") {
		t.Errorf("letter %+v", l)
	}
	clk.Set(chaseDay(t, r, 4))
	if n, err := fu.QueueChasers(ctx, clk.Now()); err != nil || n != 0 {
		t.Errorf("after the acknowledgement: %d queued, %v", n, err)
	}
}

func TestLetterLeftSendingByDeadDispatcherBecomesUnknownNotResent(t *testing.T) {
	ctx := context.Background()
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: sent}
	st, r, fu := followUpFixture(t, "foia", "foi@kingsford.example", sent, campaign.Chasers{After: 1, Every: 1, Max: 2}, clk.Now)
	cs := campaign.New(st)
	at := chaseDay(t, r, 1)
	clk.Set(at)
	if n, err := fu.QueueChasers(ctx, at); err != nil || n != 1 {
		t.Fatalf("%d queued, %v", n, err)
	}
	// A dispatcher that died mid-send: its claim is in the database, its
	// lock is gone.
	g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "pid1-dead", Now: at})
	if err != nil || g == nil {
		t.Fatalf("claim %+v %v", g, err)
	}
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	for range 2 {
		sum, err := d.Run(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Letters.Sent != 0 {
			t.Errorf("summary %+v", sum)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("the interrupted letter was sent again")
	}
	l, _ := cs.LetterByKey(ctx, g.Key)
	if l.State != campaign.OutboxUnknown {
		t.Errorf("letter is %s, want unknown", l.State)
	}
	// Its number is taken: the next chaser is the second, not the first again.
	clk.Set(chaseDay(t, r, 2))
	if n, err := fu.QueueChasers(ctx, clk.Now()); err != nil || n != 1 {
		t.Fatalf("%d queued, %v", n, err)
	}
	if _, err := cs.LetterByKey(ctx, campaign.ChaserKey(r.ID, 2)); err != nil {
		t.Error(err)
	}
}

// A stop asked for while a letter's SMTP transaction is in flight lets it
// finish and records it: nothing is left sending or unknown.
func TestCleanStopMidLetterRecordsIt(t *testing.T) {
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: sent}
	st, r, fu := followUpFixture(t, "foia", "foi@kingsford.example", sent, campaign.Chasers{After: 1, Every: 1, Max: 2}, clk.Now)
	at := chaseDay(t, r, 1)
	clk.Set(at)
	if n, err := fu.QueueChasers(context.Background(), at); err != nil || n != 1 {
		t.Fatalf("%d queued, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := startServer(t, smtptest.Options{Hooks: smtptest.Hooks{Delay: func(cmd, rcpt string) time.Duration {
		if cmd == "DATA" {
			cancel()
			return 100 * time.Millisecond
		}
		return 0
	}}})
	sum, err := dispatcher(st, srv).Run(ctx, 0)
	if err == nil {
		t.Fatalf("run ended without noticing the stop: %+v", sum)
	}
	l, _ := campaign.New(st).LetterByKey(context.Background(), campaign.ChaserKey(r.ID, 1))
	if l.State != campaign.OutboxSent || sum.Letters.Sent != 1 || len(srv.Messages()) != 1 {
		t.Errorf("letter %s, summary %+v, %d messages", l.State, sum, len(srv.Messages()))
	}
}

func TestInternalReviewThreadedSentOnce(t *testing.T) {
	ctx := context.Background()
	st, r, fu := followUpFixture(t, "foisa", "foi@kingsford.example", time.Now().Add(-60*24*time.Hour), campaign.Chasers{}, nil)
	cs := campaign.New(st)
	l, queued, err := fu.QueueReview(ctx, r, "You cited section 30 without saying why.", "ann", time.Now())
	if err != nil || !queued || l.Kind != campaign.LetterReview {
		t.Fatalf("review %+v %v %v", l, queued, err)
	}
	again, queued, err := fu.QueueReview(ctx, r, "again", "ann", time.Now())
	if err != nil || queued || again.ID != l.ID {
		t.Fatalf("second review %+v %v %v", again, queued, err)
	}
	srv := startServer(t, smtptest.Options{})
	d := dispatcher(st, srv)
	for range 2 {
		if _, err := d.Run(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := parse(t, msgs[0].Data)
	if got := m.Header.Get("In-Reply-To"); got != "<"+r.MessageID+">" {
		t.Errorf("In-Reply-To %q", got)
	}
	if subj := m.Header.Get("Subject"); !strings.Contains(subj, "Requirement for review") || !strings.Contains(subj, "[ref: "+r.Ref+"]") {
		t.Errorf("subject %q", subj)
	}
	body := string(msgs[0].Data)
	if !strings.Contains(body, "section 30 without saying why") || !strings.Contains(body, "section 20") {
		t.Errorf("body lacks the reason or the provision:\n%s", body)
	}
	got, _ := cs.LetterByKey(ctx, campaign.ReviewKey(r.ID))
	if got.State != campaign.OutboxSent || got.SentAt.IsZero() {
		t.Errorf("letter %+v", got)
	}
	// Sending it started the review clock: 20 working days from the date
	// the authority received the requirement (s.21(1) FOISA).
	status, due, err := st.RequestStatus(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := deadline.NewCalendar(deadline.FOISA, deadline.EmbeddedHolidays()).Due(deadline.ReceiptDate(got.SentAt), 20, deadline.Statutory).Due.String()
	if status != lifecycle.AwaitingReview || due != want {
		t.Errorf("after the review letter: %s due %s, want %s due %s", status, due, lifecycle.AwaitingReview, want)
	}
	// The reason says who knows it: foidesk, which sent the letter.
	var reason string
	if err := st.DB().QueryRowContext(ctx, `SELECT status_reason FROM requests WHERE id = ?`, r.ID).Scan(&reason); err != nil || !strings.Contains(reason, "review-requested, recorded by foidesk") {
		t.Errorf("status reason %q (%v)", reason, err)
	}
	evs, err := st.Events(ctx, store.EventFilter{Kind: "letter.sent"})
	if err != nil || len(evs) != 1 || strings.Contains(string(evs[0].Detail), "review_clock") {
		t.Errorf("letter.sent events %+v %v", evs, err)
	}
}

// Only a request still awaiting its response is chased: not one withdrawn,
// waiting for a fee or a clarification, or never delivered; a temporary
// bounce (4.x.x) moves nothing and stops nothing.
func TestOnlyRequestsAwaitingAResponseAreChased(t *testing.T) {
	ctx := context.Background()
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		record func(t *testing.T, st *store.Store, r campaign.Request)
		chased bool
	}{
		{"nothing happened", func(*testing.T, *store.Store, campaign.Request) {}, true},
		{"withdrawn", fact(lifecycle.FactWithdrawn), false},
		{"fee pending", fact(lifecycle.FactFeesNotice), false},
		{"clarification requested", fact(lifecycle.FactClarificationRequested), false},
		{"permanent bounce", bounce("5.1.1"), false},
		{"temporary bounce", bounce("4.2.2"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{t: sent}
			st, r, fu := followUpFixture(t, "foia", "foi@kingsford.example", sent, campaign.Chasers{After: 1, Every: 1, Max: 1}, clk.Now)
			clk.Set(sent.Add(24 * time.Hour))
			tc.record(t, st, r)
			at := chaseDay(t, r, 1)
			clk.Set(at)
			n, err := fu.QueueChasers(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			if chased := n == 1; chased != tc.chased {
				t.Errorf("%d chasers queued; want chased %v", n, tc.chased)
			}
		})
	}
}

func fact(f string) func(*testing.T, *store.Store, campaign.Request) {
	return func(t *testing.T, st *store.Store, r campaign.Request) {
		t.Helper()
		if _, err := st.RecordFact(context.Background(), r.Ref, store.Fact{Fact: f, At: st.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func bounce(status string) func(*testing.T, *store.Store, campaign.Request) {
	return func(t *testing.T, st *store.Store, r campaign.Request) {
		t.Helper()
		ms := mail.New(st)
		if _, err := ms.StartMailbox(context.Background(), "INBOX", 1); err != nil {
			t.Fatal(err)
		}
		if _, err := ms.RecordMessage(context.Background(), mail.NewMessage{SHA256: strings.Repeat("ef", 32), Size: 1, Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: 9},
			Derived: mail.Derived{HeaderMessageID: "dsn@mx.example", FromAddr: "mailer-daemon@mx.example", SentDate: st.Now(), RequestID: r.ID, MatchedBy: "test",
				Kind: lifecycle.KindBounce, KindReason: "test", BounceStatus: status, BounceRecipient: r.ToEmail}}); err != nil {
			t.Fatal(err)
		}
	}
}

// More requests due a chaser than one batch of the store's walk: each is
// chased once, and the next look queues none.
func TestChasersForMoreThanABatch(t *testing.T) {
	ctx := context.Background()
	now := storetest.DefaultSentAt.Add(70 * 24 * time.Hour)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "f.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reqs, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "national", Authorities: store.Batch + 20})
	if err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	if _, err := cs.SetChasers(ctx, "national", campaign.Chasers{After: 1, Every: 5, Max: 1}); err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	fu := FollowUps{Store: cs, Composer: Composer{Templates: set, Requester: testRequester}}
	if n, err := fu.QueueChasers(ctx, now); err != nil || n != len(reqs) {
		t.Fatalf("queued %d chasers (%v), want %d", n, err, len(reqs))
	}
	if n, err := fu.QueueChasers(ctx, now); err != nil || n != 0 {
		t.Fatalf("the second look queued %d (%v), want none", n, err)
	}
	var keys int
	if err := st.DB().QueryRow(`SELECT count(DISTINCT request_id) FROM letters WHERE kind = 'chaser'`).Scan(&keys); err != nil || keys != len(reqs) {
		t.Errorf("%d requests chased (%v), want %d", keys, err, len(reqs))
	}
}
