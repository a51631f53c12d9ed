package campaign

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/registry"
)

// correctAddress re-imports authority code with a new address, as a user
// fixing the register would.
func correctAddress(t *testing.T, s *Store, code, email string) {
	t.Helper()
	_, err := registry.New(s.core).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: []registry.AuthorityInput{
		{Origin: "fix.csv:2", Code: code, Email: strp(email)},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// readdressedEvents returns the request.readdressed events of request id.
func readdressedEvents(t *testing.T, s *Store, id int64) []map[string]any {
	t.Helper()
	evs, err := s.core.Events(context.Background(), store.EventFilter{Kind: "request.readdressed", Subject: store.Subject{Request: id}})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func requestFor(t *testing.T, s *Store, campaignID int64, code string) Request {
	t.Helper()
	reqs, err := s.Requests(context.Background(), campaignID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if r.Authority.Code == code {
			return r
		}
	}
	t.Fatalf("no request for %s", code)
	return Request{}
}

func TestQueueAddressesFromTheRegisterNow(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 2)
	res, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	if err != nil {
		t.Fatal(err)
	}
	correctAddress(t, s, "E000", "foi@fixed.example")
	queueAll(t, s, res.Campaign)
	r := requestFor(t, s, res.Campaign.ID, "E000")
	if r.ToEmail != "foi@fixed.example" || !strings.Contains(string(r.RawMessage), "To: foi@fixed.example") {
		t.Fatalf("queued to %s:\n%s", r.ToEmail, r.RawMessage)
	}
	ev := readdressedEvents(t, s, r.ID)
	if len(ev) != 1 || ev[0]["from"] != "foi@c000.example" || ev[0]["to"] != "foi@fixed.example" || ev[0]["when"] != "queue" {
		t.Errorf("events %v", ev)
	}
	if other := requestFor(t, s, res.Campaign.ID, "E001"); other.ToEmail != "foi@c001.example" || len(readdressedEvents(t, s, other.ID)) != 0 {
		t.Errorf("an unchanged authority was re-addressed: %s", other.ToEmail)
	}
}

func TestResendAddressesFromTheRegisterNow(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 1)
	res, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Tags: []string{"unitary"}}, MessageID: msgID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Queue(ctx, res.Campaign.ID, func(r Request) (Rendered, error) {
		raw := "From: Ann <ann@example.org>\r\nTo: \"Council 000\"\r\n <" + r.ToEmail + ">\r\nMessage-ID: <" + r.MessageID + ">\r\n\r\nbody\r\n"
		return Rendered{Subject: "s", Raw: []byte(raw)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ob := outbox(t, s)
	now := time.Now()
	g, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now})
	if err != nil || g == nil {
		t.Fatal(g, err)
	}
	if _, err := ob.MarkFailed(ctx, g, "me", SMTPReply{Code: 550, Enhanced: "5.1.1", Text: "no such user"}, nil); err != nil {
		t.Fatal(err)
	}
	correctAddress(t, s, "E000", "foi@fixed.example")
	if _, err := s.ResolveResend(ctx, g.Ref); err != nil {
		t.Fatal(err)
	}
	g2, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now})
	if err != nil || g2 == nil {
		t.Fatal(g2, err)
	}
	want := "From: Ann <ann@example.org>\r\nTo: \"Council 000\" <foi@fixed.example>\r\nMessage-ID: <" + g.MessageID + ">\r\n\r\nbody\r\n"
	if g2.ToEmail != "foi@fixed.example" || string(g2.Raw) != want {
		t.Fatalf("resent to %s:\n%q\nwant\n%q", g2.ToEmail, g2.Raw, want)
	}
	ev := readdressedEvents(t, s, g.ID)
	if len(ev) != 1 || ev[0]["from"] != "foi@c000.example" || ev[0]["to"] != "foi@fixed.example" || ev[0]["when"] != "resend" {
		t.Errorf("events %v", ev)
	}
	// A retry sends the bytes already tried, whatever the register says.
	if _, _, err := ob.MarkRetry(ctx, g2, "me", now, SMTPReply{Code: 451, Text: "later"}, 5, nil); err != nil {
		t.Fatal(err)
	}
	correctAddress(t, s, "E000", "foi@again.example")
	g3, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now.Add(time.Second)})
	if err != nil || g3 == nil {
		t.Fatal(g3, err)
	}
	if g3.ToEmail != "foi@fixed.example" || string(g3.Raw) != want {
		t.Errorf("a retry was re-addressed: %s\n%q", g3.ToEmail, g3.Raw)
	}
}

func TestRewriteToKeepsEverythingElse(t *testing.T) {
	raw := []byte("Subject: x\r\nto: =?UTF-8?q?Cyngor_M=C3=B4n?= <old@example.org>\r\nX-Other: y\r\n\r\nTo: not a header\r\n")
	got, err := store.RewriteTo(raw, "new@example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := "Subject: x\r\nTo: =?utf-8?q?Cyngor_M=C3=B4n?= <new@example.org>\r\nX-Other: y\r\n\r\nTo: not a header\r\n"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	for _, bad := range []string{"Subject: x\r\n\r\nbody", "To: a@b.example\r\nTo: c@d.example\r\n\r\n", "To: a@b.example"} {
		if _, err := store.RewriteTo([]byte(bad), "new@example.org"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
