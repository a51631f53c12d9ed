package authorities

import (
	"fmt"
	"io"
	"strings"
)

// simpleColumns are the columns of the simple format; name and email are
// required, the rest optional, in any order.
var simpleColumns = []string{"name", "email", "code", "nation", "regime", "tags", "shared"}

// Parse reads an authority list in either format, told apart by its header.
// emails, when not nil, is a parsed code,email file for the mySociety
// format. A file that cannot be read as CSV at all gives an *InputError;
// everything wrong inside it is in the returned Import's Problems.
func Parse(file string, r io.Reader, emails *Emails) (*Import, error) {
	im, t, err := readImport(file, r)
	if err != nil {
		return nil, err
	}
	if isMySociety(t) {
		im.Format = FormatMySociety
		parseMySociety(im, t, emails)
		return im, nil
	}
	im.Format = FormatSimple
	if emails != nil {
		return nil, inputErrorf("%s is a simple authority list (it has no local-authority-code column); --emails applies only to mySociety's council list, so put the addresses in its email column", file)
	}
	known := 0
	for _, h := range t.header {
		for _, c := range simpleColumns {
			if h == c {
				known++
			}
		}
	}
	if known == 0 {
		return nil, inputErrorf("%s has no header line: its first line must name the columns, at least name and email (it reads %q)", file, strings.Join(t.header, ","))
	}
	parseSimple(im, t)
	return im, nil
}

func parseSimple(im *Import, t *table) {
	unknownColumns(im, t, simpleColumns...)
	missing := false
	for _, req := range []string{"name", "email"} {
		if _, ok := t.cols[req]; !ok {
			im.problem(t.headerLine, "the header has no %s column, which is required", req)
			missing = true
		}
	}
	if missing {
		return
	}
	if len(t.records) == 0 && len(im.Problems) == 0 {
		im.problem(t.headerLine, "there are no authorities after the header")
		return
	}
	d := newDupes()
	for _, rec := range t.records {
		before := len(im.Problems)
		row := Row{Line: rec.line}
		row.Name = oneLine(t.col(rec, "name"))
		if row.Name == "" {
			im.problem(t.lineOf(rec, "name"), "name is empty")
		}
		email, _ := t.col(rec, "email")
		if email == "" {
			im.problem(t.lineOf(rec, "email"), "email is empty")
		} else if err := checkEmail(email); err != nil {
			im.problem(t.lineOf(rec, "email"), "%v", err)
		}
		row.Email = ptr(email)
		row.Code, _ = t.col(rec, "code")
		if row.Code != "" {
			if err := CheckCode(row.Code); err != nil {
				im.problem(t.lineOf(rec, "code"), "%v", err)
			}
		}
		nation := ""
		if v, ok := t.col(rec, "nation"); ok && v != "" {
			n, valid := NormalizeNation(v)
			if !valid {
				im.problem(t.lineOf(rec, "nation"), "nation %q is not one of %s", v, strings.Join(Nations, ", "))
			}
			nation = n
			row.Nation = ptr(n)
		}
		if v, ok := t.col(rec, "regime"); ok && v != "" {
			reg, valid := NormalizeRegime(v)
			switch {
			case !valid:
				im.problem(t.lineOf(rec, "regime"), "regime %q is not one of %s", v, strings.Join(Regimes, ", "))
			case !regimeFits(reg, nation):
				im.problem(t.lineOf(rec, "regime"), "regime %s does not apply in %s (%s)", reg, nation, regimeHint(nation))
			}
			row.Regime = ptr(reg)
		}
		if v, ok := t.col(rec, "tags"); ok {
			row.Tags = ptr(splitTags(v))
		}
		shared := false
		if v, ok := t.col(rec, "shared"); ok {
			var err error
			if shared, err = ParseShared(v); err != nil {
				im.problem(t.lineOf(rec, "shared"), "%v", err)
			} else if shared && row.Code == "" {
				im.problem(t.lineOf(rec, "shared"), "a row whose address is shared needs a code: authorities sharing an address are told apart by their codes")
			}
			row.Shared = ptr(shared)
		}
		d.check(im, t.lineOf(rec, "code"), t.lineOf(rec, "email"), row.Code, row.Email, shared)
		if len(im.Problems) == before {
			im.Rows = append(im.Rows, row)
		}
	}
	byLine(im.Problems)
}

func regimeHint(nation string) string {
	if nation == "Scotland" {
		return "Scottish authorities answer under foisa or eisr"
	}
	return fmt.Sprintf("authorities in %s answer under foia or eir; foisa and eisr are Scottish", nation)
}

// oneLine collapses runs of white space, line breaks included, to one
// space: a name goes into letters and one-line listings.
func oneLine(v string, _ bool) string {
	return strings.Join(strings.Fields(v), " ")
}

// splitTags splits a semicolon-separated cell, trimming each tag and
// dropping empty and repeated ones.
func splitTags(v string) []string {
	tags := []string{}
	seen := map[string]bool{}
	for _, t := range strings.Split(v, ";") {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	return tags
}
