package mail

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
)

// The senders' lookup reads each part by its domain index and the
// requests by authority: it scans no table, so a page's suggestions cost
// the same at 100,000 requests as at 400.
func TestOpenForDomainsQueryPlan(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	plan, err := st.QueryPlan(ctx, openForDomains, jsonList([]string{"@ashdown.gov.uk"}))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "; ")
	for _, want := range []string{"authorities_email_domain", "requests_to_domain", "authority_senders_domain", "requests_authority"} {
		if !strings.Contains(text, want) {
			t.Errorf("the plan does not use %s: %s", want, text)
		}
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "json_each") && !strings.HasPrefix(step, "SCAN wanted") && !strings.HasPrefix(step, "SCAN k") {
			t.Errorf("the plan scans a table: %s", text)
		}
	}
}
