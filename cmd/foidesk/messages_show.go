package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"foidesk/blob"
	"foidesk/ingest"
	"foidesk/store/document"
	"foidesk/store/mail"
)

func init() {
	register(newCommand(command{
		name:     "messages show",
		synopsis: "ID [--json | --raw]",
		summary:  "print one stored reply: its headers, how it was matched and sorted, its text and its attachments",
		help: `Shows a stored message as a person reads it: From, To, Date, Subject,
Message-ID and In-Reply-To; where it was found (mailbox and UID); the request
it was matched to and by which rule; its kind, and whether the rules or a
person decided it and why; its readable text; then each attachment's file
name, type and size with the document extracted from it, that document's
status and its review state ('foidesk documents show ID' prints its text,
'foidesk documents open ID --save DIR' saves the file).

Text from the message is printed with control characters escaped, so a
hostile subject or file name cannot forge a line or repaint the terminal.
--raw writes the message exactly as it was received, byte for byte, to
standard output, which must be a file or a pipe (e.g. '> reply.eml' or
'| less'), never a terminal. --json prints one object.`,
		args: 1,
	}, messagesShow))
}

type messagesShowFlags struct {
	json, raw bool
}

func (f *messagesShowFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.BoolVar(&f.raw, "raw", false, "write the raw message as received to standard output")
}

// messagesShow prints stored message ID: headers, match, kind, body and
// attachments with their documents; or, with --raw, its raw bytes.
func messagesShow(ctx context.Context, e *env, f *messagesShowFlags, args []string) error {
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	if f.json && f.raw {
		return usagef("--json and --raw cannot be used together")
	}
	if f.raw && isTerminal(e.stdout) {
		// Raw mail is whatever the sender wrote, escape sequences included.
		return usagef("--raw writes the message as received, which may hold control sequences: redirect it to a file or a pager (e.g. '> reply.eml' or '| less')")
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	m, err := st.mail.MessageDetail(ctx, id)
	if err != nil {
		return notFoundHint(err, "foidesk messages list")
	}
	blobs := blob.Store{Dir: cfg.Store.DataDir}
	if f.raw {
		return copyBlob(e.stdout, blobs, m.SHA256, fmt.Sprintf("raw message %d", id))
	}
	atts, err := st.documents.MessageAttachments(ctx, id)
	if err != nil {
		return err
	}
	h, rawProblem := rawHeaders(blobs, m.SHA256)
	if f.json {
		return printMessageJSON(e.stdout, m, h, rawProblem, atts)
	}
	return printMessage(e.stdout, m, h, rawProblem, atts)
}

// rawHeaders reads the headers the database does not keep from the raw
// message; when it cannot, it says why instead.
func rawHeaders(blobs blob.Store, sum string) (ingest.Headers, string) {
	r, err := blobs.Open(sum)
	if err != nil {
		return ingest.Headers{}, fmt.Sprintf("raw message not readable: %v", err)
	}
	defer r.Close()
	h, err := ingest.ReadHeaders(r)
	if err != nil {
		return ingest.Headers{}, fmt.Sprintf("raw message header not readable: %v", err)
	}
	return h, ""
}

func printMessage(w io.Writer, m mail.Detail, h ingest.Headers, rawProblem string, atts []document.AttachmentDocument) error {
	fmt.Fprintf(w, "message #%d\n", m.ID)
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	from := m.From
	if m.FromName != "" {
		from = fmt.Sprintf("%s <%s>", m.FromName, m.From)
	}
	fmt.Fprintf(tw, "  From:\t%s\n", printable(from))
	fmt.Fprintf(tw, "  To:\t%s\n", printable(h.To))
	if h.Cc != "" {
		fmt.Fprintf(tw, "  Cc:\t%s\n", printable(h.Cc))
	}
	if m.SentDate.IsZero() {
		fmt.Fprintf(tw, "  Date:\t-\n")
	} else {
		fmt.Fprintf(tw, "  Date:\t%s (Europe/London)\n", londonTime(m.SentDate))
	}
	fmt.Fprintf(tw, "  Subject:\t%s\n", printable(m.Subject))
	fmt.Fprintf(tw, "  Message-ID:\t%s\n", angle(m.MessageID))
	var irt []string
	for _, id := range h.InReplyTo {
		irt = append(irt, angle(id))
	}
	fmt.Fprintf(tw, "  In-Reply-To:\t%s\n", dash(strings.Join(irt, " ")))
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	var found []string
	for _, l := range m.Locations {
		found = append(found, fmt.Sprintf("%s uid %d (uidvalidity %d)", printable(l.Mailbox), l.UID, l.UIDValidity))
	}
	fmt.Fprintf(tw, "  found in:\t%s\n", dash(strings.Join(found, "; ")))
	fmt.Fprintf(tw, "  stored:\t%s (Europe/London), %d bytes, sha256 %s\n", londonTime(m.ReceivedAt), m.Size, m.SHA256)
	switch {
	case m.Dismissed:
		line := fmt.Sprintf("none (dismissed %s", londonTime(*m.DismissedAt))
		if m.DismissedReason != "" {
			line += ": " + printable(m.DismissedReason)
		}
		fmt.Fprintf(tw, "  request:\t%s; 'foidesk messages undismiss %d' takes it back)\n", line, m.ID)
	case m.RequestRef == nil:
		fmt.Fprintf(tw, "  request:\tnone (unmatched: 'foidesk messages assign %d --request REF')\n", m.ID)
	default:
		by := "?"
		if m.MatchedBy != nil {
			by = *m.MatchedBy
		}
		line := fmt.Sprintf("%s to %s, matched by %s", *m.RequestRef, printable(m.Authority), by)
		if m.MatchDetail != "" {
			line += ": " + printable(m.MatchDetail)
		}
		fmt.Fprintf(tw, "  request:\t%s\n", line)
	}
	kind := fmt.Sprintf("%s, decided by %s", m.Kind, m.KindBy)
	if m.KindReason != "" {
		kind += ": " + printable(m.KindReason)
	}
	if m.NeedsPerson {
		kind += " (needs a person to confirm)"
	}
	fmt.Fprintf(tw, "  kind:\t%s\n", kind)
	if m.KindDetail != "" {
		fmt.Fprintf(tw, "  %s:\t%s\n", detailLabel(m.Kind), printable(m.KindDetail))
	}
	if m.BounceStatus != "" {
		fmt.Fprintf(tw, "  bounce:\t%s\n", printable(m.BounceStatus))
	}
	if m.CaseRef != "" {
		fmt.Fprintf(tw, "  case ref:\t%s\n", printable(m.CaseRef))
	}
	if m.ParseProblem != "" {
		fmt.Fprintf(tw, "  problem:\t%s\n", printable(m.ParseProblem))
	}
	if rawProblem != "" {
		fmt.Fprintf(tw, "  raw:\t%s\n", printable(rawProblem))
	}
	tw.Flush()

	// The body is indented, so nothing in it can pass for a line of ours.
	fmt.Fprintln(w, "\nbody:")
	body := strings.TrimRight(m.Body, " \t\r\n")
	if strings.TrimSpace(body) == "" {
		fmt.Fprintln(w, "  (no readable text)")
	} else {
		for _, l := range strings.Split(printableText(body), "\n") {
			fmt.Fprintln(w, strings.TrimRight("  "+l, " "))
		}
	}

	fmt.Fprintf(w, "\nattachments (%d):\n", len(atts))
	if len(atts) == 0 {
		fmt.Fprintln(w, "  none")
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tFILENAME\tTYPE\tSIZE\tDOCUMENT\tSTATUS\tREVIEW")
	for _, a := range atts {
		doc, status := "-", "not extracted yet ('foidesk documents extract')"
		if a.DocumentID != 0 {
			doc = fmt.Sprintf("#%d", a.DocumentID)
			status = a.Status
			if a.Reason != "" {
				status += ": " + printable(a.Reason)
			}
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Seq, dash(printable(a.Filename)), printable(a.ContentType), byteSize(a.Size), doc, status, dash(a.Review))
	}
	return tw.Flush()
}

// angle writes a message ID the way mail does, or "-" for none.
func angle(id string) string {
	if id == "" {
		return "-"
	}
	return "<" + printable(id) + ">"
}

// byteSize is a size for people: bytes, KB or MB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
	}
}

type messageShowJSON struct {
	mail.MessageSummary
	To          string                        `json:"to"`
	Cc          string                        `json:"cc,omitempty"`
	Date        string                        `json:"date"`
	InReplyTo   []string                      `json:"in_reply_to"`
	Authority   string                        `json:"authority,omitempty"`
	Locations   []locationJSON                `json:"locations"`
	RawProblem  string                        `json:"raw_problem,omitempty"`
	Body        string                        `json:"body"`
	Attachments []document.AttachmentDocument `json:"attachment_list"`
}

type locationJSON struct {
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
}

func printMessageJSON(w io.Writer, m mail.Detail, h ingest.Headers, rawProblem string, atts []document.AttachmentDocument) error {
	out := messageShowJSON{MessageSummary: m.MessageSummary, To: h.To, Cc: h.Cc, InReplyTo: h.InReplyTo, Authority: m.Authority,
		Locations: []locationJSON{}, RawProblem: rawProblem, Body: m.Body, Attachments: atts}
	if !m.SentDate.IsZero() {
		out.Date = m.SentDate.UTC().Format(time.RFC3339)
	}
	if out.InReplyTo == nil {
		out.InReplyTo = []string{}
	}
	for _, l := range m.Locations {
		out.Locations = append(out.Locations, locationJSON(l))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
