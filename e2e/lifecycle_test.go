//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"foidesk/internal/demo"
)

const (
	campaigner   = "campaigner@foidesk.e2e.test"
	operator     = "operator@foidesk.e2e.test"
	imapPassword = "e2e-imap-secret"
	// outage is how long Postfix stays stopped mid-batch: a minute, many
	// of the dispatcher's reconnection intervals (retry_base 2s, retry_max
	// 4s), while the councils' replies wait to be sent too.
	outage = time.Minute
	// stopAfter: Postfix is stopped once this many requests have reached
	// the councils' mailboxes.
	stopAfter = 4
)

// The councils: 12 local mailboxes in all four nations, each behaving as
// real councils do.
var councils = []council{
	{"E2E01", "Ashford Borough Council", "England", "", acknowledges},
	{"E2E02", "Cardiff Council", "Wales", "", outOfOffice},
	{"E2E03", "Fife Council", "Scotland", "", sendsPolicyPDF},
	{"E2E04", "Belfast City Council", "Northern Ireland", "", refusesOnCost},
	{"E2E05", "Leeds City Council", "England", "", notHeld},
	{"E2E06", "Highland Council", "Scotland", "", noReplyAddress},
	{"E2E07", "Swansea Council", "Wales", "", bounces},
	{"E2E08", "Dundee City Council", "Scotland", "", silent},
	{"E2E09", "Newry, Mourne and Down District Council", "Northern Ireland", "", silent},
	{"E2E10", "Norfolk County Council", "England", "", silent},
	{"E2E11", "Gwynedd Council", "Wales", "", silent},
	{"E2E12", "Kent County Council", "England", "", sendsScannedPDF},
}

func init() {
	for i := range councils {
		councils[i].Email = fmt.Sprintf("foi@council%02d.e2e.test", i+1)
	}
}

// foidesk runs the binary built for the test against one config.
type foidesk struct {
	bin, cfg string
	env      []string
}

func (f *foidesk) command(args ...string) *exec.Cmd {
	cmd := exec.Command(f.bin, append([]string{"--config", f.cfg}, args...)...)
	cmd.Env = append(os.Environ(), f.env...)
	return cmd
}

// cli runs one command and returns its standard output; any failure
// fails the test.
func (f *foidesk) cli(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := f.command(args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("foidesk %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

func (f *foidesk) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := f.cli(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("foidesk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// maildirMessages are the messages delivered to one mailbox.
func maildirMessages(t *testing.T, dir string) []*mail.Message {
	t.Helper()
	var msgs []*mail.Message
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			raw, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// eventually polls cond until it holds, or fails the test after limit.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", limit, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

type requestJSON struct {
	Code            string `json:"code"`
	Regime          string `json:"regime"`
	Ref             string `json:"ref"`
	MessageID       string `json:"message_id"`
	State           string `json:"state"`
	Attempts        int    `json:"attempts"`
	Status          string `json:"status"`
	SentAt          string `json:"sent_at"`
	DueDate         string `json:"due_date"`
	RepliedAt       string `json:"replied_at"`
	WorkingDaysLate *int   `json:"working_days_late"`
}

type messageJSON struct {
	ID          int64   `json:"id"`
	From        string  `json:"from"`
	Subject     string  `json:"subject"`
	Kind        string  `json:"kind"`
	KindDetail  string  `json:"kind_detail"`
	RequestRef  *string `json:"request_ref"`
	MatchedBy   *string `json:"matched_by"`
	Attachments int     `json:"attachments"`
	CaseRef     string  `json:"case_ref"`
	Bounce      string  `json:"bounce_status"`
}

// TestCampaignLifecycle sends a campaign to 12 councils through a real
// Postfix, stopping Postfix mid-batch, while the councils answer through
// it and foidesk run reads the campaigner's mailbox from a real Dovecot;
// then checks every step of the lifecycle with foidesk's own commands.
func TestCampaignLifecycle(t *testing.T) {
	need(t, "tesseract", "tesseract-ocr") // for the scanned letter
	root := newMailRoot(t)
	crt := makeCerts(t, root.dir)
	domains := []string{"foidesk.e2e.test"}
	mailboxes := []string{campaigner, operator}
	for _, c := range councils {
		domains = append(domains, strings.SplitN(c.Email, "@", 2)[1])
		if c.Does != bounces {
			mailboxes = append(mailboxes, c.Email)
		}
	}
	pf := startPostfix(t, root, crt, domains, mailboxes)
	dc := startDovecot(t, root, crt, map[string]string{campaigner: imapPassword, operator: imapPassword})

	work := t.TempDir()
	bin := filepath.Join(work, "foidesk")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/foidesk").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The digest goes at the first whole minute at least 70 seconds from
	// now (Europe/London), when the first letters have been delivered and
	// are due soon ([alerts] due_soon_days = 25 covers a fresh request's
	// 20 working days), so today's digest has alerts to carry: a real
	// clock, nothing faked.
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	digestAt := time.Now().In(london).Add(70 * time.Second).Truncate(time.Minute).Add(time.Minute)
	if digestAt.Day() != time.Now().In(london).Day() {
		// The digest time would be tomorrow's: wait for midnight to pass.
		time.Sleep(time.Until(digestAt) + time.Second)
		digestAt = time.Now().In(london).Add(70 * time.Second).Truncate(time.Minute).Add(time.Minute)
	}
	f := &foidesk{bin: bin, cfg: filepath.Join(work, "foidesk.toml"), env: []string{"FOIDESK_IMAP_PASSWORD=" + imapPassword}}
	cfg := fmt.Sprintf(`[store]
path = %q
data_dir = %q

[requester]
name = "Ann Campaigner"
email = %q
reply_plus_addressing = true

[smtp]
host = "127.0.0.1"
port = %d
tls = "starttls"
ca_file = %q
rate = "1/1s"
per_domain_interval = "1s"
max_attempts = 40
retry_base = "2s"
retry_max = "4s"
timeout = "10s"

[imap]
host = "127.0.0.1"
port = %d
username = %q
tls = "starttls"
ca_file = %q
mailboxes = ["INBOX"]
poll_interval = "1s"
timeout = "10s"

[alerts]
email = %q
digest_time = %q
due_soon_days = 25

[web]
listen = "127.0.0.1:0"
`, filepath.Join(work, "foidesk.db"), filepath.Join(work, "data"), campaigner, pf.Port, crt.CA, dc.Port, campaigner, crt.CA, operator, digestAt.Format("15:04"))
	if err := os.WriteFile(f.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	// The register, through the import's own CSV path.
	var csv strings.Builder
	csv.WriteString("code,name,email,nation\n")
	for _, c := range councils {
		fmt.Fprintf(&csv, "%s,%q,%s,%s\n", c.Code, c.Name, c.Email, c.Nation)
	}
	regPath := filepath.Join(work, "councils.csv")
	if err := os.WriteFile(regPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f.cli(t, "authorities", "import", regPath)
	f.cli(t, "campaign", "create", "e2e", "--template", "recording-policy", "--all")
	f.cli(t, "campaign", "send", "e2e", "--queue-only")

	// The councils answer through Postfix as their Maildirs fill.
	resp := &responder{root: root, smtpAddr: pf.Addr, roots: crt.pool(t), councils: councils, seen: map[string]bool{}, sent: map[string]int{}}
	stopResp := make(chan struct{})
	respDone := make(chan struct{})
	go func() { resp.run(stopResp); close(respDone) }()
	t.Cleanup(func() {
		select {
		case <-stopResp:
		default:
			close(stopResp)
		}
		<-respDone
	})

	// foidesk run sends the queued campaign and reads the campaigner's
	// mailbox.
	runLog := filepath.Join(work, "run.log")
	logFile, err := os.Create(runLog)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	run := f.command("run")
	run.Stdout, run.Stderr = logFile, logFile
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	runExited := make(chan error, 1)
	go func() { runExited <- run.Wait() }()
	stopRun := func() {
		run.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-runExited:
			if err != nil {
				log, _ := os.ReadFile(runLog)
				t.Errorf("foidesk run: %v\n%s", err, log)
			}
		case <-time.After(45 * time.Second):
			run.Process.Kill()
			t.Errorf("foidesk run did not stop within 45s of SIGTERM")
		}
	}
	stopped := false
	defer func() {
		if !stopped {
			stopRun()
		}
	}()
	failWithLogs := func(format string, args ...any) {
		t.Helper()
		log, _ := os.ReadFile(runLog)
		pflog, _ := os.ReadFile(pf.logPath)
		t.Fatalf(format+"\n--- foidesk run:\n%s\n--- postfix:\n%s", append(args, log, pflog)...)
	}

	delivered := func() int {
		n := 0
		for _, c := range councils {
			if c.Does != bounces {
				n += len(maildirMessages(t, root.maildir(c.Email)))
			}
		}
		return n
	}
	// Postfix goes down mid-batch.
	deadline := time.Now().Add(60 * time.Second)
	for delivered() < stopAfter {
		if time.Now().After(deadline) {
			failWithLogs("fewer than %d requests reached the councils in 60s", stopAfter)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pf.stop(t)
	// A delivery agent may finish writing the message it had in hand.
	time.Sleep(time.Second)
	atStop := delivered()
	t.Logf("postfix stopped after %d requests reached the councils; down for %s", atStop, outage)
	time.Sleep(outage)
	if n := delivered(); n != atStop {
		t.Fatalf("%d requests reached the councils while Postfix was down", n-atStop)
	}
	pf.restart(t)
	t.Logf("postfix started again")

	var status struct {
		StatusCounts map[string]int `json:"status_counts"`
		Requests     []requestJSON  `json:"requests"`
	}
	// Everything settles: every request sent, every answer ingested, the
	// PDF extracted, the digest delivered.
	wantMessages := 8 // seven councils' replies and the bounce
	var msgs []messageJSON
	waitFor := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				failWithLogs("after %s: %s", limit, what)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	waitFor("every request sent", 90*time.Second, func() bool {
		f.json(t, &status, "campaign", "status", "e2e", "--json")
		for _, r := range status.Requests {
			if r.State != "sent" {
				return false
			}
		}
		return len(status.Requests) == len(councils)
	})
	waitFor(fmt.Sprintf("%d messages ingested", wantMessages), 90*time.Second, func() bool {
		msgs = nil
		f.json(t, &msgs, "messages", "list", "--json")
		return len(msgs) >= wantMessages
	})
	type docJSON struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		Sources []struct {
			RequestRef string `json:"request_ref"`
			Filename   string `json:"filename"`
		} `json:"sources"`
	}
	var docs []docJSON
	waitFor("the policy PDF and the scanned letter extracted", 60*time.Second, func() bool {
		docs = nil
		f.json(t, &docs, "documents", "list", "--json")
		extracted := map[string]bool{}
		for _, d := range docs {
			for _, src := range d.Sources {
				extracted[src.Filename] = true
			}
		}
		return extracted["recording-policy.pdf"] && extracted[demo.ScannedFilename]
	})
	waitFor("the digest in the operator's mailbox", time.Until(digestAt)+60*time.Second, func() bool {
		return len(maildirMessages(t, root.maildir(operator))) > 0
	})
	// One more poll interval, for anything that would arrive twice.
	time.Sleep(3 * time.Second)
	stopRun()
	stopped = true
	close(stopResp)
	<-respDone
	for _, err := range resp.problems() {
		t.Errorf("responder: %v", err)
	}

	f.json(t, &status, "campaign", "status", "e2e", "--json")
	byCode := map[string]requestJSON{}
	byRef := map[string]council{}
	for _, r := range status.Requests {
		byCode[r.Code] = r
		for _, c := range councils {
			if c.Code == r.Code {
				byRef[r.Ref] = c
			}
		}
	}

	t.Run("EveryCouncilReceivedExactlyOneRequest", func(t *testing.T) {
		retried, most := 0, 0
		for _, c := range councils {
			r := byCode[c.Code]
			if r.State != "sent" {
				t.Errorf("%s: outbox state %q, want sent", c.Code, r.State)
			}
			if r.Attempts > 1 {
				retried++
			}
			most = max(most, r.Attempts)
			if c.Does == bounces {
				continue
			}
			got := maildirMessages(t, root.maildir(c.Email))
			if len(got) != 1 {
				t.Errorf("%s received %d messages, want exactly 1", c.Code, len(got))
				continue
			}
			if id := strings.Trim(got[0].Header.Get("Message-ID"), "<>"); id != strings.Trim(r.MessageID, "<>") {
				t.Errorf("%s received Message-ID %q, want the request's %q", c.Code, id, r.MessageID)
			}
		}
		// The outage refused connections for several retry intervals: the
		// dispatcher said so each time, sent nothing meanwhile (a refused
		// connection costs no request an attempt) and, once Postfix was
		// back, sent the rest once each.
		log, err := os.ReadFile(runLog)
		if err != nil {
			t.Fatal(err)
		}
		refused := bytes.Count(log, []byte("SMTP server unreachable; nothing was sent, trying again"))
		if refused < 3 {
			t.Errorf("the dispatcher found Postfix unreachable %d times during a %s outage; want several retries\n%s", refused, outage, log)
		}
		t.Logf("the dispatcher retried the connection %d times during the outage; %d of %d requests took more than one attempt, the most %d", refused, retried, len(councils), most)
	})

	t.Run("EveryReplyMatchedAndTriaged", func(t *testing.T) {
		want := map[behaviour]string{
			acknowledges: "acknowledgement", outOfOffice: "auto-reply", sendsPolicyPDF: "response", sendsScannedPDF: "response",
			refusesOnCost: "refusal", notHeld: "response", noReplyAddress: "response", bounces: "bounce",
		}
		seen := map[string]int{}
		for _, m := range msgs {
			if m.RequestRef == nil {
				t.Errorf("message %d from %s (%q) is unmatched", m.ID, m.From, m.Subject)
				continue
			}
			c, ok := byRef[*m.RequestRef]
			if !ok {
				t.Errorf("message %d matched to unknown request %s", m.ID, *m.RequestRef)
				continue
			}
			seen[c.Code]++
			if m.Kind != want[c.Does] {
				t.Errorf("%s: message %d (%q) triaged %q, want %q", c.Code, m.ID, m.Subject, m.Kind, want[c.Does])
			}
			switch c.Does {
			case acknowledges:
				if m.CaseRef != "FOI-2026-01" {
					t.Errorf("%s: the acknowledgement's case reference is %q, want FOI-2026-01", c.Code, m.CaseRef)
				}
			case refusesOnCost:
				if !strings.Contains(m.KindDetail, "12") || !strings.Contains(m.KindDetail, "cost limit") {
					t.Errorf("%s: the refusal cites %q, want s.12 (cost limit)", c.Code, m.KindDetail)
				}
			case sendsPolicyPDF, sendsScannedPDF:
				if m.Attachments != 1 {
					t.Errorf("%s: %d attachments, want the PDF", c.Code, m.Attachments)
				}
			case bounces:
				// Postfix's DSN: the address does not exist, for good.
				if m.Bounce != "5.1.1" {
					t.Errorf("%s: bounce status %q, want 5.1.1", c.Code, m.Bounce)
				}
			case noReplyAddress:
				if !strings.HasPrefix(m.From, "noreply@") {
					t.Errorf("%s: from %q", c.Code, m.From)
				}
			}
		}
		for _, c := range councils {
			n := seen[c.Code]
			if c.Does == silent && n != 0 || c.Does != silent && n != 1 {
				t.Errorf("%s (%v) has %d messages matched", c.Code, c.Does, n)
			}
			if c.Does != silent && c.Does != bounces && resp.sentBy(c.Code) != 1 {
				t.Errorf("%s sent %d replies", c.Code, resp.sentBy(c.Code))
			}
		}
	})

	t.Run("PolicyTextExtracted", func(t *testing.T) {
		pdfRef := byCode["E2E03"].Ref
		found := false
		for _, d := range docs {
			for _, s := range d.Sources {
				if s.RequestRef != pdfRef || s.Filename != "recording-policy.pdf" {
					continue
				}
				found = true
				if d.Status != "ok" {
					t.Errorf("document %d: status %q", d.ID, d.Status)
				}
				text := f.cli(t, "documents", "show", fmt.Sprint(d.ID))
				for _, line := range policyText {
					if !strings.Contains(strings.Join(strings.Fields(text), " "), line) {
						t.Errorf("document %d's text lacks %q:\n%s", d.ID, line, text)
					}
				}
			}
		}
		if !found {
			t.Errorf("no document from recording-policy.pdf for %s: %+v", pdfRef, docs)
		}
	})

	t.Run("ScannedLetterOCRed", func(t *testing.T) {
		// The scan has no text layer: what is read is tesseract's, so
		// it is checked word by word, allowing OCR a slip or two.
		scanRef := byCode["E2E12"].Ref
		found := false
		for _, d := range docs {
			for _, s := range d.Sources {
				if s.RequestRef != scanRef || s.Filename != demo.ScannedFilename {
					continue
				}
				found = true
				if d.Status != "ok" {
					t.Errorf("document %d: status %q", d.ID, d.Status)
				}
				text := f.cli(t, "documents", "show", fmt.Sprint(d.ID))
				read := map[string]bool{}
				for _, w := range words(text) {
					read[w] = true
				}
				want := words("Kent County Council " + strings.Join(policyText, " "))
				var missed []string
				for _, w := range want {
					if !read[w] {
						missed = append(missed, w)
					}
				}
				if len(missed) > len(want)/10 {
					t.Errorf("document %d: OCR missed %d of %d words: %v\n%s", d.ID, len(missed), len(want), missed, text)
				}
			}
		}
		if !found {
			t.Errorf("no document from %s for %s: %+v", demo.ScannedFilename, scanRef, docs)
		}
	})

	t.Run("StatusesAndDueDates", func(t *testing.T) {
		for _, c := range councils {
			r := byCode[c.Code]
			wantRegime := "foia"
			if c.Nation == "Scotland" {
				wantRegime = "foisa"
			}
			if r.Regime != wantRegime {
				t.Errorf("%s: regime %q, want %q", c.Code, r.Regime, wantRegime)
			}
			want := "due-soon" // an acknowledgement or an auto-reply does not stop the clock
			switch c.Does {
			case bounces:
				want = "not-delivered"
			case sendsPolicyPDF, sendsScannedPDF, refusesOnCost, notHeld, noReplyAddress:
				want = "replied"
			}
			if r.Status != want {
				t.Errorf("%s: status %q, want %q", c.Code, r.Status, want)
			}
			if c.Does == bounces {
				continue
			}
			sent, err := time.Parse(time.RFC3339, r.SentAt)
			if err != nil {
				t.Errorf("%s: sent_at %q: %v", c.Code, r.SentAt, err)
				continue
			}
			due := dueDate(t, r.Regime, londonDate(t, sent))
			if r.DueDate != due.Format("2006-01-02") {
				t.Errorf("%s (%s, sent %s): due %s, want %s", c.Code, r.Regime, r.SentAt, r.DueDate, due.Format("2006-01-02"))
			}
		}
	})

	t.Run("SilentCouncilsOverdue", func(t *testing.T) {
		// A day well after every due date: the councils that never
		// answered (an acknowledgement and an auto-reply are not answers)
		// are overdue by the working days counted here.
		var latest time.Time
		for _, r := range status.Requests {
			if d, err := time.Parse("2006-01-02", r.DueDate); err == nil && d.After(latest) {
				latest = d
			}
		}
		asOf := latest.AddDate(0, 0, 9)
		var overdue []struct {
			AuthorityCode   string `json:"authority_code"`
			Regime          string `json:"regime"`
			Due             string `json:"due"`
			WorkingDaysLate int    `json:"working_days_late"`
			State           string `json:"state"`
		}
		f.json(t, &overdue, "overdue", "--as-of", asOf.Format("2006-01-02"), "--json")
		got := map[string]bool{}
		regimes := map[string]bool{}
		for _, o := range overdue {
			got[o.AuthorityCode] = true
			regimes[o.Regime] = true
			due, err := time.Parse("2006-01-02", o.Due)
			if err != nil {
				t.Fatal(err)
			}
			if want := daysLate(t, o.Regime, due, asOf); o.WorkingDaysLate != want {
				t.Errorf("%s (%s): %d working days late on %s, want %d", o.AuthorityCode, o.Regime, o.WorkingDaysLate, asOf.Format("2006-01-02"), want)
			}
			if o.State != "overdue" {
				t.Errorf("%s: state %q, want overdue", o.AuthorityCode, o.State)
			}
		}
		for _, c := range councils {
			wantLate := c.Does == silent || c.Does == acknowledges || c.Does == outOfOffice
			if got[c.Code] != wantLate {
				t.Errorf("%s (%v): overdue on %s is %v, want %v", c.Code, c.Does, asOf.Format("2006-01-02"), got[c.Code], wantLate)
			}
		}
		if !regimes["foia"] || !regimes["foisa"] {
			t.Errorf("the overdue list should hold FOIA and FOISA requests: %v", regimes)
		}
	})

	t.Run("DigestDelivered", func(t *testing.T) {
		got := maildirMessages(t, root.maildir(operator))
		if len(got) != 1 {
			t.Fatalf("the operator received %d messages, want one digest", len(got))
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(got[0].Header.Get("Subject"))
		// Nothing is overdue today; the requests still awaiting an answer
		// (all but the bounce and the five answered) are due soon.
		if m := regexp.MustCompile(`\b(\d+) overdue, (\d+) due soon`).FindStringSubmatch(subject); m == nil || m[1] != "0" || m[2] == "0" {
			t.Errorf("the digest's subject %q: want nothing overdue and some due soon", subject)
		}
		if from := got[0].Header.Get("From"); !strings.Contains(from, campaigner) {
			t.Errorf("the digest is from %q", from)
		}
	})

	t.Run("ReportCounts", func(t *testing.T) {
		// The not-held letter is a response under FOIA s.1(1)(a): triage
		// marks it "not held", and the report counts it so, with nobody
		// correcting it.
		var rep struct {
			Summary struct {
				Targeted  int `json:"targeted"`
				Sent      int `json:"sent"`
				Delivered int `json:"delivered"`
				Bounced   int `json:"bounced"`
				Replied   int `json:"replied"`
				Refused   int `json:"refused"`
				NotHeld   int `json:"not_held"`
				Never     int `json:"never_replied"`
			} `json:"summary"`
		}
		f.json(t, &rep, "report", "e2e", "--format", "json")
		s := rep.Summary
		want := [...]int{12, 12, 11, 1, 5, 1, 1}
		got := [...]int{s.Targeted, s.Sent, s.Delivered, s.Bounced, s.Replied, s.Refused, s.NotHeld}
		if got != want {
			t.Errorf("report counts targeted, sent, delivered, bounced, replied, refused, not held = %v, want %v", got, want)
		}
	})
}
