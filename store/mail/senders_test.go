package mail_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// A sender belongs to the authorities it is known for by its exact
// address, else to every authority of its domain; OpenRequestsForSenders
// answers that for many addresses at once, and OpenRequestsForSender (which
// ingest's sender rule calls) the same for one.
func TestOpenRequestsForSenders(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refs := map[string]string{} // authority name → request reference
	for _, f := range []storetest.SentRequest{
		{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk"},
		{AuthorityName: "Ashdown Housing Trust", AuthorityEmail: "housing@ashdown.gov.uk"}, // the same domain
		{AuthorityName: "Kingsford Council", AuthorityEmail: "FOI@Kingsford.gov.uk"},
		{AuthorityName: "Sub Ashdown Parish", AuthorityEmail: "clerk@parish.ashdown.gov.uk"},
	} {
		q, err := storetest.Send(ctx, st, f)
		if err != nil {
			t.Fatal(err)
		}
		refs[f.AuthorityName] = q.Ref
	}
	want := map[string][]string{
		"foi@ashdown.gov.uk":          {"Ashdown Council"},                          // exact beats the domain
		"someone@ashdown.gov.uk":      {"Ashdown Council", "Ashdown Housing Trust"}, // by domain, not the subdomain
		"Officer@KINGSFORD.gov.uk":    {"Kingsford Council"},                        // case does not matter
		"clerk@parish.ashdown.gov.uk": {"Sub Ashdown Parish"},
		"x@nowhere.example":           nil,
		"not an address":              nil,
		"@":                           nil,
		"a@":                          nil,
	}
	ms := mail.New(st)
	var addrs []string
	for a := range want {
		addrs = append(addrs, a)
	}
	batch, err := ms.OpenRequestsForSenders(ctx, addrs)
	if err != nil {
		t.Fatal(err)
	}
	refsOf := func(list []mail.RequestRef) []string {
		var out []string
		for _, r := range list {
			out = append(out, r.Ref)
		}
		return out
	}
	for a, names := range want {
		var wantRefs []string
		for _, n := range names {
			wantRefs = append(wantRefs, refs[n])
		}
		if got := refsOf(batch[strings.ToLower(a)]); !reflect.DeepEqual(got, wantRefs) {
			t.Errorf("OpenRequestsForSenders, %s: %v, want %v (%v)", a, got, wantRefs, names)
		}
		one, err := ms.OpenRequestsForSender(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if got := refsOf(one); !reflect.DeepEqual(got, wantRefs) {
			t.Errorf("OpenRequestsForSender, %s: %v, want %v (%v)", a, got, wantRefs, names)
		}
	}
}
