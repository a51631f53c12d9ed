package extract

import (
	"context"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // windows-1252, iso-8859-1 and friends
	"github.com/emersion/go-message/mail"
)

// maxEmailParts bounds the parts walked in one attached email.
const maxEmailParts = 500

// extractEmail reads an attached or forwarded email (message/rfc822): its
// headers and body become the first page, each attachment is extracted as
// a member. This is a minimal parse with go-message; ingest owns the full
// one for mail foidesk receives.
func (x *Extractor) extractEmail(ctx context.Context, p, name string, depth int) (Result, error) {
	lim := x.opts.Limits
	res := Result{Type: TypeEmail, Engine: EngineGo}
	if depth >= lim.MaxDepth {
		return failed(TypeEmail, "attachments nested more than %d deep: stopped", lim.MaxDepth), nil
	}
	f, err := os.Open(p)
	if err != nil {
		return failed(TypeEmail, "%v", err), nil
	}
	defer f.Close()
	e, err := message.Read(f)
	if e == nil {
		return failed(TypeEmail, "not a readable email: %v", err), nil
	}
	h := mail.Header{Header: e.Header}
	var head strings.Builder
	for _, k := range []string{"From", "To", "Cc", "Date", "Subject"} {
		v, err := h.Text(k)
		if err != nil || v == "" {
			v = h.Get(k)
		}
		if v != "" {
			fmt.Fprintf(&head, "%s: %s\n", k, v)
		}
	}
	tmp, err := os.MkdirTemp("", "foidesk-mail-")
	if err != nil {
		return Result{}, fmt.Errorf("extract email: %w", err)
	}
	defer os.RemoveAll(tmp)
	var plain, htmlBody string
	parts := 0
	var attachments []Member
	var walk func(e *message.Entity, level int) error
	walk = func(e *message.Entity, level int) error {
		parts++
		if parts > maxEmailParts || level > 20 {
			return &limitError{fmt.Sprintf("more than %d parts or nested too deep", maxEmailParts)}
		}
		if mr := e.MultipartReader(); mr != nil {
			for {
				pe, err := mr.NextPart()
				if err == io.EOF {
					return nil
				}
				if err != nil && pe == nil {
					return nil // damaged multipart: keep what was read
				}
				if err := walk(pe, level+1); err != nil {
					return err
				}
			}
		}
		ct, _, _ := e.Header.ContentType()
		disp, dparams, _ := e.Header.ContentDisposition()
		fname := dparams["filename"]
		if fname == "" {
			_, cparams, _ := e.Header.ContentType()
			fname = cparams["name"]
		}
		if disp != "attachment" && fname == "" && (ct == "text/plain" || ct == "text/html" || ct == "") {
			b, _ := io.ReadAll(io.LimitReader(e.Body, lim.MaxEntryBytes))
			if ct == "text/html" {
				if htmlBody == "" {
					htmlBody = htmlText(b)
				}
			} else if plain == "" {
				plain, _ = decodeText(b)
			}
			return nil
		}
		if fname == "" {
			fname = "part" + extFor(ct)
		}
		file := filepath.Join(tmp, fmt.Sprint(parts))
		out, err := os.Create(file)
		if err != nil {
			return err
		}
		n, err := io.Copy(out, io.LimitReader(e.Body, lim.MaxEntryBytes+1))
		out.Close()
		m := Member{Path: fname}
		if err != nil || n > lim.MaxEntryBytes {
			m.Status, m.Reason = StatusFailed, "attachment unreadable or over the size limit"
			attachments = append(attachments, m)
			return nil
		}
		sub, err := x.extractPath(ctx, file, name+"/"+fname, depth+1)
		if err != nil {
			return err
		}
		os.Remove(file)
		m.Type, m.Status, m.Reason, m.Engine, m.Pages = sub.Type, sub.Status, sub.Reason, sub.Engine, len(sub.Pages)
		attachments = append(attachments, m)
		for _, pg := range sub.Pages {
			pg.Origin = joinOrigin(fname, pg.Origin)
			res.Pages = append(res.Pages, pg)
		}
		return nil
	}
	if err := walk(e, 0); err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		res.Notes = append(res.Notes, "email only partly read: "+err.Error())
	}
	body := plain
	if body == "" {
		body = htmlBody
	}
	res.Pages = append([]Page{{Number: 1, Text: head.String() + "\n" + body}}, res.Pages...)
	for i := range res.Pages {
		res.Pages[i].Number = i + 1
	}
	res.Members = attachments
	return res, nil
}

func extFor(ct string) string {
	if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
