package main

import (
	"bytes"
	"context"
	"errors"
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
open in a mail program, all or none: if one letter fails to render, DIR is
left as it was and the error names the authority. Nothing is changed or
sent.`,
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
			return nil, fmt.Errorf("%s (%s): %w", printable(r.Authority.Name), printable(r.ToEmail), err)
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
	// Render every message before DIR sees any of them: a letter that
	// fails to render leaves DIR as it was, not holding half a campaign.
	files := make([]previewFile, 0, len(reqs))
	for _, r := range reqs {
		raw, err := render(r)
		if err != nil {
			return fmt.Errorf("request %s to authority %s: %w; nothing written to %s", r.Ref, printable(r.Authority.Code), err, f.out)
		}
		files = append(files, previewFile{name: previewFileName(r), raw: raw})
	}
	if err := writeAllOrNothing(f.out, files); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d messages to %s\n", len(reqs), f.out)
	return nil
}

// previewFile is one .eml file of campaign preview --out.
type previewFile struct {
	name string
	raw  []byte
}

// previewFileName is CODE-REF.eml, or REF.eml for an authority without a
// code: the code made safe for any file system, the reference (unique in
// the campaign) keeping two codes that read alike apart.
func previewFileName(r campaign.Request) string {
	name := r.Ref + ".eml"
	if r.Authority.Code != "" {
		name = safeFileName(r.Authority.Code) + "-" + name
	}
	return name
}

// writeAllOrNothing puts files into dir, creating it if need be, so that
// either all of them land or none does. They are written to a temporary
// directory beside dir (the same file system, so moving them is a rename)
// and moved in only once every one is on disk; on a failure what was moved
// is taken out again and the temporary directory removed.
func writeAllOrNothing(dir string, files []previewFile) (err error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // empty, or gone by rename, on success
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, f.name), f.raw, 0o644); err != nil {
			return fmt.Errorf("write %s: %w; nothing written to %s", f.name, err, dir)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// A new directory arrives whole, in one rename.
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp, dir); err == nil {
			return nil
		}
	}
	// An existing one (earlier previews, say) gets the files one by one;
	// a file already there by the same name is replaced.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var moved []string
	defer func() {
		if err != nil {
			for _, p := range moved {
				os.Remove(p)
			}
		}
	}()
	for _, f := range files {
		to := filepath.Join(dir, f.name)
		if err := os.Rename(filepath.Join(tmp, f.name), to); err != nil {
			return fmt.Errorf("move %s into %s: %w; nothing left there", f.name, dir, err)
		}
		moved = append(moved, to)
	}
	return nil
}

// maxFileNameCode caps the authority code in a file name, well under the
// 255 bytes most file systems allow, leaving room for the reference.
const maxFileNameCode = 100

// safeFileName keeps letters, digits, '-' and '_' of s, anything else
// (a path separator, a dot, a control character) becoming '_', and at most
// maxFileNameCode of them.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if len(s) > maxFileNameCode {
		s = s[:maxFileNameCode]
	}
	return s
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
			// The letter foidesk rendered from its own template, not mail
			// from outside: read whole to print it.
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
