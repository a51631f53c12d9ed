package alerts

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

var _ Store = (*alert.Store)(nil)

// clock is the injected time of a test: London noon on a date unless set.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// on moves the clock to noon in London on date s.
func (c *clock) on(t *testing.T, s string) deadline.Date {
	t.Helper()
	d, err := deadline.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	y, m, dd := d.YMD()
	c.t = time.Date(y, m, dd, 12, 0, 0, 0, deadline.London())
	return d
}

// world is a database on disk, reopened by restart as a restarted
// daemon would.
type world struct {
	path string
	clk  *clock
	st   *store.Store
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{path: filepath.Join(t.TempDir(), "alerts.db"), clk: &clock{t: storetest.DefaultSentAt}}
	w.open(t)
	t.Cleanup(func() { w.st.Close() })
	return w
}

func (w *world) open(t *testing.T) {
	t.Helper()
	st, err := store.Open(context.Background(), w.path, store.Options{Now: w.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	w.st = st
}

// restart closes the database and opens it again.
func (w *world) restart(t *testing.T) {
	t.Helper()
	if err := w.st.Close(); err != nil {
		t.Fatal(err)
	}
	w.open(t)
}

func (w *world) send(t *testing.T, f storetest.SentRequest) campaign.Request {
	t.Helper()
	r, err := storetest.Send(context.Background(), w.st, f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// reply records a message of kind matched to r, sent at at, as ingest does.
func (w *world) reply(t *testing.T, r campaign.Request, kind, bounce string, at time.Time) {
	t.Helper()
	h := sha256.Sum256([]byte(fmt.Sprint(r.Ref, kind, at)))
	if _, err := mail.New(w.st).RecordMessage(context.Background(), mail.NewMessage{SHA256: fmt.Sprintf("%x", h), Size: 1,
		Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("%x@council.example", h[:6]), FromAddr: r.ToEmail, SentDate: at,
			RequestID: r.ID, MatchedBy: "test", Kind: kind, KindReason: "test", BounceStatus: bounce}}); err != nil {
		t.Fatal(err)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// watcher is a watcher on the world's current database.
func (w *world) watcher(t *testing.T, mod func(*Config)) *Watcher {
	t.Helper()
	cfg := Config{Store: alert.New(w.st), Rule: lifecycle.Statutory(), Thresholds: lifecycle.Thresholds{DueSoon: 3, VeryOverdue: 20},
		Now: w.clk.now, Log: quiet()}
	if mod != nil {
		mod(&cfg)
	}
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (w *world) alerts(t *testing.T) []alert.Alert {
	t.Helper()
	as, err := alert.New(w.st).Alerts(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func pass(t *testing.T, x *Watcher) Transitions {
	t.Helper()
	tr, err := x.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Skipped) > 0 {
		t.Fatalf("skipped: %v", tr.Skipped)
	}
	return tr
}
