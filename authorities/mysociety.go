package authorities

import (
	"io"
	"strings"
)

// mySocietyColumns identify mySociety's "UK Local Authority Names and
// Codes" CSV (https://github.com/mysociety/uk_local_authority_names_and_codes).
var mySocietyColumns = []string{"local-authority-code", "official-name", "nation", "current-authority"}

func isMySociety(t *table) bool {
	for _, c := range mySocietyColumns {
		if _, ok := t.cols[c]; !ok {
			return false
		}
	}
	return true
}

// Abolished lists authorities the mySociety data still marks current but
// which no longer exist, by code, with the reason shown when one is left out.
var Abolished = map[string]string{
	"NTCA": "abolished in May 2024 (replaced by the North East Combined Authority, NECA), though the data still marks it current",
}

// ChildrensServicesTag marks councils with children's social services
// duties, so a campaign about them can target exactly those: in England the
// county, unitary, metropolitan and London borough councils and the City of
// London (the 153 children's services authorities), and every Scottish and
// Welsh unitary council. District councils, combined and strategic
// authorities do not have these duties, nor do Northern Ireland's councils
// (there the Health and Social Care Trusts do).
const ChildrensServicesTag = "childrens-services"

// childrensServicesTypes are the mySociety local-authority-type codes that
// get ChildrensServicesTag.
var childrensServicesTypes = map[string]bool{
	"CTY": true, // county council
	"UA":  true, // English unitary authority (Isles of Scilly included)
	"MD":  true, // metropolitan district
	"LBO": true, // London borough
	"CC":  true, // City of London Corporation
	"SCO": true, // Scottish unitary council
	"WPA": true, // Welsh unitary council
}

// parseMySociety takes the current authorities of a mySociety file. Their
// local-authority-type and region become tags "type:…" and "region:…" (e.g.
// "type:london-borough", "region:north-west"), plus ChildrensServicesTag
// where it applies. Addresses come from emails, matched by code; an
// authority without one is imported with none.
func parseMySociety(im *Import, t *table, emails *Emails) {
	d := newDupes()
	current := map[string]bool{}
	for _, rec := range t.records {
		if cur, _ := t.col(rec, "current-authority"); !strings.EqualFold(cur, "true") {
			continue
		}
		before := len(im.Problems)
		row := Row{Line: rec.line}
		row.Code, _ = t.col(rec, "local-authority-code")
		row.Name = oneLine(t.col(rec, "official-name"))
		if row.Code == "" {
			im.problem(t.lineOf(rec, "local-authority-code"), "local-authority-code is empty")
		} else if err := CheckCode(row.Code); err != nil {
			im.problem(t.lineOf(rec, "local-authority-code"), "local-authority-%v", err)
		}
		if row.Name == "" {
			im.problem(t.lineOf(rec, "official-name"), "official-name is empty")
		}
		if reason, gone := Abolished[strings.ToUpper(row.Code)]; gone {
			im.Notes = append(im.Notes, "left out "+row.Code+" ("+row.Name+"): "+reason)
			continue
		}
		current[strings.ToLower(row.Code)] = true
		v, _ := t.col(rec, "nation")
		nation, ok := NormalizeNation(v)
		if !ok {
			im.problem(t.lineOf(rec, "nation"), "nation %q is not one of %s", v, strings.Join(Nations, ", "))
		}
		row.Nation = ptr(nation)
		tags := []string{}
		typeCode, _ := t.col(rec, "local-authority-type")
		typeName, _ := t.col(rec, "local-authority-type-name")
		if typeName == "" {
			typeName = typeCode
		}
		if typeName != "" {
			tags = append(tags, "type:"+slug(typeName))
		}
		if region, _ := t.col(rec, "region"); region != "" {
			tags = append(tags, "region:"+slug(region))
		}
		if childrensServicesTypes[strings.ToUpper(typeCode)] {
			tags = append(tags, ChildrensServicesTag)
		}
		row.Tags = &tags
		if e, ok := emails.lookup(row.Code); ok {
			row.Email = ptr(e.email)
			row.Shared = e.shared
		}
		d.check(im, t.lineOf(rec, "local-authority-code"), 0, row.Code, nil, false)
		if len(im.Problems) == before {
			im.Rows = append(im.Rows, row)
		}
	}
	byLine(im.Problems)
	if emails == nil {
		return
	}
	im.Problems = append(im.Problems, emails.Problems...)
	im.Warnings = append(im.Warnings, emails.Warnings...)
	for _, e := range emails.entries {
		if !current[strings.ToLower(e.code)] {
			im.Warnings = append(im.Warnings, Problem{File: emails.File, Line: e.line,
				Msg: "code " + e.code + " is not a current authority in " + im.File + "; its address is not used"})
		}
	}
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// Emails is a parsed code,email file: addresses to attach to the
// authorities of a mySociety list.
type Emails struct {
	File     string
	Problems []Problem
	Warnings []Problem
	entries  []emailEntry
	byCode   map[string]emailEntry
}

type emailEntry struct {
	line   int
	code   string
	email  string
	shared *bool // nil: the file has no shared column
}

func (e *Emails) lookup(code string) (emailEntry, bool) {
	if e == nil {
		return emailEntry{}, false
	}
	v, ok := e.byCode[strings.ToLower(code)]
	return v, ok
}

// ParseEmails reads a CSV with a header naming at least the columns code
// and email, and optionally shared (yes where one address serves several
// authorities by design). Other columns are warned about and ignored; a row
// with an empty email is skipped, leaving that authority without an address.
func ParseEmails(file string, r io.Reader) (*Emails, error) {
	im, t, err := readImport(file, r)
	if err != nil {
		return nil, err
	}
	_, hasCode := t.cols["code"]
	_, hasEmail := t.cols["email"]
	if !hasCode && !hasEmail {
		return nil, inputErrorf("%s has no header line: its first line must name the columns code and email (it reads %q)", file, strings.Join(t.header, ","))
	}
	unknownColumns(im, t, "code", "email", "shared")
	for _, req := range []string{"code", "email"} {
		if _, ok := t.cols[req]; !ok {
			im.problem(t.headerLine, "the header has no %s column, which is required", req)
		}
	}
	out := &Emails{File: file, byCode: map[string]emailEntry{}}
	if hasCode && hasEmail {
		d := newDupes()
		for _, rec := range t.records {
			before := len(im.Problems)
			code, _ := t.col(rec, "code")
			email, _ := t.col(rec, "email")
			if err := CheckCode(code); err != nil {
				im.problem(t.lineOf(rec, "code"), "%v", err)
			}
			if email == "" {
				continue
			}
			if err := checkEmail(email); err != nil {
				im.problem(t.lineOf(rec, "email"), "%v", err)
			}
			entry := emailEntry{line: rec.line, code: code, email: email}
			if v, ok := t.col(rec, "shared"); ok {
				shared, err := ParseShared(v)
				if err != nil {
					im.problem(t.lineOf(rec, "shared"), "%v", err)
				}
				entry.shared = ptr(shared)
			}
			d.check(im, t.lineOf(rec, "code"), t.lineOf(rec, "email"), code, &email, entry.shared != nil && *entry.shared)
			if len(im.Problems) == before {
				out.entries = append(out.entries, entry)
				out.byCode[strings.ToLower(code)] = entry
			}
		}
	}
	byLine(im.Problems)
	out.Problems, out.Warnings = im.Problems, im.Warnings
	return out, nil
}
