package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	publish "foidesk/report"
	"foidesk/store"
)

func init() {
	register(newCommand(command{
		name:     "events export",
		synopsis: "[--campaign NAME] [--format csv|jsonl] [--out FILE]",
		summary:  "the audit log: every event with its time, kind, actor, ids, reference and detail, in order",
		help: `Every change foidesk makes is an event in an append-only log, written in the
same transaction as the change. This prints them all, oldest first, so a
published figure can be traced back to the mail and the person behind it:
id, time (UTC, RFC 3339), kind, actor (who made the change, where the
event records it: a person's name, "person", a dispatcher), the authority,
request and message ids, the request's reference, and the event's detail
as JSON.

--campaign keeps the campaign's own events and those about its requests and
the mail matched to them. --format csv (default) is UTF-8 with a byte
order mark, CRLF and formula-like cells neutralised as 'foidesk report'
writes them; jsonl is one JSON object a line. Events are read and written
one at a time, so a log of any size exports in little memory. --out writes
a temporary file renamed into place when complete.`,
	}, eventsExport))
}

type eventsExportFlags struct {
	campaign, format, out string
}

func (f *eventsExportFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.campaign, "campaign", "", "only campaign `NAME`'s events")
	fs.StringVar(&f.format, "format", "csv", "csv or jsonl")
	fs.StringVar(&f.out, "out", "", "write to `FILE` instead of standard output")
}

// eventsExport writes the event log, or one campaign's part of it.
func eventsExport(ctx context.Context, e *env, f *eventsExportFlags, args []string) error {
	if f.format != "csv" && f.format != "jsonl" {
		return usagef("--format %q: want csv or jsonl", f.format)
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	var cid int64
	name := f.campaign
	if f.campaign != "" {
		c, err := st.campaigns.ByName(ctx, f.campaign)
		if err != nil {
			return err
		}
		cid = c.ID
	}
	write := func(w io.Writer) error { return exportEvents(ctx, st.Store, cid, name, f.format, w) }
	if f.out == "" {
		return write(e.stdout)
	}
	return writeStreamAtomically(f.out, write)
}

// exportEvents streams the events (of campaign cid called name, or all
// when cid is 0) to w
// as csv or jsonl.
func exportEvents(ctx context.Context, st *store.Store, cid int64, name, format string, w io.Writer) error {
	if format == "jsonl" {
		b := bufio.NewWriter(w)
		enc := json.NewEncoder(b)
		err := st.EachEvent(ctx, cid, name, func(ev store.ExportedEvent) error { return enc.Encode(eventJSON(ev)) })
		if err != nil {
			return err
		}
		return b.Flush()
	}
	return publish.WriteEventsCSV(w, func(fn func(store.ExportedEvent) error) error { return st.EachEvent(ctx, cid, name, fn) })
}

type eventLine struct {
	ID        int64           `json:"id"`
	At        string          `json:"at"`
	Kind      string          `json:"kind"`
	Actor     string          `json:"actor,omitempty"`
	Authority int64           `json:"authority_id,omitempty"`
	Request   int64           `json:"request_id,omitempty"`
	Message   int64           `json:"message_id,omitempty"`
	Ref       string          `json:"ref,omitempty"`
	Detail    json.RawMessage `json:"detail"`
}

func eventJSON(ev store.ExportedEvent) eventLine {
	return eventLine{ID: ev.ID, At: ev.At.UTC().Format(time.RFC3339Nano), Kind: ev.Kind, Actor: ev.Actor, Authority: ev.Subject.Authority,
		Request: ev.Subject.Request, Message: ev.Subject.Message, Ref: ev.Ref, Detail: ev.Detail}
}

// writeStreamAtomically streams write into a temporary file beside path,
// syncs it and renames it into place.
func writeStreamAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".foidesk-export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
