package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"foidesk/authorities"
	"foidesk/store/registry"
)

// importProgressHook, when set, runs inside the import transaction after each
// row. Only the interrupted-import test build sets it (see
// authorities_import_hook.go), to hold an import open while it is killed.
var importProgressHook func(done int) error

// missingShown is how many authorities without an address the import names
// before pointing at "authorities list --missing-email" for the rest.
const missingShown = 10

func init() {
	register(newCommand(command{
		name:     "authorities import",
		synopsis: "FILE.csv | --uk-councils",
		summary:  "add or update authorities from a CSV file or the built-in UK council list",
		help: `FILE.csv is either of two formats, told apart by the header line:

  A simple list: columns name and email (required), code, nation
  (England, Wales, Scotland, Northern Ireland), regime (foia, eir, foisa,
  eisr; default foisa in Scotland, foia elsewhere) and tags (separated by
  semicolons), in any order. Other columns are ignored with a warning.

  mySociety's "UK Local Authority Names and Codes" CSV: only current
  authorities are taken. Their type and region become tags such as
  type:london-borough and region:north-west, and councils with children's
  social services (English county, unitary, metropolitan and London borough
  councils, the City of London, and every Scottish and Welsh council) get
  the tag childrens-services. Addresses come from --emails FILE, a CSV with
  columns code and email. An authority without one is imported all the same
  and listed as missing an address; nothing is ever sent to it.

--uk-councils imports the copy of that list built into foidesk, leaving out
the North of Tyne Combined Authority (NTCA), abolished in May 2024 though
the data still marks it current.

Every row is checked before anything is written. On any problem each is
printed as FILE:LINE: reason and nothing is imported. Otherwise the whole
file goes in as one transaction: authorities are matched by code (by email
when a row has no code), and the command prints added N, updated N,
unchanged N. Every change is recorded as an event. Empty cells and absent
columns leave what is stored as it is, so a list without addresses never
erases one.

` + authorities.UKCouncilsCredit,
		args: anyArgs,
	}, authoritiesImport))
}

type authoritiesImportFlags struct {
	emailsFile string
	ukCouncils bool
}

func (f *authoritiesImportFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.emailsFile, "emails", "", "CSV `FILE` with columns code and email: addresses for a mySociety list")
	fs.BoolVar(&f.ukCouncils, "uk-councils", false, "import the built-in list of current UK councils (mySociety, CC BY 4.0)")
}

// authoritiesImport adds or updates authorities from a CSV file or the
// built-in council list, all or nothing.
func authoritiesImport(ctx context.Context, e *env, f *authoritiesImportFlags, args []string) error {
	switch {
	case f.ukCouncils && len(args) > 0:
		return usagef("give either FILE.csv or --uk-councils, not both")
	case !f.ukCouncils && len(args) == 0:
		return usagef("authorities import needs FILE.csv, or --uk-councils for the built-in council list")
	case len(args) > 1:
		return usagef("authorities import takes one FILE.csv, not %d", len(args))
	}
	var emails *authorities.Emails
	if f.emailsFile != "" {
		var err error
		if emails, err = parseFile(e, f.emailsFile, func(name string, r io.Reader) (*authorities.Emails, error) {
			return authorities.ParseEmails(name, r)
		}); err != nil {
			return err
		}
	}
	var im *authorities.Import
	var err error
	if f.ukCouncils {
		im, err = authorities.UKCouncils(emails)
	} else {
		im, err = parseFile(e, args[0], func(name string, r io.Reader) (*authorities.Import, error) {
			return authorities.Parse(name, r, emails)
		})
	}
	if err != nil {
		return err
	}
	return importAuthorities(ctx, e, im)
}

// parseFile opens path ("-" is standard input) and parses it.
func parseFile[T any](e *env, path string, parse func(string, io.Reader) (T, error)) (T, error) {
	if path == "-" {
		return parse("stdin", e.stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return parse(path, f)
}

func importAuthorities(ctx context.Context, e *env, im *authorities.Import) error {
	for _, w := range im.Warnings {
		fmt.Fprintf(e.stderr, "%s:%d: warning: %s\n", w.File, w.Line, w.Msg)
	}
	if len(im.Problems) > 0 {
		for _, p := range im.Problems {
			fmt.Fprintln(e.stderr, p)
		}
		noun := "problems"
		if len(im.Problems) == 1 {
			noun = "problem"
		}
		// Name the files the problems are in: with --emails, a fault in
		// the user's file is not the embedded list's.
		var files []string
		for _, p := range im.Problems {
			if !slices.Contains(files, p.File) {
				files = append(files, p.File)
			}
		}
		fmt.Fprintf(e.stderr, "foidesk: nothing imported: %d %s in %s; fix them and import again\n", len(im.Problems), noun, strings.Join(files, " and "))
		return errSilentFailure
	}
	for _, n := range im.Notes {
		fmt.Fprintln(e.stdout, n)
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	rows := make([]registry.AuthorityInput, len(im.Rows))
	for i, r := range im.Rows {
		rows[i] = registry.AuthorityInput{
			Origin: fmt.Sprintf("%s:%d", im.File, r.Line),
			Code:   r.Code, Name: r.Name,
			Email: r.Email, Nation: r.Nation, Regime: r.Regime, Tags: r.Tags, SharedEmail: r.Shared,
		}
	}
	res, err := st.register.ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows, Progress: importProgressHook})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %d, updated %d, unchanged %d\n", res.Added, res.Updated, res.Unchanged)
	if n := len(res.MissingEmail); n > 0 {
		fmt.Fprintf(e.stdout, "%d of these authorities have no email address; nothing will be sent to them until they have one:\n", n)
		for i, a := range res.MissingEmail {
			if i == missingShown && n > missingShown+1 {
				fmt.Fprintf(e.stdout, "  … and %d more: run 'foidesk authorities list --missing-email' for all of them\n", n-missingShown)
				break
			}
			fmt.Fprintf(e.stdout, "  %s\n", describeAuthority(a))
		}
	}
	return nil
}

// describeAuthority names an authority on one line: code and name.
func describeAuthority(a registry.Authority) string {
	if a.Code == "" {
		return printable(a.Name)
	}
	return printable(a.Code + "  " + a.Name)
}
