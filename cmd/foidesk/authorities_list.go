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
	// Shared is present, true, when the address is shared by design.
	Shared bool `json:"shared,omitempty"`
}

func init() {
	register(newCommand(command{
		name:    "authorities list",
		summary: "list the authorities in the register",
		help: `Prints the register, ordered by name. --json prints one JSON array of
objects with code, name, email, nation, regime and tags (a missing code,
email or nation is null). Filters combine: --nation "Northern Ireland"
--missing-email lists the Northern Irish councils that still need an address.`,
	}, authoritiesList))
}

type authoritiesListFlags struct {
	json, missing bool
	nation, tag   string
}

func (f *authoritiesListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print a JSON array")
	fs.StringVar(&f.nation, "nation", "", "only authorities in `NATION`: England, Wales, Scotland or Northern Ireland")
	fs.BoolVar(&f.missing, "missing-email", false, "only authorities without an email address")
	fs.StringVar(&f.tag, "tag", "", "only authorities with `TAG`, e.g. childrens-services")
}

// authoritiesList prints the register, or the part of it the filters pick.
func authoritiesList(ctx context.Context, e *env, f *authoritiesListFlags, _ []string) error {
	filter := registry.AuthorityFilter{MissingEmail: f.missing, Tag: f.tag}
	if f.nation != "" {
		n, ok := authorities.NormalizeNation(f.nation)
		if !ok {
			return usagef("--nation must be one of %s, not %q", strings.Join(authorities.Nations, ", "), f.nation)
		}
		filter.Nation = n
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	list, err := st.register.Authorities(ctx, filter)
	if err != nil {
		return err
	}
	if f.json {
		return printAuthoritiesJSON(e, list)
	}
	printAuthoritiesTable(e, list)
	return nil
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
		out = append(out, authorityJSON{Code: opt(a.Code), Name: a.Name, Email: opt(a.Email), Nation: opt(a.Nation), Regime: a.Regime, Tags: a.Tags, Shared: a.SharedEmail})
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dash(printable(a.Code)), printable(a.Name), printable(email), dash(a.Nation), a.Regime, printable(strings.Join(a.Tags, ";")))
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
