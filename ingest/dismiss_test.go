package ingest

import (
	"context"
	"errors"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
)

// A stranger's message dismissed leaves the unmatched queue for good: a
// reparse does not match it, a person cannot assign it until it is
// undismissed, and undismissing puts it back. A matched message is
// dismissed only by force, which takes it from its request and derives the
// request's clock again without it.
func TestDismissAndUndismiss(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	stranger := ingestRaw(t, env, readFixture(t, "unmatched.eml"))
	unmatched := func() int {
		ms, err := env.mail.Messages(ctx, mail.MessageFilter{Unmatched: true, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	if n := unmatched(); n != 1 {
		t.Fatalf("%d unmatched before dismissing", n)
	}
	if _, err := env.mail.Dismiss(ctx, stranger.MessageID, "spam", "jo", false); err != nil {
		t.Fatal(err)
	}
	if n := unmatched(); n != 0 {
		t.Errorf("%d unmatched after dismissing", n)
	}
	if ms, _ := env.mail.Messages(ctx, mail.MessageFilter{Dismissed: true, Limit: 1000}); len(ms) != 1 || !ms[0].Dismissed || ms[0].DismissedReason != "spam" {
		t.Errorf("dismissed list: %+v", ms)
	}
	evs, _ := env.st.Events(ctx, store.EventFilter{Kind: "message.dismissed", Subject: store.Subject{Message: stranger.MessageID}})
	if len(evs) != 1 || string(evs[0].Detail) != `{"by":"jo","reason":"spam"}` {
		t.Errorf("dismissal events: %+v", evs)
	}
	if _, err := env.mail.Assign(ctx, stranger.MessageID, "N7KB3WQB", "test"); !errors.Is(err, mail.ErrDismissed) {
		t.Errorf("assigning a dismissed message: %v", err)
	}
	if _, err := env.mail.Dismiss(ctx, stranger.MessageID, "again", "jo", false); err == nil {
		t.Error("dismissed twice")
	}
	if err := env.mail.Undismiss(ctx, stranger.MessageID, "jo"); err != nil {
		t.Fatal(err)
	}
	if n := unmatched(); n != 1 {
		t.Errorf("%d unmatched after undismissing", n)
	}
	if err := env.mail.Undismiss(ctx, stranger.MessageID, "jo"); err == nil {
		t.Error("undismissed a message that is not dismissed")
	}

	// A response matched to its request.
	resp := ingestRaw(t, env, readFixture(t, "html_only_windows1252.eml"))
	if s, _ := requestState(t, env, "N7KB3WQB"); s != store.StatusReplied {
		t.Fatalf("after the response: %s", s)
	}
	if !pendingBody(t, env, resp.MessageID) {
		t.Errorf("the response's body is not pending extraction before the dismissal")
	}
	if _, err := env.mail.Dismiss(ctx, resp.MessageID, "not theirs", "jo", false); !errors.Is(err, mail.ErrMatched) {
		t.Errorf("dismissing a matched message without force: %v", err)
	}
	if s, _ := requestState(t, env, "N7KB3WQB"); s != store.StatusReplied {
		t.Errorf("a refused dismissal changed the request: %s", s)
	}
	d, err := env.mail.Dismiss(ctx, resp.MessageID, "not theirs", "jo", true)
	if err != nil || d.Unmatched != "N7KB3WQB" {
		t.Fatalf("forced dismissal: %+v %v", d, err)
	}
	if s, due := requestState(t, env, "N7KB3WQB"); s != store.StatusAwaitingResponse || due != "2026-12-01" {
		t.Errorf("after the forced dismissal: %s due %s, want awaiting-response due 2026-12-01", s, due)
	}
	// Its body is not extracted into the review queue.
	if pendingBody(t, env, resp.MessageID) {
		t.Errorf("the dismissed message's body is still pending extraction")
	}
	// A reparse does not match it again.
	if _, err := env.proc.Reparse(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _, _ := env.mail.Message(ctx, resp.MessageID); m.RequestID != nil || !m.Dismissed {
		t.Errorf("after reparse: request %v dismissed %v", m.RequestID, m.Dismissed)
	}
	if s, _ := requestState(t, env, "N7KB3WQB"); s != store.StatusAwaitingResponse {
		t.Errorf("after reparse: %s", s)
	}
}

func pendingBody(t *testing.T, env *testEnv, id int64) bool {
	t.Helper()
	bodies, err := document.New(env.st).PendingBodies(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bodies {
		if b.MessageID == id {
			return true
		}
	}
	return false
}
