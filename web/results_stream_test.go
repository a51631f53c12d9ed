package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"foidesk/store/storetest"
)

// TestGridOrderAmongOneName: rows are read by name with requests before
// authorities that have none, but the grid orders one name's rows by
// authority; each way of finding a page (reading and skipping, or
// sorting keys and fetching again) and the CSV give that order.
func TestGridOrderAmongOneName(t *testing.T) {
	f := newFixture(t, Options{})
	// X1 has no address: it is the first authority of its name but has no
	// request, so it is read after X2 and X3.
	bodies := []storetest.Body{
		{Code: "X1", Name: "Same Council", Nation: "England"},
		{Code: "X2", Name: "Same Council", Nation: "England", Email: "x2@same.test"},
		{Code: "Z9", Name: "Zed Council", Nation: "Wales", Email: "z9@zed.test"},
		{Code: "X3", Name: "Same Council", Nation: "England", Email: "x3@same.test"},
		{Code: "A1", Name: "Alpha Council", Nation: "Scotland", Email: "a1@alpha.test"},
	}
	if _, _, err := storetest.SurveyBodies(context.Background(), f.st, "same", bodies); err != nil {
		t.Fatal(err)
	}
	c, _ := f.signIn("bob")
	codes := func(query string) []string {
		w := f.do(req{target: "/campaigns/same/authorities?format=csv&" + query, cookies: []*http.Cookie{c}})
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
		if w.Code != 200 || err != nil {
			t.Fatalf("%s: %d %v", query, w.Code, err)
		}
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[0])
		}
		return out
	}
	for q, want := range map[string][]string{
		"":                         {"A1", "X1", "X2", "X3", "Z9"},
		"sort=name&dir=desc":       {"Z9", "X1", "X2", "X3", "A1"},
		"sort=nation":              {"X1", "X2", "X3", "A1", "Z9"},
		"sort=nation&dir=desc":     {"Z9", "A1", "X1", "X2", "X3"},
		"nation=England&sort=code": {"X1", "X2", "X3"},
	} {
		if got := codes(q); !slices.Equal(got, want) {
			t.Errorf("csv %q: %v, want %v", q, got, want)
		}
	}
	// Pages of two, read and skipped, and sorted by name descending.
	pages := func(query string) []string {
		var out []string
		for _, p := range []string{"1", "2", "3", "4"} { // 4: past the end, the last page again
			_, body := f.get(c, "/campaigns/same/authorities?per=2&page="+p+query)
			for _, code := range []string{"A1", "X1", "X2", "X3", "Z9"} {
				if i := strings.Index(body, "<td>"+code+"</td>"); i >= 0 {
					out = append(out, p+":"+code)
				}
			}
		}
		return out
	}
	if got, want := pages(""), []string{"1:A1", "1:X1", "2:X2", "2:X3", "3:Z9", "4:Z9"}; !slices.Equal(got, want) {
		t.Errorf("pages by name: %v, want %v", got, want)
	}
	if got, want := pages("&sort=name&dir=desc"), []string{"1:X1", "1:Z9", "2:X2", "2:X3", "3:A1", "4:A1"}; !slices.Equal(got, want) {
		t.Errorf("pages by name descending: %v, want %v", got, want)
	}
}
