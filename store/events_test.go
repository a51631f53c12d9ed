package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// An authority's history holds the events about it and about its requests,
// although the outbox records its claims and outcomes against the request
// alone.
func TestEventsOfAnAuthorityIncludeItsRequests(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, err := s.CreateCampaign(ctx, NewCampaign{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	if err != nil {
		t.Fatal(err)
	}
	queueAll(t, s, res.Campaign)
	ob := outbox(t, s)
	opt := ClaimOptions{Owner: "me", Now: time.Now()}
	var sent []*Outgoing
	g, err := ob.Claim(ctx, opt)
	for g != nil && err == nil {
		sent = append(sent, g)
		g, err = ob.MarkSent(ctx, g, "me", Delivery{AcceptedAt: time.Now()}, &opt)
	}
	if err != nil || len(sent) != 4 {
		t.Fatalf("sent %d: %v", len(sent), err)
	}
	a, other := sent[1], sent[2]

	// The outbox's rows name the request only.
	var named int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE kind IN ('request.claimed', 'request.delivered') AND authority_id IS NOT NULL`).Scan(&named); err != nil || named != 0 {
		t.Errorf("%d outbox events name an authority (%v)", named, err)
	}
	// Events naming the authority, the request or both (as request.created
	// and request.queued do: listed once), and one about another
	// authority's request.
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range []struct {
			kind string
			subj Subject
		}{
			{"test.authority", Subject{Authority: a.AuthorityID}},
			{"test.both", Subject{Authority: a.AuthorityID, Request: a.ID}},
			{"test.other", Subject{Request: other.ID}},
			{"test.message", Subject{Request: a.ID, Message: 9}},
		} {
			if err := s.AppendEvent(ctx, tx, e.kind, e.subj, nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	kinds := func(f EventFilter) string {
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
	auth := Subject{Authority: a.AuthorityID}
	for _, c := range []struct {
		f    EventFilter
		want string
	}{
		{EventFilter{Subject: auth}, "authority.added request.created request.queued request.claimed request.delivered test.authority test.both test.message"},
		{EventFilter{Subject: auth, Kind: "request."}, "request.created request.queued request.claimed request.delivered"},
		{EventFilter{Subject: auth, Kind: "test.both"}, "test.both"},
		{EventFilter{Subject: Subject{Authority: a.AuthorityID, Request: a.ID}}, "request.created request.queued request.claimed request.delivered test.both test.message"},
		{EventFilter{Subject: Subject{Authority: a.AuthorityID, Request: other.ID}}, ""},
		{EventFilter{Subject: Subject{Authority: a.AuthorityID, Message: 9}}, "test.message"},
		{EventFilter{Subject: auth, Limit: 2}, "authority.added request.created"},
		{EventFilter{Subject: Subject{Authority: other.AuthorityID}, Kind: "test."}, "test.other"},
		{EventFilter{Subject: Subject{Authority: 999}}, ""},
	} {
		if got := kinds(c.f); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
	ev, _ := s.Events(ctx, EventFilter{Subject: auth, Kind: "request.claimed"})
	if len(ev) != 1 {
		t.Fatalf("%d claims", len(ev))
	}
	if got := kinds(EventFilter{Subject: auth, AfterID: ev[0].ID}); got != "request.delivered test.authority test.both test.message" {
		t.Errorf("after the claim: %q", got)
	}
}

// Listing an authority's events searches indexes; it never reads the whole
// log.
func TestEventsOfAnAuthorityUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	for _, f := range []EventFilter{
		{Subject: Subject{Authority: 1}},
		{Subject: Subject{Authority: 1}, Kind: "request.", AfterID: 5, Limit: 10},
	} {
		q, args := eventsQuery(f)
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
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
