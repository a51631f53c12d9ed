package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"foidesk/blob"
	"foidesk/store"
	"foidesk/store/mail"
)

// MailStore is what ingesting needs of the database: matching's lookups,
// recording each message once (with its mailbox position, in one
// transaction), re-deriving on reparse, and each mailbox's sync state.
// store/mail's Store is the one foidesk uses.
type MailStore interface {
	Lookup
	MessageIDBySHA(ctx context.Context, sum string) (int64, error)
	RecordMessage(ctx context.Context, m mail.NewMessage) (mail.Recorded, error)
	RecordDuplicate(ctx context.Context, msgID int64, loc mail.Location) error
	MessageSHAs(ctx context.Context, after int64, limit int) ([]mail.MessageRaw, error)
	Rederive(ctx context.Context, id int64, d mail.Derived) (changed bool, err error)
	MailboxState(ctx context.Context, name string) (mail.MailboxState, error)
	StartMailbox(ctx context.Context, name string, uidvalidity uint32) (mail.MailboxState, error)
}

// Processor turns a raw message already durable in the blob store into a
// recorded, matched and triaged message.
type Processor struct {
	Store  MailStore
	Blobs  blob.Store
	Limits Limits
	Log    *slog.Logger
	// OwnAddresses are the requester's addresses ([requester] email). Mail
	// from them is the requester's own correspondence, not the authority's,
	// unless it forwards a message.
	OwnAddresses []string
}

var forwardedRe = regexp.MustCompile(`(?im)(-{2,}\s*forwarded message|begin forwarded message|-{2,}\s*original message|^from:.*\n(?:.*\n)?sent:)`)

// fromRequester reports whether parsed is the requester's own mail rather
// than a forward of the authority's.
func (p *Processor) fromRequester(parsed *Parsed) bool {
	if len(parsed.Embedded) > 0 || forwardedRe.MatchString(head(parsed.Text, 64<<10)) {
		return false
	}
	local, domain, ok := strings.Cut(parsed.From, "@")
	if !ok {
		return false
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	for _, a := range p.OwnAddresses {
		if strings.EqualFold(a, local+"@"+domain) {
			return true
		}
	}
	return false
}

// Derive parses the raw blob, matches it and triages it.
func (p *Processor) Derive(ctx context.Context, sum string, size int64) (mail.Derived, error) {
	return p.deriveWith(ctx, p.Blobs, sum, size)
}

func (p *Processor) deriveWith(ctx context.Context, blobs blob.Store, sum string, size int64) (mail.Derived, error) {
	f, err := blobs.Open(sum)
	if err != nil {
		return mail.Derived{}, fmt.Errorf("open raw message %s: %w", sum, err)
	}
	defer f.Close()
	parsed, err := Parse(f, size, blobs, p.Limits)
	if err != nil {
		return mail.Derived{}, fmt.Errorf("parse message %s: %w", sum, err)
	}
	return p.decide(ctx, parsed)
}

// decide matches and triages a parsed message.
func (p *Processor) decide(ctx context.Context, parsed *Parsed) (mail.Derived, error) {
	d, err := DeriveFrom(ctx, p.Store, parsed)
	if err != nil {
		return d, err
	}
	if d.Kind != mail.KindBounce && p.fromRequester(parsed) {
		d.Kind, d.KindReason = mail.KindAutoReply, "from the requester's own address, not the authority: nothing changes"
	}
	return d, nil
}

// DeriveFrom matches and triages an already parsed message.
func DeriveFrom(ctx context.Context, lk Lookup, parsed *Parsed) (mail.Derived, error) {
	m, err := MatchMessage(ctx, lk, parsed)
	if err != nil {
		return mail.Derived{}, fmt.Errorf("match: %w", err)
	}
	d := Triage(parsed)
	if parsed.MessageID != "" {
		// A copy of one of our own requests (a BCC to self, a watched Sent
		// folder) is not a reply and must not move anything.
		own, err := lk.RequestsByMessageIDs(ctx, []string{parsed.MessageID})
		if err != nil {
			return mail.Derived{}, fmt.Errorf("match: %w", err)
		}
		if len(own) == 1 {
			m = Match{Request: own[0], Rule: RuleMessageID, Detail: "our own request <" + parsed.MessageID + ">"}
			d = Decision{Kind: mail.KindAutoReply, Reason: "a copy of foidesk's own request, not a reply: nothing changes"}
		}
	}
	return mail.Derived{
		HeaderMessageID: parsed.MessageID,
		FromAddr:        parsed.From,
		FromName:        parsed.FromName,
		Subject:         parsed.Subject,
		SentDate:        parsed.Date,
		BodyText:        parsed.Text,
		ParseProblem:    parsed.Problem,
		Attachments:     parsed.Attachments,
		RequestID:       m.Request.ID,
		MatchedBy:       m.Rule,
		MatchDetail:     m.Detail,
		Kind:            d.Kind,
		KindReason:      d.Reason,
		KindDetail:      d.Detail,
		BounceStatus:    d.BounceStatus,
		BounceRecipient: d.BounceRecipient,
		CaseRef:         d.CaseRef,
	}, nil
}

// Result is what happened to one message, for the command's output.
type Result struct {
	Loc       mail.Location
	MessageID int64
	Duplicate bool
	Kind      string
	Ref       string
	MatchedBy string
	Subject   string
	From      string
	Problem   string
}

// prepared is a message parsed but not yet matched or recorded: matching
// waits for the commit so that it sees everything recorded before it (a case
// reference learned from an acknowledgement in the same batch).
type prepared struct {
	sum    string
	size   int64
	dupID  int64 // already stored: only the location is recorded
	parsed *Parsed
}

// prepare parses a raw message, writing attachments through blobs.
func (p *Processor) prepare(ctx context.Context, blobs blob.Store, sum string, size int64) (prepared, error) {
	pr := prepared{sum: sum, size: size}
	id, err := p.Store.MessageIDBySHA(ctx, sum)
	if err != nil {
		return pr, err
	}
	if id != 0 {
		pr.dupID = id
		return pr, nil
	}
	f, err := blobs.Open(sum)
	if err != nil {
		return pr, fmt.Errorf("open raw message %s: %w", sum, err)
	}
	defer f.Close()
	pr.parsed, err = Parse(f, size, blobs, p.Limits)
	if err != nil {
		return pr, fmt.Errorf("parse message %s: %w", sum, err)
	}
	return pr, nil
}

// commit matches, triages and records a prepared message found at loc. Its
// raw and attachment blobs must be durable by now: this transaction
// advances last_uid.
func (p *Processor) commit(ctx context.Context, pr prepared, loc mail.Location) (Result, error) {
	res := Result{Loc: loc}
	if pr.dupID != 0 {
		if err := p.Store.RecordDuplicate(ctx, pr.dupID, loc); err != nil {
			return res, err
		}
		res.MessageID, res.Duplicate = pr.dupID, true
		return res, nil
	}
	d, err := p.decide(ctx, pr.parsed)
	if err != nil {
		return res, err
	}
	rec, err := p.Store.RecordMessage(ctx, mail.NewMessage{SHA256: pr.sum, Size: pr.size, Loc: loc, Derived: d})
	if err != nil {
		return res, err
	}
	res.MessageID, res.Duplicate, res.Ref = rec.ID, rec.Duplicate, rec.Ref
	res.Kind, res.MatchedBy, res.Subject, res.From, res.Problem = d.Kind, d.MatchedBy, d.Subject, d.FromAddr, d.ParseProblem
	return res, nil
}

// Record derives and records a raw message found at loc. The raw blob must
// already be durable: this is the transaction that advances last_uid.
func (p *Processor) Record(ctx context.Context, sum string, size int64, loc mail.Location) (Result, error) {
	pr, err := p.prepare(ctx, p.Blobs, sum, size)
	if err != nil {
		return Result{Loc: loc}, err
	}
	return p.commit(ctx, pr, loc)
}

// ReparseStats counts what Reparse did.
type ReparseStats struct {
	Messages int
	Changed  int
	Missing  int // raw file absent: reported, left as it was
}

// Reparse re-derives every stored message from its raw file: parsing,
// attachments, matching and triage. A person's assignment or classification
// is kept.
func (p *Processor) Reparse(ctx context.Context) (ReparseStats, error) {
	var st ReparseStats
	// A page of messages at a time, by id, so that a database of any
	// size is reparsed in little memory.
	for after := int64(0); ; {
		page, err := p.Store.MessageSHAs(ctx, after, store.Batch)
		if err != nil {
			return st, err
		}
		if len(page) == 0 {
			return st, nil
		}
		after = page[len(page)-1].ID
		for _, m := range page {
			if err := p.reparseOne(ctx, m.ID, m.SHA256, &st); err != nil {
				return st, err
			}
		}
	}
}

// reparseOne re-derives message id from its raw file sum, counting in st.
func (p *Processor) reparseOne(ctx context.Context, id int64, sum string, st *ReparseStats) error {
	fi, err := os.Stat(p.Blobs.Path(sum))
	if err != nil {
		st.Missing++
		p.Log.Error("reparse: raw message file missing; message left as it was", "message", id, "sha256", sum, "err", err)
		return nil
	}
	d, err := p.Derive(ctx, sum, fi.Size())
	if err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	changed, err := p.Store.Rederive(ctx, id, d)
	if err != nil {
		return fmt.Errorf("message %d: %w", id, err)
	}
	st.Messages++
	if changed {
		st.Changed++
	}
	return nil
}
