package mailer

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"path/filepath"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
	"foidesk/templates"
)

// engineDue is the statutory due date of a request received at at.
func engineDue(regime string, at time.Time) string {
	r, err := deadline.ParseRegime(regime)
	if err != nil {
		panic(err)
	}
	return deadline.NewCalendar(r, deadline.EmbeddedHolidays()).Due(deadline.ReceiptDate(at), 20, deadline.Statutory).Due.String()
}

var testRequester = Requester{Name: "Ann Example", Email: "ann@example.org", PlusAddressing: true}

func strp(s string) *string { return &s }

// newCampaign makes a database with n authorities (domains d0.example …,
// or one shared domain when sameDomain) and a queued campaign to them.
func newCampaign(t testing.TB, n int, sameDomain bool) (*store.Store, campaign.Campaign) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "m.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var rows []registry.AuthorityInput
	for i := 0; i < n; i++ {
		email := fmt.Sprintf("foi@d%d.example", i)
		if sameDomain {
			email = fmt.Sprintf("foi%d@shared.example", i)
		}
		nation := "England"
		if i%4 == 3 {
			nation = "Scotland"
		}
		rows = append(rows, registry.AuthorityInput{Origin: "t", Code: fmt.Sprintf("A%03d", i), Name: fmt.Sprintf("Council %03d", i), Email: strp(email), Nation: strp(nation)})
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	res, err := cs.Create(ctx, campaign.Spec{Name: "survey", Template: "recording-policy", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return MessageID(ref, testRequester.Email) }})
	if err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	comp := Composer{Templates: set, Requester: testRequester}
	if _, err := cs.Queue(ctx, res.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) { return comp.Compose(res.Campaign, r) }); err != nil {
		t.Fatal(err)
	}
	c, _ := cs.ByName(ctx, "survey")
	return st, c
}

func startServer(t testing.TB, o smtptest.Options) *smtptest.Server {
	t.Helper()
	srv, err := smtptest.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func dispatcher(st *store.Store, srv *smtptest.Server) *Dispatcher {
	return &Dispatcher{
		Store: campaign.New(st),
		SMTP:  SMTP{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 2 * time.Second},
		Retry: Retry{MaxAttempts: 3, Base: 20 * time.Millisecond, Max: 100 * time.Millisecond},
	}
}

func byRecipient(t testing.TB, msgs []smtptest.Message) map[string][]smtptest.Message {
	t.Helper()
	out := map[string][]smtptest.Message{}
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("message to %v: want exactly one recipient", m.To)
		}
		out[m.To[0]] = append(out[m.To[0]], m)
	}
	return out
}

func parse(t testing.TB, raw []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func requestsByEmail(t testing.TB, st *store.Store, c campaign.Campaign) map[string]campaign.Request {
	t.Helper()
	reqs, err := campaign.New(st).Requests(context.Background(), c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]campaign.Request{}
	for _, r := range reqs {
		out[r.ToEmail] = r
	}
	return out
}
