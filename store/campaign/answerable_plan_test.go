package campaign

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
)

// The assign forms' list walks authorities by name and stops at its
// limit: no scan of requests, no sort of all of them; the suggestions
// are looked up by reference.
func TestAnswerableQueryPlan(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	plan, err := st.QueryPlan(ctx, answerableQuery, 300)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "; ")
	if !strings.Contains(text, "authorities_name") || !strings.Contains(text, "requests_authority") ||
		strings.Contains(text, "SCAN r") || strings.Contains(text, "TEMP B-TREE FOR ORDER BY") {
		t.Errorf("planned as: %s", text)
	}
	plan, err = st.QueryPlan(ctx, answerableByRefsQuery, `["ABCDEFGH"]`)
	if err != nil {
		t.Fatal(err)
	}
	text = strings.Join(plan, "; ")
	if !strings.Contains(text, "SEARCH r USING INDEX") || strings.Contains(text, "SCAN r") {
		t.Errorf("by reference planned as: %s", text)
	}
}
