package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"foidesk/authorities"
	"foidesk/store/registry"
)

// authorityJSON is one authority in "authorities list --json". Absent code,
// email and nation are null, so a script can tell "none" from a value.
type authorityJSON struct {
	Code   *string  `json:"code"`
	Name   string   `json:"name"`
	Email  *string  `json:"email"`
	Nation *string  `json:"nation"`
	Regime string   `json:"regime"`
	Tags   []string `json:"tags"`
}

func init() {
	register(&command{
		name:    "authorities list",
		summary: "list the authorities in the register",
		help: `Prints the register, ordered by name. --json prints one JSON array of
objects with code, name, email, nation, regime and tags (a missing code,
email or nation is null). Filters combine: --nation "Northern Ireland"
--missing-email lists the Northern Irish councils that still need an address.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print a JSON array")
			nation := fs.String("nation", "", "only authorities in `NATION`: England, Wales, Scotland or Northern Ireland")
			missing := fs.Bool("missing-email", false, "only authorities without an email address")
			tag := fs.String("tag", "", "only authorities with `TAG`, e.g. childrens-services")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("authorities list takes no arguments")
				}
				f := registry.AuthorityFilter{MissingEmail: *missing, Tag: *tag}
				if *nation != "" {
					n, ok := authorities.NormalizeNation(*nation)
					if !ok {
						return usagef("--nation must be one of %s, not %q", strings.Join(authorities.Nations, ", "), *nation)
					}
					f.Nation = n
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				list, err := st.register.Authorities(ctx, f)
				if err != nil {
					return err
				}
				if *asJSON {
					return printAuthoritiesJSON(e, list)
				}
				printAuthoritiesTable(e, list)
				return nil
			}
		},
	})
}

func printAuthoritiesJSON(e *env, list []registry.Authority) error {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := make([]authorityJSON, 0, len(list))
	for _, a := range list {
		out = append(out, authorityJSON{Code: opt(a.Code), Name: a.Name, Email: opt(a.Email), Nation: opt(a.Nation), Regime: a.Regime, Tags: a.Tags})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printAuthoritiesTable(e *env, list []registry.Authority) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tEMAIL\tNATION\tREGIME\tTAGS")
	missing := 0
	for _, a := range list {
		email := a.Email
		if email == "" {
			email = "(missing)"
			missing++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dash(a.Code), a.Name, email, dash(a.Nation), a.Regime, strings.Join(a.Tags, ";"))
	}
	tw.Flush()
	noun := "authorities"
	if len(list) == 1 {
		noun = "authority"
	}
	fmt.Fprintf(e.stdout, "%d %s, %d missing an email address\n", len(list), noun, missing)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
