//go:build linux

package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/blob"
	"foidesk/internal/demo"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/registry"
)

// campaignSize is how many requests one campaign sends: a survey of every
// council in the UK.
const campaignSize = 400

// newReplies is how many replies, each with one attachment, arrive for
// 'documents extract' to work through.
const newReplies = 1000

// builtAt is the campaign's clock while a world is built: every request is
// sent on 2 November 2026 and answered before this.
var builtAt = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// worldVersion names how worlds are built, with the schema they were
// built at: a -scale.dir built by another version, or before a migration,
// is built again (else the first timed run would migrate it).
func worldVersion() string { return fmt.Sprintf("scale-world 2, schema %d", store.SchemaVersion()) }

// world is one scale's databases and their shared data directory:
//
//   - full: the register, the campaigns and their sent requests, the
//     messages and their extracted documents: what the timed commands read,
//     never changed by them (recompute that changes clocks runs on copies);
//   - noneNew: the register, campaigns and requests with no mail at all,
//     then the new replies, not yet extracted;
//   - fullNew: full plus the same new replies.
//
// Each 'documents extract' runs on a fresh copy of noneNew or fullNew.
type world struct {
	bin                    string // the foidesk binary
	n                      int    // requests
	dir, data              string
	full, noneNew, fullNew string
	cfg, cfgHolidays       string // config files: [store] data_dir, and with a holidays file that moves every clock
}

// messages is how many messages the world's mail holds: one for every
// fifth request, each with one attachment (so as many documents), plus
// the answers' bodies.
func (w *world) messages() int { return w.n / 5 }

// openWorld builds scale n's world under dir, or reuses one built there
// by the same worldVersion.
func openWorld(b *testing.B, bin, dir string, n int) *world {
	w := &world{bin: bin, n: n, dir: dir, data: filepath.Join(dir, "data"),
		full: filepath.Join(dir, "full.db"), noneNew: filepath.Join(dir, "none-new.db"), fullNew: filepath.Join(dir, "full-new.db"),
		cfg: filepath.Join(dir, "foidesk.toml"), cfgHolidays: filepath.Join(dir, "foidesk-holidays.toml")}
	marker := filepath.Join(dir, "built")
	if v, err := os.ReadFile(marker); err == nil && string(v) == worldVersion() {
		b.Logf("%d: reusing the world built in %s", n, dir)
		return w
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(w.data, 0o700); err != nil {
		b.Fatal(err)
	}
	if err := w.writeConfigs(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	step := func(what string, f func() error) {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatalf("%d: %s: %v", n, what, err)
		}
		b.Logf("%d: %s: %s", n, what, time.Since(start).Round(time.Millisecond))
	}
	base := filepath.Join(dir, "base.db")
	step("register, campaigns, requests sent", func() error {
		return withStore(ctx, base, func(st *store.Store) error { return sendSurveys(ctx, st, n) })
	})
	step("copy", func() error { return copyDB(base, w.full) })
	step("messages and attachments", func() error {
		return withStore(ctx, w.full, func(st *store.Store) error { return recordMail(ctx, st, w.data, n) })
	})
	step("documents extract of the stored mail", func() error {
		r, err := runCommand(bin, w.cfg, w.full, filepath.Join(dir, "setup-extract.out"), "documents", "extract")
		if err == nil && !strings.Contains(r.tail, " item(s) processed") {
			err = fmt.Errorf("documents extract said %q", r.tail)
		}
		return err
	})
	step("new replies into copies", func() error {
		if err := copyDB(base, w.noneNew); err != nil {
			return err
		}
		if err := copyDB(w.full, w.fullNew); err != nil {
			return err
		}
		for _, db := range []string{w.noneNew, w.fullNew} {
			if err := withStore(ctx, db, func(st *store.Store) error { return recordNewReplies(ctx, st, w.data, n) }); err != nil {
				return err
			}
		}
		return os.Remove(base)
	})
	if err := os.WriteFile(marker, []byte(worldVersion()), 0o600); err != nil {
		b.Fatal(err)
	}
	return w
}

// writeConfigs writes the two config files: the data directory, and the
// same with a holidays file adding a bank holiday in every nation on
// Tuesday 10 November 2026, inside every request's 20 working days, so
// that recomputing with it moves every clock by a day.
func (w *world) writeConfigs() error {
	holidays := filepath.Join(w.dir, "holidays.json")
	var divs []string
	for _, d := range []string{"england-and-wales", "scotland", "northern-ireland"} {
		divs = append(divs, fmt.Sprintf(`%q: {"division": %q, "events": [{"title": "Scale benchmark day", "date": "2026-11-10", "notes": "", "bunting": false}]}`, d, d))
	}
	if err := os.WriteFile(holidays, []byte("{"+strings.Join(divs, ", ")+"}\n"), 0o600); err != nil {
		return err
	}
	cfg := fmt.Sprintf("[store]\ndata_dir = %q\n", w.data)
	if err := os.WriteFile(w.cfg, []byte(cfg), 0o600); err != nil {
		return err
	}
	return os.WriteFile(w.cfgHolidays, []byte(cfg+fmt.Sprintf("\n[deadline]\nholidays_file = %q\n", holidays)), 0o600)
}

// withStore opens the database at path on the build's clock, runs f and
// closes it, so that the file can be copied.
func withStore(ctx context.Context, path string, f func(*store.Store) error) error {
	st, err := store.Open(ctx, path, store.Options{Now: func() time.Time { return builtAt }})
	if err != nil {
		return err
	}
	if err := f(st); err != nil {
		st.Close()
		return err
	}
	return st.Close()
}

// copyDB copies a closed database (and its write-ahead log, if one was
// left) to a new path.
func copyDB(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		if _, err := os.Stat(from + suffix); suffix != "" && errors.Is(err, os.ErrNotExist) {
			os.Remove(to + suffix)
			continue
		}
		if err := copyFile(from+suffix, to+suffix); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// campaignName is campaign c's name; the first is the one 'campaign status'
// shows.
func campaignName(c int) string { return fmt.Sprintf("survey-%03d", c+1) }

// sendSurveys imports n authorities (a quarter in each nation) in one
// register import, each tagged for one campaign of campaignSize, then
// creates and queues each campaign and sends every request through the
// outbox as the dispatcher records a delivery (each claiming the next).
func sendSurveys(ctx context.Context, st *store.Store, n int) error {
	nations := []string{"England", "Scotland", "Wales", "Northern Ireland"}
	rows := make([]registry.AuthorityInput, 0, n)
	for i := range n {
		nation, email := nations[i%4], fmt.Sprintf("foi@body%06d.test", i)
		rows = append(rows, registry.AuthorityInput{Origin: fmt.Sprintf("scale:%d", i+1), Code: fmt.Sprintf("S%06d", i), Name: fmt.Sprintf("Public Body %06d", i),
			Email: &email, Nation: &nation, Tags: &[]string{campaignName(i / campaignSize)}})
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		return err
	}
	cs := campaign.New(st)
	ob, err := cs.Outbox(ctx)
	if err != nil {
		return err
	}
	defer ob.Close()
	for c := range (n + campaignSize - 1) / campaignSize {
		name := campaignName(c)
		created, err := cs.Create(ctx, campaign.Spec{Name: name, Template: "recording-policy", Target: campaign.Target{Tags: []string{name}},
			AllowDuplicates: true, MessageID: func(ref string) string { return ref + ".scale@foidesk.test" }})
		if err != nil {
			return err
		}
		if _, err := cs.Queue(ctx, created.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
			subject := "Freedom of Information request [ref: " + r.Ref + "]"
			return campaign.Rendered{Subject: subject, Raw: []byte("To: " + r.ToEmail + "\r\nSubject: " + subject + "\r\n\r\nA request.\r\n")}, nil
		}); err != nil {
			return err
		}
		opt := campaign.ClaimOptions{Owner: "scale", Now: builtAt, CampaignID: created.Campaign.ID}
		g, err := ob.Claim(ctx, opt)
		for g != nil && err == nil {
			g, err = ob.MarkSent(ctx, g, "scale", campaign.Delivery{AcceptedAt: sentAt, Reply: campaign.SMTPReply{Code: 250, Text: "OK"}}, &opt)
		}
		if err != nil {
			return err
		}
	}
	return cs.FinishSettled(ctx)
}

// sentAt is when every request was accepted by the mail server.
var sentAt = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// allRequests lists every request of every campaign, campaign by campaign.
func allRequests(ctx context.Context, st *store.Store, n int) ([]campaign.Request, error) {
	cs := campaign.New(st)
	var out []campaign.Request
	for c := range (n + campaignSize - 1) / campaignSize {
		cp, err := cs.ByName(ctx, campaignName(c))
		if err != nil {
			return nil, err
		}
		reqs, err := cs.Requests(ctx, cp.ID, false)
		if err != nil {
			return nil, err
		}
		out = append(out, reqs...)
	}
	return out, nil
}

// mailKinds are the kinds the stored messages take in turn.
var mailKinds = []struct{ kind, detail string }{
	{mail.KindResponse, ""}, {mail.KindAck, ""}, {mail.KindResponse, ""}, {mail.KindRefusal, "s.12 cost limit"}, {mail.KindPublished, "https://example.test/policies"},
}

// recordMail records a message for every fifth request, each with one
// text attachment (the authority's policy) stored in the blob store first,
// as ingest stores them. The attachments are left for 'documents extract'.
func recordMail(ctx context.Context, st *store.Store, data string, n int) error {
	reqs, err := allRequests(ctx, st, n)
	if err != nil {
		return err
	}
	blobs := blob.Store{Dir: data}.Deferred()
	defer blobs.Close()
	ms := mail.New(st)
	const batch = 500
	var pending []mail.NewMessage
	flush := func() error {
		if err := blobs.Flush(); err != nil {
			return err
		}
		for _, m := range pending {
			if _, err := ms.RecordMessage(ctx, m); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	for j := range n / 5 {
		r := reqs[(5*j)%len(reqs)]
		k := mailKinds[j%len(mailKinds)]
		text := policyText(j, r.Authority.Name)
		m, err := reply(blobs, r, fmt.Sprintf("stored|%d", j), k.kind, k.detail, "policy.txt", "text/plain", []byte(text))
		if err != nil {
			return err
		}
		if pending = append(pending, m); len(pending) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// recordNewReplies records newReplies responses, each with one attachment
// not seen before, half text and half PDF, to requests spread over every
// campaign. 'documents extract' has them to do.
func recordNewReplies(ctx context.Context, st *store.Store, data string, n int) error {
	reqs, err := allRequests(ctx, st, n)
	if err != nil {
		return err
	}
	blobs := blob.Store{Dir: data}.Deferred()
	defer blobs.Close()
	var msgs []mail.NewMessage
	for j := range newReplies {
		r := reqs[(j*len(reqs)/newReplies+1)%len(reqs)]
		text := policyText(1_000_000+j, r.Authority.Name)
		name, ctype, content := "policy.txt", "text/plain", []byte(text)
		if j%2 == 1 {
			name, ctype, content = "policy.pdf", "application/pdf", demo.PolicyPDF(pdfLines(text, 40)...)
		}
		m, err := reply(blobs, r, fmt.Sprintf("new|%d", j), mail.KindResponse, "", name, ctype, content)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := blobs.Flush(); err != nil {
		return err
	}
	ms := mail.New(st)
	for _, m := range msgs {
		if _, err := ms.RecordMessage(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// reply is a message from r's authority, matched to r by its reference,
// with one attachment whose bytes go into the blob store.
func reply(blobs blob.Store, r campaign.Request, seed, kind, detail, filename, ctype string, content []byte) (mail.NewMessage, error) {
	att, size, err := blobs.Put(strings.NewReader(string(content)))
	if err != nil {
		return mail.NewMessage{}, err
	}
	raw := sha256.Sum256([]byte(seed))
	return mail.NewMessage{SHA256: hex.EncodeToString(raw[:]), Size: 2000 + size, Derived: mail.Derived{
		HeaderMessageID: seed + "@authority.test", FromAddr: r.ToEmail, Subject: "Re: Freedom of Information request [ref: " + r.Ref + "]",
		SentDate: builtAt.Add(-time.Hour), BodyText: "Dear requester,\n\nPlease find attached our policy.\n\nInformation Governance Team",
		RequestID: r.ID, MatchedBy: "ref", Kind: kind, KindReason: "scale benchmark", KindDetail: detail,
		Attachments: []mail.NewAttachment{{Part: "2", Filename: filename, ContentType: ctype, Size: size, SHA256: att}},
	}}, nil
}
