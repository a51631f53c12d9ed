package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/ingest/imaptest"
	"foidesk/mailer"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// campaignStatusOutput is what a test reads of "campaign status --json".
type campaignStatusOutput struct {
	State    string         `json:"state"`
	Counts   map[string]int `json:"counts"`
	Requests []struct {
		Code     string `json:"code"`
		Ref      string `json:"ref"`
		State    string `json:"state"`
		SentAt   string `json:"sent_at"`
		DueDate  string `json:"due_date"`
		SMTPCode int    `json:"smtp_code"`
	} `json:"requests"`
}

func (f *campaignFixture) status(t *testing.T, name string) campaignStatusOutput {
	t.Helper()
	out, errOut, code := f.cli(t, "campaign", "status", name, "--json")
	if code != 0 {
		t.Fatalf("status: %d %s", code, errOut)
	}
	var s campaignStatusOutput
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	return s
}

func TestCampaignCreateListsAuthoritiesWithoutEmail(t *testing.T) {
	f := newCampaignFixture(t, 9, smtptest.Hooks{}, "")
	out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	if code != 0 || !strings.Contains(out, "8 requests") || !strings.Contains(out, "C008") || !strings.Contains(out, "no email address") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = f.cli(t, "campaign", "create", "scots", "--template", "recording-policy", "--nation", "scotland", "--allow-duplicates")
	if code != 0 || !strings.Contains(out, "2 requests") {
		t.Fatalf("nation: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"campaign", "create", "x", "--all"},
		{"campaign", "create", "x", "--template", "recording-policy"},
		{"campaign", "create", "x", "--template", "recording-policy", "--nation", "Mercia"},
		{"campaign", "create", "x", "--template", "no-such-letter", "--all"},
		{"campaign", "create", "--template", "recording-policy", "--all"},
	} {
		if _, errOut, code := f.cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}
	if _, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate: %d %s", code, errOut)
	}
}

// A campaign whose authorities all lack an address has nothing to preview
// or send: create and status say to give them addresses and add them.
func TestCampaignWithNoRequestsSaysWhatToDo(t *testing.T) {
	f := newCampaignFixture(t, 4, smtptest.Hooks{}, "") // C003, the one in Scotland, has no address
	out, errOut, code := f.cli(t, "campaign", "create", "scots", "--template", "recording-policy", "--nation", "scotland")
	if code != 0 || !strings.Contains(out, "0 requests") || !strings.Contains(out, "C003") ||
		!strings.Contains(out, "next: give them addresses") || !strings.Contains(out, "'foidesk campaign add scots --missing'") || strings.Contains(out, "campaign send") {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = f.cli(t, "campaign", "status", "scots")
	if code != 0 || !strings.Contains(out, "no requests yet: 'foidesk campaign add scots CODE...'") || strings.Contains(out, "AUTHORITY") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
}

func TestCampaignSendRequiresRequesterName(t *testing.T) {
	f := newCampaignFixture(t, 3, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	cfg, _ := os.ReadFile(f.cfg)
	os.WriteFile(f.cfg, []byte(strings.Replace(string(cfg), `name = "Ann Example"`, `name = ""`, 1)), 0o600)
	_, errOut, code := f.cli(t, "campaign", "send", "survey")
	if code != 1 || !strings.Contains(errOut, "real name") || !strings.Contains(errOut, "s.8") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(f.srv.Messages()) != 0 || f.status(t, "survey").Counts[campaign.OutboxDraft] != 2 {
		t.Error("something was queued or sent without a name")
	}
}

func TestCampaignDryRunQueueOnlyAndSend(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	out, errOut, code := f.cli(t, "campaign", "send", "survey", "--dry-run")
	if code != 0 || !strings.Contains(out, "would send 4 messages") || !strings.Contains(out, "nothing was changed") {
		t.Fatalf("dry run: %d\n%s%s", code, out, errOut)
	}
	if s := f.status(t, "survey"); s.State != campaign.Draft || s.Counts[campaign.OutboxDraft] != 4 || len(f.srv.Messages()) != 0 {
		t.Fatalf("dry run changed something: %+v", s)
	}
	out, _, code = f.cli(t, "campaign", "send", "survey", "--queue-only")
	if code != 0 || !strings.Contains(out, "queued 4") {
		t.Fatalf("queue only: %d %s", code, out)
	}
	if s := f.status(t, "survey"); s.State != campaign.Queued || s.Counts[campaign.OutboxQueued] != 4 || len(f.srv.Messages()) != 0 {
		t.Fatalf("queue only: %+v", s)
	}
	old := sendProgressLogEvery
	sendProgressLogEvery = time.Millisecond
	defer func() { sendProgressLogEvery = old }()
	out, errOut, code = f.cli(t, "campaign", "send", "survey")
	if code != 0 || !strings.Contains(out, "sent 4, failed 0, unknown 0") {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	s := f.status(t, "survey")
	if s.State != campaign.Done || s.Counts[campaign.OutboxSent] != 4 || len(f.srv.Messages()) != 4 {
		t.Fatalf("after send: %+v", s)
	}
	for _, r := range s.Requests {
		sent, err := time.Parse(time.RFC3339Nano, r.SentAt)
		due, err2 := time.Parse("2006-01-02", r.DueDate)
		// 20 working days is at least 26 calendar days and at most ~40.
		if err != nil || err2 != nil || due.Sub(sent) < 25*24*time.Hour || due.Sub(sent) > 45*24*time.Hour {
			t.Errorf("%s: sent %q due %q", r.Ref, r.SentAt, r.DueDate)
		}
	}
	txt, _, _ := f.cli(t, "campaign", "status", "survey")
	if !strings.Contains(txt, "Council 000") || !strings.Contains(txt, "sent") {
		t.Errorf("status:\n%s", txt)
	}
	// Sending again sends nothing.
	if _, _, code := f.cli(t, "campaign", "send", "survey"); code != 0 || len(f.srv.Messages()) != 4 {
		t.Errorf("second send: exit %d, %d messages", code, len(f.srv.Messages()))
	}
}

func TestCampaignPauseResumeCancel(t *testing.T) {
	f := newCampaignFixture(t, 4, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	f.cli(t, "campaign", "send", "survey", "--queue-only")
	if out, _, code := f.cli(t, "campaign", "pause", "survey"); code != 0 || !strings.Contains(out, "paused") {
		t.Fatalf("pause: %d %s", code, out)
	}
	if _, errOut, code := f.cli(t, "campaign", "send", "survey"); code != 1 || !strings.Contains(errOut, "paused") {
		t.Errorf("send while paused: %d %s", code, errOut)
	}
	if len(f.srv.Messages()) != 0 {
		t.Fatal("a paused campaign sent")
	}
	if out, _, code := f.cli(t, "campaign", "resume", "survey"); code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("resume: %d %s", code, out)
	}
	if out, _, code := f.cli(t, "campaign", "cancel", "survey"); code != 0 || !strings.Contains(out, "cancelled") {
		t.Fatalf("cancel: %d %s", code, out)
	}
	if s := f.status(t, "survey"); s.Counts[campaign.OutboxCancelled] != 3 {
		t.Errorf("cancel: %+v", s.Counts)
	}
	if _, _, code := f.cli(t, "campaign", "resume", "survey"); code != 1 {
		t.Errorf("resumed a cancelled campaign: %d", code)
	}
}

func TestRequestsResolveUnknown(t *testing.T) {
	drop := map[string]bool{"foi@council000.example": true, "foi@council001.example": true}
	f := newCampaignFixture(t, 4, smtptest.Hooks{Data: func(m smtptest.Message) smtptest.DataAction {
		return smtptest.DataAction{DropAfterData: drop[m.To[0]]}
	}}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	out, _, code := f.cli(t, "campaign", "send", "survey")
	if code != 1 || !strings.Contains(out, "unknown 2") || !strings.Contains(out, "requests resolve REF --sent") {
		t.Fatalf("send: %d\n%s", code, out)
	}
	refs := map[string]string{}
	for _, r := range f.status(t, "survey").Requests {
		refs[r.Code] = r.Ref
	}
	out, errOut, code := f.cli(t, "requests", "resolve", strings.ToLower(refs["C000"]), "--sent")
	if code != 0 || !strings.Contains(out, "delivered") || !strings.Contains(out, "due 20") {
		t.Fatalf("resolve --sent: %d %s%s", code, out, errOut)
	}
	delete(drop, "foi@council001.example")
	if out, _, code := f.cli(t, "requests", "resolve", refs["C001"], "--resend"); code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("resolve --resend: %d %s", code, out)
	}
	if out, _, code := f.cli(t, "campaign", "send", "survey"); code != 0 || !strings.Contains(out, "done") {
		t.Fatalf("send after resend: %d %s", code, out)
	}
	n := 0
	for _, m := range f.srv.Messages() {
		if m.To[0] == "foi@council001.example" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("resent request: server holds %d copies, want 2 (the dropped one and the resend)", n)
	}
	for _, args := range [][]string{
		{"requests", "resolve", refs["C002"], "--sent"}, // already sent
	} {
		if _, _, code := f.cli(t, args...); code != 1 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	for _, args := range [][]string{
		{"requests", "resolve", refs["C002"]},
		{"requests", "resolve", refs["C002"], "--sent", "--resend"},
		{"requests", "resolve", "NOTAREF1", "--sent"},
	} {
		if _, _, code := f.cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

func TestCampaignPreview(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	out, errOut, code := f.cli(t, "campaign", "preview", "survey", "--authority", "c003")
	if code != 0 || !strings.Contains(out, "Dear Council 003,") || !strings.Contains(out, "Scotland") || !strings.Contains(out, "Message-ID: <") || !strings.Contains(out, "[ref: ") {
		t.Fatalf("preview: %d\n%s%s", code, out, errOut)
	}
	dir := filepath.Join(t.TempDir(), "eml")
	if out, _, code := f.cli(t, "campaign", "preview", "survey", "--out", dir); code != 0 || !strings.Contains(out, "wrote 4") {
		t.Fatalf("preview --out: %d %s", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
	// Once queued, the preview is the stored message, byte for byte.
	f.cli(t, "campaign", "send", "survey", "--queue-only")
	for _, r := range f.requests(t, "survey") {
		out, _, _ := f.cli(t, "campaign", "preview", "survey", "--authority", r.Authority.Code, "--raw")
		if out != string(r.RawMessage) {
			t.Errorf("%s: preview differs from the stored message", r.Ref)
		}
	}
	if _, _, code := f.cli(t, "campaign", "preview", "survey", "--authority", "nope"); code != 1 {
		t.Errorf("unknown authority: %d", code)
	}
}

func TestCampaignPreviewShowsTheDecodedLetter(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	raw, _, code := f.cli(t, "campaign", "preview", "survey", "--authority", "C003", "--raw")
	if code != 0 || !strings.Contains(raw, "Content-Transfer-Encoding: quoted-printable") || !strings.Contains(raw, "=\r\n") {
		t.Fatalf("--raw: exit %d; want the quoted-printable bytes with soft line breaks:\n%s", code, raw)
	}
	out, errOut, code := f.cli(t, "campaign", "preview", "survey", "--authority", "C003")
	if code != 0 {
		t.Fatalf("preview: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"From: \"Ann Example\" <ann@example.org>\n",
		"To: \"Council 003\" <foi@council003.example>\n",
		"Subject: Freedom of Information request: policy on parents and carers recording meetings with social workers [ref: ",
		"\nI am writing to make a request for information under the Freedom of Information (Scotland) Act 2002.\n",
		"\nDear Council 003,\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "=\n") || strings.Contains(out, "\r") || strings.Contains(out, "Content-Transfer-Encoding") {
		t.Errorf("preview shows the transfer encoding, not the letter:\n%s", out)
	}
	if _, _, code := f.cli(t, "campaign", "preview", "survey", "--out", t.TempDir(), "--raw"); code != exitUsage {
		t.Errorf("--out with --raw: exit %d, want usage", code)
	}
}

func TestShowMessageEscapesHeadersAndBody(t *testing.T) {
	raw := "From: =?utf-8?q?Evil=0D=0AX-Forged=3A_yes?= <a@example.org>\r\n" +
		"Subject: hi\x1b[2J\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Dear Council=E2=80=99s =1B[31mred=\r\n still\tone line\r\n"
	var b strings.Builder
	if err := showMessage(&b, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	want := "From: Evil\\r\\nX-Forged: yes <a@example.org>\nSubject: hi\\x1b[2J\n\nDear Council\u2019s \\x1b[31mred still\tone line\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

// fakeResolver answers MX and host lookups from maps.
type fakeResolver struct {
	mx    map[string][]*net.MX
	hosts map[string][]string
}

func (r fakeResolver) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if mx, ok := r.mx[name]; ok {
		return mx, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if h, ok := r.hosts[host]; ok {
		return h, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCampaignCheck(t *testing.T) {
	f := newCampaignFixture(t, 6, smtptest.Hooks{}, "")
	// A second authority sharing an address.
	st, err := store.Open(context.Background(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	email, nation := "foi@council000.example", "England"
	if _, err := registry.New(st).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: []registry.AuthorityInput{{Origin: "t", Code: "DUP", Name: "Duplicate Council", Email: &email, Nation: &nation}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	old := checkResolver
	defer func() { checkResolver = old }()
	checkResolver = fakeResolver{
		mx: map[string][]*net.MX{
			"council000.example": {{Host: "mx.council000.example.", Pref: 10}},
			"council001.example": {{Host: ".", Pref: 0}}, // null MX
			"council003.example": {{Host: "mx.example.", Pref: 10}},
			"council004.example": {{Host: "mx.example.", Pref: 10}},
		},
		hosts: map[string][]string{"council002.example": {"192.0.2.1"}}, // no MX, but an A record
	}
	out, _, code := f.cli(t, "campaign", "check", "survey")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"foi@council000.example: shared by 2 authorities", "council001.example publishes a null MX"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "council002") || strings.Contains(out, "council003") {
		t.Errorf("a deliverable domain was reported:\n%s", out)
	}
	checkResolver = fakeResolver{mx: map[string][]*net.MX{}, hosts: map[string][]string{}}
	out, _, _ = f.cli(t, "campaign", "check", "survey")
	if !strings.Contains(out, "council004.example has no MX or A record") {
		t.Errorf("missing domain not reported:\n%s", out)
	}
}

func TestCampaignSendFilesCopiesInSentMailbox(t *testing.T) {
	imap := imaptest.Start(t, false, "INBOX", "Sent")
	f := newCampaignFixture(t, 3, smtptest.Hooks{}, fmt.Sprintf(`
[imap]
host = "127.0.0.1"
port = %d
tls = "none"
username = %q
sent_mailbox = "Sent"
append_sent = true
`, imap.Port, imaptest.User))
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	if out, errOut, code := f.cli(t, "campaign", "send", "survey"); code != 0 {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	var ids []string
	for _, r := range f.requests(t, "survey") {
		ids = append(ids, r.MessageID)
	}
	box := &mailer.SentBox{Host: "127.0.0.1", Port: imap.Port, TLS: "none", Username: imaptest.User, Password: imaptest.Password, Mailbox: "Sent", Timeout: 5 * time.Second}
	defer box.Close()
	found, err := box.Find(context.Background(), ids)
	if err != nil || len(found) != 2 {
		t.Fatalf("filed %v %v", found, err)
	}
}

// A follow-up letter cannot start a campaign, and a broken letter of the
// user's is found at create, naming its file, without blocking the others.
func TestCampaignCreateChecksItsLetter(t *testing.T) {
	tdir := t.TempDir()
	if err := os.WriteFile(filepath.Join(tdir, "broken.tmpl"), []byte("Subject: {{.X\n\nbody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newCampaignFixture(t, 3, smtptest.Hooks{}, fmt.Sprintf("\n[templates]\ndir = %q\n", tdir))
	_, errOut, code := f.cli(t, "campaign", "create", "chase", "--template", "chaser", "--all")
	if code != 1 || !strings.Contains(errOut, "follows up a request already sent") {
		t.Errorf("chaser campaign: exit %d %s", code, errOut)
	}
	_, errOut, code = f.cli(t, "campaign", "create", "bad", "--template", "broken", "--all")
	if code != 1 || !strings.Contains(errOut, "broken.tmpl") {
		t.Errorf("broken letter: exit %d %s", code, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Errorf("a broken file of another letter blocked this one: exit %d\n%s%s", code, out, errOut)
	}
}

// brokenTemplateFixture is a campaign whose letter fails to render for one
// authority (C002) only.
func brokenTemplateFixture(t *testing.T) *campaignFixture {
	t.Helper()
	tdir := t.TempDir()
	letter := "Subject: Test request\n\nDear {{.Authority.Name}},\n{{if eq .Authority.Code \"C002\"}}{{.Authority.NoSuchField}}{{end}}\nPlease.\n\n{{.Requester.Name}}\n"
	if err := os.WriteFile(filepath.Join(tdir, "flaky.tmpl"), []byte(letter), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, fmt.Sprintf("\n[templates]\ndir = %q\n", tdir))
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "flaky", "--all"); code != 0 {
		t.Fatalf("create: %d %s%s", code, out, errOut)
	}
	return f
}

func TestCampaignPreviewOutIsAllOrNothing(t *testing.T) {
	f := brokenTemplateFixture(t)
	parent := t.TempDir()
	dir := filepath.Join(parent, "eml")
	_, errOut, code := f.cli(t, "campaign", "preview", "survey", "--out", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, "authority C002") || !strings.Contains(errOut, "nothing written") {
		t.Errorf("stderr %q: want the failure to name C002 and say nothing was written", errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed preview: %v", dir, err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("left behind in %s: %v", parent, left)
	}

	// An existing directory keeps what it held, and gains nothing.
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "earlier.eml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := f.cli(t, "campaign", "preview", "survey", "--out", dir); code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	if got, _ := os.ReadDir(dir); len(got) != 1 || got[0].Name() != "earlier.eml" {
		t.Errorf("%s holds %v, want only earlier.eml", dir, got)
	}
	if left, _ := os.ReadDir(parent); len(left) != 1 {
		t.Errorf("left behind in %s: %v", parent, left)
	}
}

func TestCampaignPreviewOutIntoExistingDir(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	parent := t.TempDir()
	dir := filepath.Join(parent, "eml")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "earlier.eml"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := f.cli(t, "campaign", "preview", "survey", "--out", dir); code != 0 || !strings.Contains(out, "wrote 4") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	got, _ := os.ReadDir(dir)
	if len(got) != 5 {
		t.Fatalf("%s holds %v, want earlier.eml and 4 letters", dir, got)
	}
	if left, _ := os.ReadDir(parent); len(left) != 1 {
		t.Errorf("left behind in %s: %v", parent, left)
	}
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, r.Authority.Code+"-"+r.Ref+".eml"))
		if err != nil || !strings.Contains(string(b), "Content-Transfer-Encoding: quoted-printable") {
			t.Errorf("%s: %v; want the exact bytes", r.Authority.Code, err)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"E06000001":         "E06000001",
		"../../etc/passwd":  "______etc_passwd",
		`a\b`:               "a_b",
		"x\x00y\ny\x1b":     "x_y_y_",
		"..":                "__",
		"Caerffili-Sir_Gâr": "Caerffili-Sir_G_r",
	} {
		if got := safeFileName(in); got != want {
			t.Errorf("safeFileName(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("A", 300)
	if got := safeFileName(long); len(got) != maxFileNameCode {
		t.Errorf("a 300-character code gives a %d-byte name", len(got))
	}
}
