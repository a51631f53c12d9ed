package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"foidesk/ref"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign preview",
		synopsis: "NAME",
		summary:  "show the exact messages a campaign sends, headers and body",
		help: `Renders campaign NAME's messages exactly as they will be sent (or, once
queued, exactly as they were stored): to stdout for one authority
(--authority CODE, default the first), or as one .eml file per authority in
--out DIR, to open in a mail program. Nothing is changed or sent.`,
		args: 1,
	}, campaignPreview))
}

type campaignPreviewFlags struct {
	code, out string
}

func (f *campaignPreviewFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.code, "authority", "", "the authority `CODE` (or reference token) to show")
	fs.StringVar(&f.out, "out", "", "write one .eml per authority into `DIR`")
}

// campaignPreview shows campaign NAME's messages as they will be (or were)
// sent, changing nothing.
func campaignPreview(ctx context.Context, e *env, f *campaignPreviewFlags, args []string) error {
	if f.code != "" && f.out != "" {
		return usagef("give --authority or --out, not both")
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
		_, err = e.stdout.Write(raw)
		return err
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
