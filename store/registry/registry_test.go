package registry

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"foidesk/authorities"
	"foidesk/store"
)

// registryOpen opens a new database in a temporary directory, and its
// register.
func registryOpen(t *testing.T) (*store.Store, *Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, New(st)
}

func authPtr[T any](v T) *T { return &v }

func authInput(origin, code, name, email, nation string, tags ...string) AuthorityInput {
	in := AuthorityInput{Origin: origin, Code: code, Name: name, Tags: &tags}
	if email != "" {
		in.Email = &email
	}
	if nation != "" {
		in.Nation = &nation
	}
	return in
}

func authCounts(t *testing.T, st *store.Store, s *Store) (int, int) {
	t.Helper()
	list, err := s.Authorities(context.Background(), AuthorityFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.Events(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list), len(ev)
}

func TestImportAuthoritiesCountsAndEvents(t *testing.T) {
	ctx := context.Background()
	st, s := registryOpen(t)
	first := []AuthorityInput{
		authInput("a.csv:2", "LDS", "Leeds City Council", "foi@leeds.gov.uk", "England", "type:metropolitan-district"),
		authInput("a.csv:3", "ABE", "Aberdeen City Council", "", "Scotland"),
		authInput("a.csv:4", "", "Harbour Board", "FOI@harbour.org.uk", ""),
	}
	res, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: first})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || res.Updated != 0 || res.Unchanged != 0 {
		t.Fatalf("first import %+v", res)
	}
	if len(res.MissingEmail) != 1 || res.MissingEmail[0].Code != "ABE" {
		t.Errorf("missing email %+v", res.MissingEmail)
	}
	list, _ := s.Authorities(ctx, AuthorityFilter{Limit: 1000})
	regimes := map[string]string{}
	for _, a := range list {
		regimes[a.Name] = a.Regime
	}
	if regimes["Aberdeen City Council"] != "foisa" || regimes["Leeds City Council"] != "foia" || regimes["Harbour Board"] != "foia" {
		t.Errorf("default regimes %v", regimes)
	}

	// The same file again changes nothing and records nothing.
	res, err = s.ImportAuthorities(ctx, AuthorityImport{Rows: first})
	if err != nil || res.Added != 0 || res.Updated != 0 || res.Unchanged != 3 {
		t.Fatalf("re-import %+v %v", res, err)
	}
	if n, ev := authCounts(t, st, s); n != 3 || ev != 3 {
		t.Fatalf("%d authorities, %d events after re-import; want 3 and 3", n, ev)
	}

	// A changed address, a nation that moves the default regime, a match by
	// email in another case, and one new authority.
	second := []AuthorityInput{
		authInput("b.csv:2", "lds", "Leeds City Council", "foi@leeds.gov.uk", "England", "type:metropolitan-district"),
		authInput("b.csv:3", "ABE", "Aberdeen City Council", "info@aberdeencity.gov.uk", "Scotland"),
		{Origin: "b.csv:4", Name: "Harbour Board", Email: authPtr("foi@HARBOUR.org.uk"), Nation: authPtr("Scotland")},
		authInput("b.csv:5", "CRF", "Cardiff Council", "foi@cardiff.gov.uk", "Wales"),
	}
	res, err = s.ImportAuthorities(ctx, AuthorityImport{Rows: second})
	if err != nil || res.Added != 1 || res.Updated != 2 || res.Unchanged != 1 || len(res.MissingEmail) != 0 {
		t.Fatalf("second import %+v %v", res, err)
	}
	ev, _ := st.Events(ctx, store.EventFilter{Kind: "authority.updated"})
	if len(ev) != 2 {
		t.Fatalf("%d authority.updated events, want 2", len(ev))
	}
	var d struct {
		Source  string
		Changes map[string]struct{ From, To any }
	}
	if err := json.Unmarshal(ev[0].Detail, &d); err != nil {
		t.Fatal(err)
	}
	if d.Source != "b.csv:3" || len(d.Changes) != 1 || d.Changes["email"].From != nil || d.Changes["email"].To != "info@aberdeencity.gov.uk" {
		t.Errorf("Aberdeen update detail %s", ev[0].Detail)
	}
	if err := json.Unmarshal(ev[1].Detail, &d); err != nil {
		t.Fatal(err)
	}
	// The address differs only in case: it is stored as the file now writes it.
	if d.Source != "b.csv:4" || len(d.Changes) != 3 || d.Changes["email"].To != "foi@HARBOUR.org.uk" ||
		d.Changes["nation"].From != nil || d.Changes["nation"].To != "Scotland" ||
		d.Changes["regime"].From != "foia" || d.Changes["regime"].To != "foisa" {
		t.Errorf("Harbour Board update detail %s", ev[1].Detail)
	}
	added, _ := st.Events(ctx, store.EventFilter{Kind: "authority.added"})
	if len(added) != 4 || !strings.Contains(string(added[3].Detail), `"code":"CRF"`) || !strings.Contains(string(added[3].Detail), `"source":"b.csv:5"`) {
		t.Errorf("added events %d, last %s", len(added), added[len(added)-1].Detail)
	}
}

func TestImportWithoutAFieldKeepsWhatIsStored(t *testing.T) {
	ctx := context.Background()
	_, s := registryOpen(t)
	in := authInput("a.csv:2", "ANG", "Angus Council", "foi@angus.gov.uk", "Scotland", "mine")
	in.Regime = authPtr("eisr")
	if _, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{in}}); err != nil {
		t.Fatal(err)
	}
	// A council list without addresses, regime or tags must not erase them.
	res, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{{Origin: "c.csv:9", Code: "ANG", Name: "Angus Council", Nation: authPtr("Scotland")}}})
	if err != nil || res.Unchanged != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	list, _ := s.Authorities(ctx, AuthorityFilter{Limit: 1000})
	a := list[0]
	if a.Email != "foi@angus.gov.uk" || a.Regime != "eisr" || !slices.Equal(a.Tags, []string{"mine"}) {
		t.Errorf("after import without those fields: %+v", a)
	}
	// An empty tag list given explicitly clears them.
	res, err = s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{{Origin: "d.csv:2", Code: "ANG", Name: "Angus Council", Tags: &[]string{}}}})
	if err != nil || res.Updated != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	list, _ = s.Authorities(ctx, AuthorityFilter{Limit: 1000})
	if len(list[0].Tags) != 0 {
		t.Errorf("tags %q, want none", list[0].Tags)
	}
}

func TestFailedImportWritesNothing(t *testing.T) {
	ctx := context.Background()
	st, s := registryOpen(t)
	base := []AuthorityInput{
		authInput("a.csv:2", "ONE", "One", "shared@example.gov.uk", ""),
		authInput("a.csv:3", "TWO", "Two", "shared@example.gov.uk", ""),
	}
	if _, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: base}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		rows     []AuthorityInput
		progress func(int) error
		want     string
	}{
		"ambiguous email": {
			rows: []AuthorityInput{authInput("b.csv:2", "NEW", "New", "new@example.gov.uk", ""), authInput("b.csv:3", "", "Shared", "SHARED@example.gov.uk", "")},
			want: "b.csv:3: email SHARED@example.gov.uk belongs to 2 authorities",
		},
		"same authority twice": {
			rows: []AuthorityInput{authInput("b.csv:2", "NEW", "New", "new@example.gov.uk", ""), authInput("b.csv:3", "ONE", "One", "one@example.gov.uk", ""), authInput("b.csv:4", "", "One again", "one@example.gov.uk", "")},
			want: "b.csv:4: matches the same authority (One) as b.csv:3",
		},
		"no code or email": {
			rows: []AuthorityInput{authInput("b.csv:2", "NEW", "New", "new@example.gov.uk", ""), {Origin: "b.csv:3", Name: "Nobody"}},
			want: "b.csv:3: an authority needs a code or an email",
		},
		"stopped part way": {
			rows:     []AuthorityInput{authInput("b.csv:2", "NEW", "New", "new@example.gov.uk", ""), authInput("b.csv:3", "ONE", "One renamed", "", "")},
			progress: func(done int) error { return errors.New("stopped") },
			want:     "stopped",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: tc.rows, Progress: tc.progress})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if n, ev := authCounts(t, st, s); n != 2 || ev != 2 {
				t.Errorf("%d authorities, %d events after a failed import; want 2 and 2", n, ev)
			}
		})
	}
}

func TestImportRefusesRegimeThatContradictsNation(t *testing.T) {
	ctx := context.Background()
	st, s := registryOpen(t)
	if _, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{authInput("a.csv:2", "FIF", "Fife Council", "foi@fife.gov.uk", "Scotland")}}); err != nil {
		t.Fatal(err)
	}
	// The file names no nation, but Fife is stored as Scottish.
	_, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{{Origin: "b.csv:7", Code: "FIF", Name: "Fife Council", Regime: authPtr("eir")}}})
	if err == nil || !strings.Contains(err.Error(), "b.csv:7: regime eir does not apply to Fife Council, which is in Scotland") {
		t.Errorf("err %v", err)
	}
	_, err = s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{{Origin: "c.csv:2", Code: "NEW", Name: "New", Email: authPtr("a@new.gov.uk"), Nation: authPtr("Wales"), Regime: authPtr("foisa")}}})
	if err == nil || !strings.Contains(err.Error(), "c.csv:2: regime foisa does not apply to New, which is in Wales") {
		t.Errorf("err %v", err)
	}
	if n, ev := authCounts(t, st, s); n != 1 || ev != 1 {
		t.Errorf("%d authorities, %d events; want 1 and 1", n, ev)
	}
}

func TestListAuthoritiesFilters(t *testing.T) {
	ctx := context.Background()
	_, s := registryOpen(t)
	_, err := s.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{
		authInput("a:2", "BEL", "Belfast City Council", "", "Northern Ireland", "type:ni-district"),
		authInput("a:3", "DRS", "Derry City and Strabane District Council", "foi@derrystrabane.com", "Northern Ireland"),
		authInput("a:4", "kent", "Kent County Council", "", "England", "childrens-services", "type:county"),
		authInput("a:5", "", "aardvark trust", "foi@aardvark.org.uk", ""),
	}})
	if err != nil {
		t.Fatal(err)
	}
	names := func(f AuthorityFilter) []string {
		out := []string{}
		if _, err := s.EachAuthority(ctx, f, func(a Authority) error {
			out = append(out, a.Code)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		f    AuthorityFilter
		want []string
	}{
		{AuthorityFilter{}, []string{"BEL", "DRS", "kent", ""}}, // in the order they were added
		{AuthorityFilter{Limit: 2}, []string{"BEL", "DRS"}},
		{AuthorityFilter{AfterID: 2, Limit: 1}, []string{"kent"}},
		{AuthorityFilter{AfterID: 1, MissingEmail: true}, []string{"kent"}},
		{AuthorityFilter{Nation: "Northern Ireland"}, []string{"BEL", "DRS"}},
		{AuthorityFilter{MissingEmail: true}, []string{"BEL", "kent"}},
		{AuthorityFilter{Nation: "Northern Ireland", MissingEmail: true}, []string{"BEL"}},
		{AuthorityFilter{Tag: "childrens-services"}, []string{"kent"}},
		{AuthorityFilter{Tag: "type:"}, []string{}},
		{AuthorityFilter{Nation: "Wales"}, []string{}},
	} {
		if got := names(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.f, got, tc.want)
		}
	}
	if _, err := s.Authorities(ctx, AuthorityFilter{}); err == nil {
		t.Error("Authorities without a limit returned the whole register")
	}
}

// TestAuthorityPagesQueryPlan: a page of the register, whatever the
// filters, walks the primary key from the id it starts after: no sort of
// every matching row, no scan of the table per page.
func TestAuthorityPagesQueryPlan(t *testing.T) {
	core, _ := registryOpen(t)
	for _, f := range []AuthorityFilter{{}, {Nation: "Wales"}, {MissingEmail: true}, {Tag: "childrens-services", Nation: "England"}} {
		q, args := authoritiesQuery(f, 4711, 100)
		plan, err := core.QueryPlan(context.Background(), q, args...)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN authorities") {
			t.Errorf("%+v planned as: %s", f, text)
		}
	}
}

// The store and the input parser state the same default-regime rule.
func TestDefaultRegimeAgreesWithAuthorities(t *testing.T) {
	for _, n := range append([]string{""}, authorities.Nations...) {
		if a, b := authorityDefaultRegime(n), authorities.DefaultRegime(n); a != b {
			t.Errorf("%q: store says %s, authorities says %s", n, a, b)
		}
	}
}

func TestSharedEmailIsStoredAndItsChangeRecorded(t *testing.T) {
	ctx := context.Background()
	st, reg := registryOpen(t)
	adur, worthing := authInput("a.csv:2", "ADU", "Adur", "foi@aw.gov.uk", "England"), authInput("a.csv:3", "WOT", "Worthing", "foi@aw.gov.uk", "England")
	adur.SharedEmail, worthing.SharedEmail = authPtr(true), authPtr(true)
	if _, err := reg.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{adur, worthing}}); err != nil {
		t.Fatal(err)
	}
	// A re-import that says nothing about sharing keeps it.
	if res, err := reg.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{authInput("b.csv:2", "ADU", "Adur", "foi@aw.gov.uk", "England")}}); err != nil || res.Unchanged != 1 {
		t.Fatal(res, err)
	}
	worthing.SharedEmail = authPtr(false)
	if res, err := reg.ImportAuthorities(ctx, AuthorityImport{Rows: []AuthorityInput{worthing}}); err != nil || res.Updated != 1 {
		t.Fatal(res, err)
	}
	as, err := reg.Authorities(ctx, AuthorityFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	shared := map[string]bool{}
	for _, a := range as {
		shared[a.Code] = a.SharedEmail
	}
	if !shared["ADU"] || shared["WOT"] {
		t.Errorf("shared %v, want ADU only", shared)
	}
	evs, err := st.Events(ctx, store.EventFilter{Kind: "authority.updated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"email_shared":{"from":true,"to":false}`) {
		t.Errorf("events %v", evs)
	}
}
