package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // a stored message in another charset
	"github.com/emersion/go-message/mail"

	"foidesk/ref"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign preview",
		synopsis: "NAME",
		summary:  "show the messages a campaign sends, headers and body",
		help: `Renders campaign NAME's messages as they will be sent (or, once queued,
as they were stored). For one authority (--authority CODE, default the
first) it shows the headers that matter and the letter as it will be read,
transfer encoding undone; --raw prints the exact bytes instead. With --out
DIR it writes every message's exact bytes as one .eml file per authority, to
open in a mail program. Nothing is changed or sent.`,
		args: 1,
	}, campaignPreview))
}

type campaignPreviewFlags struct {
	code, out string
	raw       bool
}

func (f *campaignPreviewFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.code, "authority", "", "the authority `CODE` (or reference token) to show")
	fs.StringVar(&f.out, "out", "", "write one .eml per authority into `DIR`")
	fs.BoolVar(&f.raw, "raw", false, "print the exact bytes of the message, not the decoded letter")
}

// campaignPreview shows campaign NAME's messages as they will be (or were)
// sent, changing nothing.
func campaignPreview(ctx context.Context, e *env, f *campaignPreviewFlags, args []string) error {
	if f.code != "" && f.out != "" {
		return usagef("give --authority or --out, not both")
	}
	if f.raw && f.out != "" {
		return usagef("--out always writes the exact bytes; --raw is for one message on stdout")
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	comp, err := campaignComposer(cfg)
	if err != nil {
		return err
	}
	st, c, err := readCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	reqs, err := st.campaigns.Requests(ctx, c.ID, true)
	if err != nil {
		return err
	}
	if len(reqs) == 0 {
		return fmt.Errorf("campaign %s has no requests", c.Name)
	}
	render := func(r campaign.Request) ([]byte, error) {
		if len(r.RawMessage) > 0 {
			return r.RawMessage, nil
		}
		m, err := comp.Compose(c, r)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", r.Authority.Name, r.ToEmail, err)
		}
		return m.Raw, nil
	}
	if f.out == "" {
		pick := reqs[0]
		if f.code != "" {
			found := false
			for _, r := range reqs {
				if strings.EqualFold(r.Authority.Code, f.code) || r.Ref == ref.Normalize(f.code) {
					pick, found = r, true
					break
				}
			}
			if !found {
				return fmt.Errorf("campaign %s has no request to an authority with code %q", c.Name, f.code)
			}
		} else if len(reqs) > 1 {
			fmt.Fprintf(e.stderr, "showing 1 of %d messages (%s); use --authority CODE or --out DIR for others\n", len(reqs), pick.Authority.Name)
		}
		raw, err := render(pick)
		if err != nil {
			return err
		}
		if f.raw {
			_, err = e.stdout.Write(raw)
			return err
		}
		return showMessage(e.stdout, raw)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	for _, r := range reqs {
		raw, err := render(r)
		if err != nil {
			return err
		}
		name := r.Ref + ".eml"
		if r.Authority.Code != "" {
			name = safeFileName(r.Authority.Code) + "-" + name
		}
		if err := os.WriteFile(filepath.Join(f.out, name), raw, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "wrote %d messages to %s\n", len(reqs), f.out)
	return nil
}

// safeFileName keeps letters, digits, '-' and '_' of s.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// shownHeaders are the headers a person checks before sending.
var shownHeaders = []string{"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID"}

// showMessage writes raw as a person reads it: the headers that matter,
// decoded, then each text part with its transfer encoding undone (no
// quoted-printable soft breaks or =E2=80=99). Text from outside (an
// authority's name, say) is escaped as printable does; other parts are
// named, not shown.
func showMessage(w io.Writer, raw []byte) error {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return fmt.Errorf("read rendered message: %w", err)
	}
	defer mr.Close()
	var b strings.Builder
	for _, k := range shownHeaders {
		if !mr.Header.Has(k) {
			continue
		}
		v, err := mr.Header.Text(k)
		if err != nil {
			v = mr.Header.Get(k)
		}
		fmt.Fprintf(&b, "%s: %s\n", k, printable(v))
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) {
			return fmt.Errorf("read rendered message: %w", err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			if ct != "" && ct != "text/plain" {
				fmt.Fprintf(&b, "\n[%s part not shown; --raw prints it]\n", printable(ct))
				continue
			}
			body, err := io.ReadAll(p.Body)
			if err != nil {
				return fmt.Errorf("read rendered message: %w", err)
			}
			b.WriteString("\n")
			for _, line := range strings.Split(strings.TrimRight(string(body), "\r\n"), "\n") {
				b.WriteString(printableLine(strings.TrimSuffix(line, "\r")) + "\n")
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			ct, _, _ := h.ContentType()
			fmt.Fprintf(&b, "\n[attachment %q, %s]\n", printable(name), printable(ct))
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// printableLine is printable for one line of a letter, keeping its tabs.
func printableLine(s string) string {
	parts := strings.Split(s, "\t")
	for i, p := range parts {
		parts[i] = printable(p)
	}
	return strings.Join(parts, "\t")
}
