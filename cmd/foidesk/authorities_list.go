package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"foidesk/authorities"
	"foidesk/store/registry"
)

// authorityJSON is one authority in "authorities list --json". Absent code,
// email and nation are null, so a script can tell "none" from a value.
type authorityJSON struct {
	ID     int64    `json:"id"`
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
		help: `Prints the register in the order it was imported (by id). --json prints
one JSON array of objects with id, code, name, email, nation, regime and
tags (a missing code, email or nation is null). Filters combine: --nation
"Northern Ireland" --missing-email lists the Northern Irish councils that
still need an address.

--limit N shows at most N authorities and --after ID only those after id
ID; when --limit cuts the list, standard error says how to ask for the next
page. Without --limit the whole register is listed as it is read.`,
	}, authoritiesList))
}

type authoritiesListFlags struct {
	json, missing bool
	nation, tag   string
	pageFlags
}

func (f *authoritiesListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print a JSON array")
	fs.StringVar(&f.nation, "nation", "", "only authorities in `NATION`: England, Wales, Scotland or Northern Ireland")
	fs.BoolVar(&f.missing, "missing-email", false, "only authorities without an email address")
	fs.StringVar(&f.tag, "tag", "", "only authorities with `TAG`, e.g. childrens-services")
	f.pageFlags.define(fs)
}

// authoritiesList prints the register, or the part of it the filters and
// the page pick, writing each authority as it is read.
func authoritiesList(ctx context.Context, e *env, f *authoritiesListFlags, _ []string) error {
	page, err := f.page()
	if err != nil {
		return err
	}
	filter := registry.AuthorityFilter{MissingEmail: f.missing, Tag: f.tag, AfterID: page.After, Limit: page.Limit}
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
	var shown, missing int
	var last int64
	var more bool
	var write func(registry.Authority) error
	var done func() error
	if f.json {
		arr := newJSONArray(e.stdout)
		write, done = func(a registry.Authority) error { return arr.add(authorityJSONOf(a)) }, arr.close
	} else {
		t := newStreamTable(e.stdout)
		t.row("ID\tCODE\tNAME\tEMAIL\tNATION\tREGIME\tTAGS\n")
		write = func(a registry.Authority) error {
			email := a.Email
			if email == "" {
				email = "(missing)"
				missing++
			}
			return t.row("%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, dash(printable(a.Code)), printable(a.Name), printable(email), dash(a.Nation), a.Regime, printable(strings.Join(a.Tags, ";")))
		}
		done = func() error {
			if err := t.flush(); err != nil {
				return err
			}
			noun := "authorities"
			if shown == 1 {
				noun = "authority"
			}
			where := ""
			if more || page.After != 0 {
				// A page's count is not the register's: say so.
				where = " on this page"
			}
			_, err := fmt.Fprintf(e.stdout, "%d %s%s, %d missing an email address\n", shown, noun, where, missing)
			return err
		}
	}
	more, err = st.register.EachAuthority(ctx, filter, func(a registry.Authority) error {
		if err := write(a); err != nil {
			return err
		}
		shown, last = shown+1, a.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	pageNotice(e, shown, more, last)
	return nil
}

// authorityJSONOf is a as "authorities list --json" prints it.
func authorityJSONOf(a registry.Authority) authorityJSON {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return authorityJSON{ID: a.ID, Code: opt(a.Code), Name: a.Name, Email: opt(a.Email), Nation: opt(a.Nation), Regime: a.Regime, Tags: a.Tags, Shared: a.SharedEmail}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
