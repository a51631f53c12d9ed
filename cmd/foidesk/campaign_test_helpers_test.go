package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// campaignFixture is a database with n authorities (every fourth one
// Scottish, the last one without an email) and a config pointing at an
// in-process SMTP server.
type campaignFixture struct {
	dir, db, cfg string
	srv          *smtptest.Server
	n            int
}

func newCampaignFixture(t testing.TB, n int, hooks smtptest.Hooks, cfgExtra string) *campaignFixture {
	t.Helper()
	srv, err := smtptest.Start(smtptest.Options{Hooks: hooks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	f := &campaignFixture{dir: t.TempDir(), srv: srv, n: n}
	f.db = filepath.Join(f.dir, "foidesk.db")
	st, err := store.Open(context.Background(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []registry.AuthorityInput
	for i := 0; i < n; i++ {
		email, nation := fmt.Sprintf("foi@council%03d.example", i), "England"
		if i%4 == 3 {
			nation = "Scotland"
		}
		in := registry.AuthorityInput{Origin: fmt.Sprintf("fixture:%d", i), Code: fmt.Sprintf("C%03d", i), Name: fmt.Sprintf("Council %03d", i), Nation: &nation}
		if i != n-1 {
			in.Email = &email
		}
		rows = append(rows, in)
	}
	if _, err := registry.New(st).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: rows}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	f.cfg = filepath.Join(f.dir, "foidesk.toml")
	body := fmt.Sprintf(`[requester]
name = "Ann Example"
email = "ann@example.org"
reply_plus_addressing = true

[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
timeout = "5s"
retry_base = "50ms"
retry_max = "200ms"
%s`, srv.Port, cfgExtra)
	if err := os.WriteFile(f.cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// cli runs foidesk in-process against the fixture.
func (f *campaignFixture) cli(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	all := append([]string{"--config", f.cfg, "--db", f.db}, args...)
	code = run(context.Background(), all, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func (f *campaignFixture) requests(t testing.TB, name string) []campaign.Request {
	t.Helper()
	st, err := store.Open(context.Background(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs := campaign.New(st)
	c, err := cs.ByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := cs.Requests(context.Background(), c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}
