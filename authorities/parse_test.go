package authorities

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func parse(t *testing.T, data string) *Import {
	t.Helper()
	im, err := Parse("list.csv", strings.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return im
}

func problems(im *Import) []string {
	var out []string
	for _, p := range im.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestSimpleFormatReadsAnyColumnOrderBOMAndCRLF(t *testing.T) {
	data := "\ufefftags , Email,name,nation,regime,code,notes\r\n" +
		"a; b ;a;, foi@one.gov.uk ,One Council  ,scotland,,ONE,x\r\n" +
		",foi@two.gov.uk,Two Council,Wales,EIR,,\r\n" +
		",foi@three.gov.uk,\"Three\r\nCouncil\",,,,\r\n"
	im := parse(t, data)
	if len(im.Problems) > 0 {
		t.Fatalf("problems: %v", problems(im))
	}
	if im.Format != FormatSimple || len(im.Rows) != 3 {
		t.Fatalf("format %s, %d rows", im.Format, len(im.Rows))
	}
	one, two, three := im.Rows[0], im.Rows[1], im.Rows[2]
	if one.Name != "One Council" || *one.Email != "foi@one.gov.uk" || one.Code != "ONE" || *one.Nation != "Scotland" || one.Regime != nil || one.Line != 2 {
		t.Errorf("row one: %+v", one)
	}
	if !slices.Equal(*one.Tags, []string{"a", "b"}) {
		t.Errorf("tags %q, want a and b once each", *one.Tags)
	}
	if *two.Regime != "eir" || *two.Nation != "Wales" || len(*two.Tags) != 0 || two.Line != 3 {
		t.Errorf("row two: %+v", two)
	}
	if three.Name != "Three Council" || three.Line != 4 || three.Nation != nil {
		t.Errorf("row three: %+v", three)
	}
	if len(im.Warnings) != 1 || im.Warnings[0].Line != 1 || !strings.Contains(im.Warnings[0].Msg, `"notes"`) {
		t.Errorf("warnings %v, want one about column notes on line 1", im.Warnings)
	}
}

func TestSimpleFormatReportsEveryProblemWithItsLine(t *testing.T) {
	data := strings.Join([]string{
		"name,email,code,nation,regime", // 1
		"Good,foi@good.gov.uk,G1,England,foia",
		",foi@noname.gov.uk,,,", // 3: name empty
		"No Email,,,,",          // 4: email empty
		"Bad Email,not-an-address,,,",
		"Display,Jo <foi@display.gov.uk>,,,",
		"Bare Domain,foi@localhost,,,",
		"Nation,foi@nation.gov.uk,,Cornwall,", // 8
		"Regime,foi@regime.gov.uk,,,foi",
		"Scots FOIA,foi@scots.gov.uk,,Scotland,foia", // 10
		"English FOISA,foi@eng.gov.uk,,England,foisa",
		"Dup Code,foi@dupcode.gov.uk,g1,,", // 12: same code as line 2, other case
		"Dup Email,FOI@Good.gov.uk,,,",     // 13
		"Short,foi@short.gov.uk",           // 14: field count
		`Quote "x",foi@quote.gov.uk,,,`,    // 15: bare quote
		`"Multi`,                           // 16: a field across two lines
		`Line",also bad,,,`,                // 17: its email is on this line
		"Last,foi@last.gov.uk,,Narnia,",    // 18
	}, "\n") + "\n"
	im := parse(t, data)
	want := []string{
		"list.csv:3: name is empty",
		"list.csv:4: email is empty",
		`list.csv:5: email "not-an-address" is not a valid address`,
		`list.csv:6: email "Jo <foi@display.gov.uk>" must be a bare address`,
		`list.csv:7: email "foi@localhost" has no full domain`,
		`list.csv:8: nation "Cornwall" is not one of England, Wales, Scotland, Northern Ireland`,
		`list.csv:9: regime "foi" is not one of foia, eir, foisa, eisr`,
		"list.csv:10: regime foia does not apply in Scotland",
		"list.csv:11: regime foisa does not apply in England",
		`list.csv:12: code "g1" is already used on line 2`,
		`list.csv:13: email "FOI@Good.gov.uk" is already used on line 2`,
		"list.csv:14: has 2 fields but the header has 5 columns",
		"list.csv:15: a quote mark inside an unquoted field",
		`list.csv:17: email "also bad" is not a valid address`,
		`list.csv:18: nation "Narnia"`,
	}
	got := problems(im)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	if len(im.Rows) != 1 || im.Rows[0].Code != "G1" {
		t.Errorf("valid rows %+v, want only G1", im.Rows)
	}
}

func TestSimpleFormatHeaderProblems(t *testing.T) {
	im := parse(t, "name,code\nOne,1\n")
	if got := problems(im); len(got) != 1 || got[0] != "list.csv:1: the header has no email column, which is required" {
		t.Errorf("problems %q", got)
	}
	im = parse(t, "name,email,name\nA,a@b.uk,A\n")
	if got := problems(im); len(got) != 1 || !strings.HasPrefix(got[0], `list.csv:1: column "name" appears twice`) {
		t.Errorf("problems %q", got)
	}
	im = parse(t, "\n\nname,email\n")
	if got := problems(im); len(got) != 1 || got[0] != "list.csv:3: there are no authorities after the header" {
		t.Errorf("problems %q", got)
	}
}

func TestUnreadableFilesGetOneSentence(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "list.csv is empty"},
		{"blank", " \r\n\n", "list.csv is empty"},
		{"bom only", "\ufeff", "list.csv is empty"},
		{"commas only", ",,,\n,,\n", "list.csv is empty"},
		{"binary", "PK\x03\x04\x00\x00zip", "list.csv is not a CSV file: it holds binary data"},
		{"latin-1", "name,email\nYnys M\xf4n,foi@ynys.gov.uk\n", "list.csv is not UTF-8 text (first bad byte on line 2)"},
		{"no header", "Leeds City Council,foi@leeds.gov.uk\n", "list.csv has no header line"},
		{"broken first line", "\"name,email\n", "list.csv is not a CSV file: line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("list.csv", strings.NewReader(tc.data), nil)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want an InputError", err)
			}
			if !strings.HasPrefix(ie.Msg, tc.want) || strings.Contains(ie.Msg, "\n") {
				t.Errorf("message %q, want one line starting %q", ie.Msg, tc.want)
			}
		})
	}
}

const mySocietyHeader = "local-authority-code,official-name,nice-name,nation,region,local-authority-type,local-authority-type-name,current-authority\n"

const mySocietySample = mySocietyHeader +
	"KEN,Kent County Council,Kent,England,South East,CTY,County,True\n" + // 2
	"ASH,Ashford Borough Council,Ashford,England,South East,NMD,Non-metropolitan district,True\n" +
	"OLD,Old District Council,Old,England,South East,NMD,Non-metropolitan district,False\n" +
	"NTCA,North of Tyne Combined Authority,North of Tyne,England,North East,COMB,Combined authority,True\n" +
	"\"ABE\",Aberdeen City Council,Aberdeen,Scotland,Scotland,SCO,Scottish unitary authority,True\n" + // 6
	"BEL,Belfast City Council,Belfast,Northern Ireland,Northern Ireland,NID,NI district,True\n"

func TestMySocietyFormatWithoutEmails(t *testing.T) {
	im := parse(t, mySocietySample)
	if len(im.Problems) > 0 || len(im.Warnings) > 0 {
		t.Fatalf("problems %v, warnings %v", im.Problems, im.Warnings)
	}
	if im.Format != FormatMySociety {
		t.Fatalf("format %s", im.Format)
	}
	var codes []string
	for _, r := range im.Rows {
		codes = append(codes, r.Code)
		if r.Email != nil || r.Regime != nil {
			t.Errorf("%s: email %v regime %v, want both unset", r.Code, r.Email, r.Regime)
		}
	}
	if !slices.Equal(codes, []string{"KEN", "ASH", "ABE", "BEL"}) {
		t.Errorf("codes %v: want current ones without NTCA", codes)
	}
	if len(im.Notes) != 1 || !strings.Contains(im.Notes[0], "NTCA") || !strings.Contains(im.Notes[0], "abolished in May 2024") {
		t.Errorf("notes %q", im.Notes)
	}
	tags := map[string][]string{}
	for _, r := range im.Rows {
		tags[r.Code] = *r.Tags
	}
	for code, want := range map[string][]string{
		"KEN": {"type:county", "region:south-east", ChildrensServicesTag},
		"ASH": {"type:non-metropolitan-district", "region:south-east"},
		"ABE": {"type:scottish-unitary-authority", "region:scotland", ChildrensServicesTag},
		"BEL": {"type:ni-district", "region:northern-ireland"},
	} {
		if !slices.Equal(tags[code], want) {
			t.Errorf("%s tags %q, want %q", code, tags[code], want)
		}
	}
	if im.Rows[2].Line != 6 || *im.Rows[3].Nation != "Northern Ireland" {
		t.Errorf("row %+v", im.Rows[2])
	}
}

func TestMySocietyFormatWithEmails(t *testing.T) {
	emails, err := ParseEmails("emails.csv", strings.NewReader("\ufeffcode,email,contact\r\nken,foi@kent.gov.uk,x\r\nABE,foi@aberdeencity.gov.uk,\r\nZZZ,foi@nowhere.gov.uk,\r\nASH,,\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := Parse("councils.csv", strings.NewReader(mySocietySample), emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Problems) > 0 {
		t.Fatalf("problems %v", problems(im))
	}
	got := map[string]string{}
	for _, r := range im.Rows {
		if r.Email != nil {
			got[r.Code] = *r.Email
		}
	}
	if len(got) != 2 || got["KEN"] != "foi@kent.gov.uk" || got["ABE"] != "foi@aberdeencity.gov.uk" {
		t.Errorf("emails %v", got)
	}
	var warns []string
	for _, w := range im.Warnings {
		warns = append(warns, w.String())
	}
	want := []string{
		`emails.csv:1: unknown column "contact" ignored (known columns: code, email, shared)`,
		"emails.csv:4: code ZZZ is not a current authority in councils.csv; its address is not used",
	}
	if !slices.Equal(warns, want) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(warns, "\n"), strings.Join(want, "\n"))
	}
}

func TestEmailsFileProblems(t *testing.T) {
	emails, err := ParseEmails("emails.csv", strings.NewReader("code,email\nKEN,foi@kent\n,foi@x.gov.uk\nABE,a@b.gov.uk\nabe,c@d.gov.uk\nBEL,A@B.gov.uk\n"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := Parse("councils.csv", strings.NewReader(mySocietySample), emails)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`emails.csv:2: email "foi@kent" has no full domain after the @`,
		"emails.csv:3: code is empty",
		`emails.csv:5: code "abe" is already used on line 4`,
		`emails.csv:6: email "A@B.gov.uk" is already used on line 4; if one FOI team answers for both, mark both rows shared`,
	}
	if got := problems(im); !slices.Equal(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ParseEmails("emails.csv", strings.NewReader("KEN,foi@kent.gov.uk\n")); err == nil || !strings.Contains(err.Error(), "no header line") {
		t.Errorf("headerless emails file: err %v", err)
	}
	if _, err := Parse("simple.csv", strings.NewReader("name,email\nA,a@b.gov.uk\n"), emails); err == nil || !strings.Contains(err.Error(), "--emails applies only to mySociety") {
		t.Errorf("--emails with a simple list: err %v", err)
	}
}

func TestUKCouncilsAreEveryCurrentCouncilButNTCA(t *testing.T) {
	im, err := UKCouncils(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Problems) > 0 || len(im.Warnings) > 0 {
		t.Fatalf("problems %v warnings %v", im.Problems, im.Warnings)
	}
	nations := map[string]int{}
	children := 0
	for _, r := range im.Rows {
		nations[*r.Nation]++
		if r.Code == "NTCA" {
			t.Error("NTCA imported")
		}
		if slices.Contains(*r.Tags, ChildrensServicesTag) {
			children++
		}
	}
	// mySociety marks 397 authorities current; NTCA is left out.
	want := map[string]int{"England": 331, "Scotland": 32, "Wales": 22, "Northern Ireland": 11}
	if len(im.Rows) != 396 || len(nations) != 4 {
		t.Fatalf("%d rows in %v, want 396", len(im.Rows), nations)
	}
	for n, c := range want {
		if nations[n] != c {
			t.Errorf("%s: %d councils, want %d", n, nations[n], c)
		}
	}
	// England's 153 children's services authorities, and 32 + 22 councils
	// in Scotland and Wales.
	if children != 153+32+22 {
		t.Errorf("%d councils tagged %s, want 207", children, ChildrensServicesTag)
	}
	if len(im.Notes) != 1 || !strings.HasPrefix(im.Notes[0], "left out NTCA") {
		t.Errorf("notes %q", im.Notes)
	}
}

func TestDefaultRegime(t *testing.T) {
	for nation, want := range map[string]string{"Scotland": "foisa", "England": "foia", "Wales": "foia", "Northern Ireland": "foia", "": "foia"} {
		if got := DefaultRegime(nation); got != want {
			t.Errorf("DefaultRegime(%q) = %s, want %s", nation, got, want)
		}
	}
}

func TestAddressProblemsInWords(t *testing.T) {
	for addr, want := range map[string]string{
		"foi council.gov.uk":                      "no @",
		"FOI Team foi@council.gov.uk":             "words beside the address",
		"foi@council.gov.uk, info@council.gov.uk": "more than one address",
		`"foi@council.gov.uk`:                     "not closed",
	} {
		err := checkEmail(addr)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "angle-addr") || strings.Contains(err.Error(), "addr-spec") {
			t.Errorf("checkEmail(%q) = %v, want words saying %q", addr, err, want)
		}
	}
}

func TestSharedAddressesOnlyWhereMarked(t *testing.T) {
	data := strings.Join([]string{
		"name,email,code,shared", // 1
		"Adur,foi@adur-worthing.gov.uk,ADU,yes",
		"Worthing,FOI@adur-worthing.gov.uk,WOT,TRUE",
		"Brighton,foi@brighton.gov.uk,BRI,",
		"Hove,foi@brighton.gov.uk,HOV,1",        // 5: shared, but line 4 is not
		"Lewes,foi@adur-worthing.gov.uk,LEW,no", // 6: unmarked
		"Wealden,foi@wealden.gov.uk,,yes",       // 7: shared without a code
		"Rother,foi@rother.gov.uk,ROT,maybe",
	}, "\n") + "\n"
	im := parse(t, data)
	want := []string{
		`list.csv:5: email "foi@brighton.gov.uk" is already used on line 4; if one FOI team answers for both, mark both rows shared`,
		`list.csv:6: email "foi@adur-worthing.gov.uk" is already used on line 2; if one FOI team answers for both, mark both rows shared`,
		"list.csv:7: a row whose address is shared needs a code",
		`list.csv:8: shared "maybe" is not one of yes, no, true, false, 1, 0`,
	}
	got := problems(im)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	shared := map[string]bool{}
	for _, r := range im.Rows {
		shared[r.Code] = r.Shared != nil && *r.Shared
	}
	if !shared["ADU"] || !shared["WOT"] || shared["BRI"] || len(shared) != 3 {
		t.Errorf("valid rows %v, want ADU and WOT shared, BRI not", shared)
	}

	// Without a shared column nothing is said, and duplicates are refused.
	im = parse(t, "name,email,code\nAdur,foi@aw.gov.uk,ADU\nWorthing,foi@aw.gov.uk,WOT\n")
	if got := problems(im); len(got) != 1 || !strings.HasPrefix(got[0], `list.csv:3: email "foi@aw.gov.uk" is already used on line 2`) {
		t.Errorf("unmarked duplicate: %v", got)
	}
}

func TestEmailsFileMarksSharedAddresses(t *testing.T) {
	emails, err := ParseEmails("emails.csv", strings.NewReader("code,email,shared\nKEN,foi@shared.gov.uk,yes\nABE,foi@shared.gov.uk,yes\nASH,foi@ash.gov.uk,\n"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := Parse("councils.csv", strings.NewReader(mySocietySample), emails)
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Problems) > 0 {
		t.Fatalf("problems %v", problems(im))
	}
	for _, r := range im.Rows {
		want := r.Code == "KEN" || r.Code == "ABE"
		if r.Email != nil && (r.Shared == nil || *r.Shared != want) {
			t.Errorf("%s: shared %v, want %v", r.Code, r.Shared, want)
		}
	}
	emails, _ = ParseEmails("emails.csv", strings.NewReader("code,email,shared\nKEN,foi@shared.gov.uk,yes\nABE,foi@shared.gov.uk,\n"))
	if len(emails.Problems) != 1 || !strings.HasPrefix(emails.Problems[0].String(), `emails.csv:3: email "foi@shared.gov.uk" is already used on line 2`) {
		t.Errorf("problems %v", emails.Problems)
	}
}

func TestCodesAreValidatedAtImport(t *testing.T) {
	long := strings.Repeat("x", 300)
	data := strings.Join([]string{
		"name,email,code", // 1
		"Good,foi@good.gov.uk,E06000001",
		"Dotted,foi@dotted.gov.uk,abc.def-G_1",
		"Max,foi@max.gov.uk," + strings.Repeat("m", 32),
		"Parent,foi@parent.gov.uk,../../x", // 5
		"Control,foi@control.gov.uk,\"A\x1bB\"",
		"Long,foi@long.gov.uk," + long,
		"Leading Dot,foi@dot.gov.uk,.hidden",
		"Slash,foi@slash.gov.uk,a/b",
		"Space,foi@space.gov.uk,\"A B\"", // 10
		"Unicode,foi@unicode.gov.uk,Môn",
		"Newline,foi@newline.gov.uk,\"A\nB\"",
	}, "\n") + "\n"
	im := parse(t, data)
	want := []string{
		`list.csv:5: code "../../x" starts with '.'`,
		`list.csv:6: code "A\x1bB" contains '\x1b'`,
		`list.csv:7: code "` + strings.Repeat("x", 32) + `…" is 300 characters long; a code has at most 32`,
		`list.csv:8: code ".hidden" starts with '.'`,
		`list.csv:9: code "a/b" contains '/'`,
		`list.csv:10: code "A B" contains ' '`,
		`list.csv:11: code "Môn" contains 'ô'`,
		`list.csv:12: code "A\nB" contains '\n'`,
	}
	got := problems(im)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
	if len(im.Rows) != 3 {
		t.Errorf("valid rows %+v, want the first three", im.Rows)
	}

	im, err := Parse("councils.csv", strings.NewReader(mySocietyHeader+"K/N,Kent County Council,Kent,England,South East,CTY,County council,True\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := problems(im); len(got) != 1 || !strings.HasPrefix(got[0], `councils.csv:2: local-authority-code "K/N" contains '/'`) {
		t.Errorf("mySociety code: %v", got)
	}
	emails, err := ParseEmails("emails.csv", strings.NewReader("code,email\n..,foi@kent.gov.uk\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(emails.Problems) != 1 || !strings.HasPrefix(emails.Problems[0].String(), `emails.csv:2: code ".." starts with '.'`) {
		t.Errorf("emails file code: %v", emails.Problems)
	}
}
