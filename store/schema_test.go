package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateSchema = flag.Bool("update", false, "add new migrations to migrations/SHA256SUMS and rewrite testdata/schema.sql (go test ./store -run Schema -update)")

const (
	migrationSums  = "migrations/SHA256SUMS"
	schemaSnapshot = "testdata/schema.sql"
)

// TestSchemaMigrationsUnchanged holds every migration listed in
// migrations/SHA256SUMS to the bytes it landed with: a database that has
// applied a migration never applies it again, so an edit would reach new
// databases only and the two would silently differ. -update adds lines for
// migrations not yet listed; it never rewrites or drops a listed one.
func TestSchemaMigrationsUnchanged(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(migrationSums)
	if errors.Is(err, fs.ErrNotExist) && *updateSchema {
		raw, err = nil, nil
	}
	if err != nil {
		t.Fatalf("%v: every migration must be listed there with its sha256 (run go test ./store -run Schema -update to start it)", err)
	}
	listed, order, problems := parseSums(raw)
	for _, p := range problems {
		t.Error(p)
	}
	current := map[string]string{}
	for _, m := range ms {
		current[m.name] = sha256Hex(m.sql)
	}
	for _, name := range order {
		got, ok := current[name]
		switch {
		case !ok:
			t.Errorf("%s: migration %s is listed but no longer exists. A migration that has landed on main is never removed or renamed: restore it.", migrationSums, name)
		case got != listed[name]:
			t.Errorf("%s: migration %s has changed since it was listed (sha256 %s, listed %s). A migration that has landed on main is never edited: restore it and put the change in a new migration. Only if it has not landed on main yet, delete its line from %s and run go test ./store -run Schema -update.", migrationSums, name, got, listed[name], migrationSums)
		}
	}
	var missing []string
	for _, m := range ms {
		if _, ok := listed[m.name]; !ok {
			missing = append(missing, fmt.Sprintf("%s  %s\n", current[m.name], m.name))
		}
	}
	if len(missing) == 0 {
		return
	}
	if !*updateSchema {
		t.Errorf("%s does not list every migration. Run go test ./store -run Schema -update, or add these lines to it:\n%s", migrationSums, strings.Join(missing, ""))
		return
	}
	if t.Failed() {
		t.Fatalf("%s not updated: fix the problems above first", migrationSums)
	}
	out := append(bytes.Clone(raw), []byte(strings.Join(missing, ""))...)
	if err := os.WriteFile(migrationSums, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("added to %s:\n%s", migrationSums, strings.Join(missing, ""))
}

var sumLine = regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)

// parseSums reads sha256sum's output format: "<hex>  <file name>" a line,
// so "cd store/migrations && sha256sum -c SHA256SUMS" checks it too.
func parseSums(raw []byte) (sums map[string]string, order []string, problems []string) {
	sums = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		m := sumLine.FindStringSubmatch(line)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: want \"<sha256 in hex>  <file name>\", got %q", migrationSums, n, line))
			continue
		}
		if _, dup := sums[m[2]]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is listed twice", migrationSums, n, m[2]))
			continue
		}
		sums[m[2]] = m[1]
		order = append(order, m[2])
	}
	return sums, order, problems
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestSchemaSnapshot compares the schema a new database gets with
// testdata/schema.sql, so that every change to it, intended or not, shows
// in review as a diff of that file. -update rewrites it.
func TestSchemaSnapshot(t *testing.T) {
	got := schemaDump(t, foundationOpen(t))
	if *updateSchema {
		if err := os.MkdirAll(filepath.Dir(schemaSnapshot), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaSnapshot, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaSnapshot)
	if err != nil {
		t.Fatalf("%v (run go test ./store -run Schema -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the schema a new database gets differs from %s. If the change is intended (a new migration), run go test ./store -run Schema -update and commit the file with it.\n%s", schemaSnapshot, lineDiff(string(want), got))
	}
}

// schemaDump is the migrated database's schema as SQL: its version, then
// every table, index, view and trigger in name order.
func schemaDump(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	v, err := s.UserVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "-- The schema of a new database, from store/migrations. Do not edit:\n-- go test ./store -run Schema -update rewrites it.\nPRAGMA user_version = %d;\n", v)
	for rows.Next() {
		var q sql.NullString
		if err := rows.Scan(&q); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n%s;\n", q.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lineDiff lists the lines only in want (-) and only in got (+), in order:
// enough to see what changed without a diff library.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	// Longest common subsequence, then walk it.
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case i < len(w) && (j == len(g) || lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&b, "- %s\n", w[i])
			i++
		default:
			fmt.Fprintf(&b, "+ %s\n", g[j])
			j++
		}
	}
	return b.String()
}
