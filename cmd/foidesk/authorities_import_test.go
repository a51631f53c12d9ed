package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
)

// authCLI runs foidesk against the database db, with no config file.
func authCLI(t *testing.T, db string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("FOIDESK_CONFIG", "")
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func authFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func authList(t *testing.T, db string, args ...string) []authorityJSON {
	t.Helper()
	out, errOut, code := authCLI(t, db, append([]string{"authorities", "list", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	var list []authorityJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list --json is not a JSON array: %v\n%s", err, out)
	}
	return list
}

func authEvents(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, err := st.Events(context.Background(), store.EventFilter{Kind: "authority."})
	if err != nil {
		t.Fatal(err)
	}
	return len(ev)
}

func TestAuthoritiesImportSimpleListAndReimport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	list := authFile(t, "list.csv", "name,email,code,nation,tags,phone\n"+
		"Leeds City Council,foi@leeds.gov.uk,LDS,England,childrens-services;north,0113\n"+
		"Angus Council,foi@angus.gov.uk,ANS,scotland,,01307\n")
	out, errOut, code := authCLI(t, db, "authorities", "import", list)
	if code != exitOK || out != "added 2, updated 0, unchanged 0\n" {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, list+`:1: warning: unknown column "phone" ignored`) {
		t.Errorf("stderr %q, want a warning about column phone", errOut)
	}
	out, _, code = authCLI(t, db, "authorities", "import", list)
	if code != exitOK || out != "added 0, updated 0, unchanged 2\n" {
		t.Fatalf("re-import: exit %d, %q", code, out)
	}
	changed := authFile(t, "changed.csv", "code,name,email\nLDS,Leeds City Council,foi@leeds.gov.uk\nANS,Angus Council,info@angus.gov.uk\n,Harbour Board,foi@harbour.org.uk\n")
	out, _, code = authCLI(t, db, "authorities", "import", changed)
	if code != exitOK || out != "added 1, updated 1, unchanged 1\n" {
		t.Fatalf("changed import: exit %d, %q", code, out)
	}
	got := authList(t, db)
	// In the order they were added, each with its id.
	if len(got) != 3 || got[0].ID != 1 || got[1].ID != 2 || got[2].ID != 3 || got[1].Name != "Angus Council" || *got[1].Email != "info@angus.gov.uk" || *got[1].Nation != "Scotland" || got[1].Regime != "foisa" {
		t.Errorf("list %+v", got)
	}
	if got[2].Code != nil || got[2].Nation != nil || got[2].Regime != "foia" || len(got[2].Tags) != 0 {
		t.Errorf("Harbour Board %+v: want null code and nation, foia, no tags", got[2])
	}
	if n := authEvents(t, db); n != 4 {
		t.Errorf("%d authority events, want 3 added and 1 updated", n)
	}
}

func TestAuthoritiesImportRejectsWholeFileOnAnyProblem(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	good := authFile(t, "good.csv", "name,email\nKeep Council,foi@keep.gov.uk\n")
	if _, errOut, code := authCLI(t, db, "authorities", "import", good); code != exitOK {
		t.Fatal(errOut)
	}
	bad := authFile(t, "bad.csv", "name,email,nation,regime,code\n"+
		"Fine Council,foi@fine.gov.uk,England,foia,F1\n"+
		"\"Two\nLine Council\",not-email,England,,F2\n"+ // lines 3-4; the email is on 4
		"Bad Nation,foi@nation.gov.uk,Mercia,,F3\n"+ // 5
		"Bad Regime,foi@regime.gov.uk,Wales,foisa,F1\n") // 6
	out, errOut, code := authCLI(t, db, "authorities", "import", bad)
	if code != exitFailure || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{
		bad + `:4: email "not-email" is not a valid address`,
		bad + `:5: nation "Mercia" is not one of`,
		bad + `:6: regime foisa does not apply in Wales`,
		bad + `:6: code "F1" is already used on line 2`,
		"foidesk: nothing imported: 4 problems in " + bad,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if got := authList(t, db); len(got) != 1 || got[0].Name != "Keep Council" {
		t.Errorf("register after rejected import: %+v", got)
	}
	if n := authEvents(t, db); n != 1 {
		t.Errorf("%d events, want only the first import's", n)
	}
}

func TestAuthoritiesImportUnreadableFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	for name, content := range map[string]string{
		"empty.csv":     "",
		"image.csv":     "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"noheader.csv":  "Leeds City Council,foi@leeds.gov.uk\n",
		"spreadsheet.x": "PK\x03\x04\x14\x00\x06\x00",
	} {
		p := authFile(t, name, content)
		out, errOut, code := authCLI(t, db, "authorities", "import", p)
		if code != exitFailure || out != "" || !strings.HasPrefix(errOut, "foidesk: "+p+" ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q: want one sentence naming the file", name, code, out, errOut)
		}
	}
	_, errOut, code := authCLI(t, db, "authorities", "import", filepath.Join(t.TempDir(), "absent.csv"))
	if code != exitFailure || !strings.Contains(errOut, "no such file") {
		t.Errorf("absent file: exit %d, %q", code, errOut)
	}
}

const cmdMySocietyCSV = "local-authority-code,official-name,nation,region,local-authority-type,local-authority-type-name,current-authority,notes\n" +
	"KEN,Kent County Council,England,South East,CTY,County,True,\n" +
	"ASH,Ashford Borough Council,England,South East,NMD,Non-metropolitan district,True,\n" +
	"OLD,Old District Council,England,South East,NMD,Non-metropolitan district,False,\n" +
	"NTCA,North of Tyne Combined Authority,England,North East,COMB,Combined authority,True,\n" +
	"ABE,Aberdeen City Council,Scotland,Scotland,SCO,Scottish unitary authority,True,\n"

func TestAuthoritiesImportMySocietyWithAndWithoutEmails(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	councils := authFile(t, "councils.csv", cmdMySocietyCSV)
	out, _, code := authCLI(t, db, "authorities", "import", councils)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"left out NTCA (North of Tyne Combined Authority): abolished in May 2024",
		"added 3, updated 0, unchanged 0\n",
		"3 of these authorities have no email address",
		"  KEN  Kent County Council\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	emails := authFile(t, "emails.csv", "code,email\nKEN,foi@kent.gov.uk\nABE,foi@aberdeencity.gov.uk\nNTCA,foi@northoftyne-ca.gov.uk\n")
	out, errOut, code := authCLI(t, db, "authorities", "import", "--emails", emails, councils)
	if code != exitOK || !strings.Contains(out, "added 0, updated 2, unchanged 1\n") || !strings.Contains(out, "1 of these authorities have no email address") || !strings.Contains(out, "ASH  Ashford") {
		t.Fatalf("with emails: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, emails+":4: warning: code NTCA is not a current authority") {
		t.Errorf("stderr %q, want a warning about the NTCA address", errOut)
	}
	missing := authList(t, db, "--missing-email")
	if len(missing) != 1 || *missing[0].Code != "ASH" {
		t.Errorf("missing email: %+v", missing)
	}
	// The list alone again must not erase the addresses.
	out, _, _ = authCLI(t, db, "authorities", "import", councils)
	if !strings.Contains(out, "added 0, updated 0, unchanged 3\n") {
		t.Errorf("re-import without emails: %s", out)
	}
	kent := authList(t, db, "--tag", "childrens-services")
	if len(kent) != 2 || *kent[0].Email != "foi@kent.gov.uk" || strings.Join(kent[0].Tags, " ") != "childrens-services region:south-east type:county" {
		t.Errorf("children's services councils: %+v", kent)
	}
	// A fault in the user's emails file is blamed on that file, not on
	// the list it completes.
	badEmails := authFile(t, "bad-emails.csv", "code,email\nKEN,not-an-email\n")
	if _, errOut, code := authCLI(t, db, "authorities", "import", "--emails", badEmails, councils); code != exitFailure ||
		!strings.Contains(errOut, "nothing imported: 1 problem in "+badEmails+";") {
		t.Errorf("bad emails file: exit %d %q", code, errOut)
	}
	// --emails with a simple list is refused in one sentence.
	simple := authFile(t, "simple.csv", "name,email\nA Council,foi@a.gov.uk\n")
	if _, errOut, code := authCLI(t, db, "authorities", "import", "--emails", emails, simple); code != exitFailure || !strings.Contains(errOut, "--emails applies only to mySociety") {
		t.Errorf("--emails with simple list: exit %d %q", code, errOut)
	}
}

func TestAuthoritiesImportUKCouncilsThenListJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.db")
	out, errOut, code := authCLI(t, db, "authorities", "import", "--uk-councils")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "left out NTCA") || !strings.Contains(out, "added 396, updated 0, unchanged 0\n") || !strings.Contains(out, "authorities list --missing-email") {
		t.Errorf("stdout:\n%s", out)
	}
	list := authList(t, db)
	nations := map[string]int{}
	for _, a := range list {
		if a.Code == nil || a.Nation == nil || a.Name == "" || a.Email != nil {
			t.Fatalf("council %+v: want code, name, nation and no email", a)
		}
		if *a.Code == "NTCA" {
			t.Error("NTCA listed")
		}
		want := "foia"
		if *a.Nation == "Scotland" {
			want = "foisa"
		}
		if a.Regime != want {
			t.Errorf("%s in %s: regime %s, want %s", *a.Code, *a.Nation, a.Regime, want)
		}
		nations[*a.Nation]++
	}
	if len(list) != 396 || nations["England"] != 331 || nations["Scotland"] != 32 || nations["Wales"] != 22 || nations["Northern Ireland"] != 11 {
		t.Errorf("%d councils by nation %v; want 396: England 331, Scotland 32, Wales 22, Northern Ireland 11", len(list), nations)
	}
	if ni := authList(t, db, "--nation", "northern ireland"); len(ni) != 11 {
		t.Errorf("--nation 'northern ireland': %d councils, want 11", len(ni))
	}
	if cs := authList(t, db, "--tag", "childrens-services"); len(cs) != 207 {
		t.Errorf("childrens-services: %d councils, want 207", len(cs))
	}
	text, _, code := authCLI(t, db, "authorities", "list", "--nation", "Wales")
	if code != exitOK || !strings.Contains(text, "CODE") || !strings.HasSuffix(text, "22 authorities, 22 missing an email address\n") {
		t.Errorf("text list:\n%s", text)
	}
	out, _, _ = authCLI(t, db, "authorities", "import", "--uk-councils")
	if !strings.Contains(out, "added 0, updated 0, unchanged 396\n") {
		t.Errorf("second import: %s", out)
	}
}

func TestAuthoritiesUsageAndHelp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	for _, args := range [][]string{
		{"authorities", "import"},
		{"authorities", "import", "--uk-councils", "x.csv"},
		{"authorities", "import", "a.csv", "b.csv"},
		{"authorities", "list", "--nation", "Mercia"},
		{"authorities", "list", "extra"},
	} {
		if _, errOut, code := authCLI(t, db, args...); code != exitUsage || !strings.HasPrefix(errOut, "foidesk: ") {
			t.Errorf("%v: exit %d, %q; want usage error", args, code, errOut)
		}
	}
	out, _, code := authCLI(t, db, "authorities", "import", "--help")
	for _, want := range []string{"mySociety", "CC BY 4.0", "--uk-councils", "-emails", "childrens-services", "NTCA"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("import --help lacks %q", want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("usage errors and --help created the database")
	}
}

// A code that could escape a directory, forge a line or overflow a column
// stops the whole import, with the file and line.
func TestAuthoritiesImportRefusesBadCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "foidesk.db")
	good := authFile(t, "good.csv", "name,email,code\nKent County Council,foi@kent.gov.uk,KEN\n")
	if _, errOut, code := authCLI(t, db, "authorities", "import", good); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	bad := authFile(t, "bad.csv", "name,email,code\nKent County Council,foi@kent-fixed.gov.uk,KEN\nEvil,foi@evil.gov.uk,../../x\n")
	_, errOut, code := authCLI(t, db, "authorities", "import", bad)
	if code != exitFailure || !strings.Contains(errOut, bad+`:3: code "../../x" starts with '.'`) {
		t.Fatalf("bad code: exit %d: %s", code, errOut)
	}
	list := authList(t, db)
	if len(list) != 1 || *list[0].Email != "foi@kent.gov.uk" {
		t.Errorf("a refused import changed the register: %+v", list)
	}
}
