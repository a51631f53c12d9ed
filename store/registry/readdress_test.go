package registry

import (
	"context"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/campaign"
)

// A letter queued to an address the register then corrects, and not yet
// tried, goes to the corrected one: the re-import re-addresses it in its
// own transaction, keeping every other byte of the letter.
func TestCorrectedAddressReachesQueuedLetters(t *testing.T) {
	ctx := context.Background()
	st, reg := registryOpen(t)
	old, nation, tags := "foi@old.example", "England", []string{"t"}
	imp := func(email string) {
		t.Helper()
		if _, err := reg.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{{Origin: "t:1", Code: "ASH", Name: "Ashdown Council", Email: &email, Nation: &nation, Tags: &tags}}}); err != nil {
			t.Fatal(err)
		}
	}
	imp(old)
	c := campaign.New(st)
	created, err := c.Create(ctx, campaign.Spec{Name: "s", Template: "recording-policy", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return ref + "@requests.example" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		return campaign.Rendered{Subject: "s", Raw: []byte("Message-ID: <" + r.MessageID + ">\r\nTo: Ashdown FOI <" + r.ToEmail + ">\r\nSubject: s\r\n\r\nbody\r\n")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	imp("foi@new.example")
	reqs, err := c.Requests(ctx, created.Campaign.ID, true)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests: %v %v", reqs, err)
	}
	r := reqs[0]
	if r.ToEmail != "foi@new.example" || !strings.Contains(string(r.RawMessage), "To: \"Ashdown FOI\" <foi@new.example>\r\n") || !strings.Contains(string(r.RawMessage), "Message-ID: <"+r.MessageID+">") {
		t.Errorf("queued letter after the correction: to %s\n%s", r.ToEmail, r.RawMessage)
	}
	evs, err := st.Events(ctx, store.EventFilter{Kind: "request.readdressed"})
	if err != nil || len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"from":"foi@old.example"`) {
		t.Errorf("readdressed events: %v %v", evs, err)
	}
}
