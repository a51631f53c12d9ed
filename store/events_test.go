package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// eventsStore opens a new database holding the authorities the campaign
// tests use: three English ones with addresses, one Scottish one, and one
// without an address.
func eventsStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "e.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	strp := func(s string) *string { return &s }
	var rows []registry.AuthorityInput
	for i := 0; i < 3; i++ {
		tags := []string{"unitary"}
		rows = append(rows, registry.AuthorityInput{Origin: fmt.Sprintf("t:%d", i), Code: fmt.Sprintf("E%03d", i), Name: fmt.Sprintf("Council %03d", i),
			Email: strp(fmt.Sprintf("foi@c%03d.example", i)), Nation: strp("England"), Tags: &tags})
	}
	rows = append(rows,
		registry.AuthorityInput{Origin: "t:s", Code: "FIF", Name: "Fife Council", Email: strp("foi@fife.example"), Nation: strp("Scotland")},
		registry.AuthorityInput{Origin: "t:x", Code: "NOE", Name: "No Email Council", Nation: strp("England")})
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		t.Fatal(err)
	}
	return st
}

// An authority's history holds the events about it and about its requests,
// although the outbox records its claims and outcomes against the request
// alone.
func TestEventsOfAnAuthorityIncludeItsRequests(t *testing.T) {
	ctx := context.Background()
	s := eventsStore(t)
	cs := campaign.New(s)
	res, err := cs.Create(ctx, campaign.Spec{Name: "c", Template: "t", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return ref + ".test@example.org" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Queue(ctx, res.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		return campaign.Rendered{Subject: "s " + r.Ref, Raw: []byte("To: " + r.ToEmail + "\r\n\r\nbody\r\n")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	opt := campaign.ClaimOptions{Owner: "me", Now: time.Now()}
	var sent []*campaign.Outgoing
	g, err := ob.Claim(ctx, opt)
	for g != nil && err == nil {
		sent = append(sent, g)
		g, err = ob.MarkSent(ctx, g, "me", campaign.Delivery{AcceptedAt: time.Now()}, &opt)
	}
	if err != nil || len(sent) != 4 {
		t.Fatalf("sent %d: %v", len(sent), err)
	}
	a, other := sent[1], sent[2]

	// The outbox's rows name the request only.
	var named int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE kind IN ('request.claimed', 'request.delivered') AND authority_id IS NOT NULL`).Scan(&named); err != nil || named != 0 {
		t.Errorf("%d outbox events name an authority (%v)", named, err)
	}
	// Events naming the authority, the request or both (as request.created
	// and request.queued do: listed once), and one about another
	// authority's request.
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range []struct {
			kind string
			subj store.Subject
		}{
			{"test.authority", store.Subject{Authority: a.AuthorityID}},
			{"test.both", store.Subject{Authority: a.AuthorityID, Request: a.ID}},
			{"test.other", store.Subject{Request: other.ID}},
			{"test.message", store.Subject{Request: a.ID, Message: 9}},
		} {
			if err := s.AppendEvent(ctx, tx, e.kind, e.subj, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	kinds := func(f store.EventFilter) string {
		t.Helper()
		ev, err := s.Events(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var k []string
		for i, e := range ev {
			if i > 0 && ev[i-1].ID >= e.ID {
				t.Errorf("events out of order: %d then %d", ev[i-1].ID, e.ID)
			}
			k = append(k, e.Kind)
		}
		return strings.Join(k, " ")
	}
	auth := store.Subject{Authority: a.AuthorityID}
	for _, c := range []struct {
		f    store.EventFilter
		want string
	}{
		{store.EventFilter{Subject: auth}, "authority.added request.created request.queued request.claimed request.delivered test.authority test.both test.message"},
		{store.EventFilter{Subject: auth, Kind: "request."}, "request.created request.queued request.claimed request.delivered"},
		{store.EventFilter{Subject: auth, Kind: "test.both"}, "test.both"},
		{store.EventFilter{Subject: store.Subject{Authority: a.AuthorityID, Request: a.ID}}, "request.created request.queued request.claimed request.delivered test.both test.message"},
		{store.EventFilter{Subject: store.Subject{Authority: a.AuthorityID, Request: other.ID}}, ""},
		{store.EventFilter{Subject: store.Subject{Authority: a.AuthorityID, Message: 9}}, "test.message"},
		{store.EventFilter{Subject: auth, Limit: 2}, "authority.added request.created"},
		{store.EventFilter{Subject: store.Subject{Authority: other.AuthorityID}, Kind: "test."}, "test.other"},
		{store.EventFilter{Subject: store.Subject{Authority: 999}}, ""},
	} {
		if got := kinds(c.f); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
	ev, _ := s.Events(ctx, store.EventFilter{Subject: auth, Kind: "request.claimed"})
	if len(ev) != 1 {
		t.Fatalf("%d claims", len(ev))
	}
	if got := kinds(store.EventFilter{Subject: auth, AfterID: ev[0].ID}); got != "request.delivered test.authority test.both test.message" {
		t.Errorf("after the claim: %q", got)
	}
}

// Listing an authority's events searches indexes; it never reads the whole
// log.
func TestEventsOfAnAuthorityUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := eventsStore(t)
	for _, f := range []store.EventFilter{
		{Subject: store.Subject{Authority: 1}},
		{Subject: store.Subject{Authority: 1}, Kind: "request.", AfterID: 5, Limit: 10},
	} {
		q, args := store.EventsQuery(f)
		plan, err := s.QueryPlan(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		p := strings.Join(plan, "\n")
		for _, want := range []string{"events_authority", "events_request", "requests_authority"} {
			if !strings.Contains(p, want) {
				t.Errorf("%+v: plan does not use %s:\n%s", f, want, p)
			}
		}
		if strings.Contains(p, "SCAN events") || strings.Contains(p, "SCAN requests") {
			t.Errorf("%+v: plan scans a table:\n%s", f, p)
		}
	}
}
