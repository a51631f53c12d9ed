package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/registry"
)

// interruptRows is the size of the import that gets killed: large enough
// that its transaction spills uncommitted pages into the WAL file before
// commit, which is the state a kill must not let through.
const interruptRows = 20000

// registerState is what an import may change, without timestamps: every
// authority and every event in order.
func registerState(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatalf("database does not open after the kill: %v", err)
	}
	defer st.Close()
	var list []registry.Authority
	if _, err := registry.New(st).EachAuthority(ctx, registry.AuthorityFilter{}, func(a registry.Authority) error {
		list = append(list, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ev, err := st.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d authorities, %d events\n", len(list), len(ev))
	for _, a := range list {
		tags, _ := json.Marshal(a.Tags)
		fmt.Fprintf(&b, "%d|%s|%s|%s|%s|%s|%s\n", a.ID, a.Code, a.Name, a.Email, a.Nation, a.Regime, tags)
	}
	for _, e := range ev {
		fmt.Fprintf(&b, "%d|%s|%d|%s\n", e.ID, e.Kind, e.Subject.Authority, e.Detail)
	}
	return b.String()
}

func integrityCheck(t *testing.T, db string) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var res string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q %v", res, err)
	}
}

func writeAuthorityCSV(t *testing.T, path string, n int, email string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("code,name,email,nation,tags\n")
	nations := []string{"England", "Wales", "Scotland", "Northern Ireland"}
	for i := range n {
		fmt.Fprintf(&b, "C%06d,Council number %d,%s%d@council%d.gov.uk,%s,generated;batch-%d\n", i, i, email, i, i, nations[i%4], i%7)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(to + suffix)
		data, err := os.ReadFile(from + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startImport runs the real binary's import of file, with the pause hook
// set when pauseAfter > 0, and returns its stderr lines as they come.
func startImport(t *testing.T, bin, db, file string, pauseAfter int) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(bin, "--db", db, "authorities", "import", file)
	cmd.Env = append(os.Environ(), "FOIDESK_CONFIG=", fmt.Sprintf("FOIDESK_TEST_IMPORT_PAUSE_AFTER=%d", pauseAfter))
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// Killing an import with SIGKILL at any moment leaves the database exactly
// as it was: the import is one transaction, and SQLite's WAL discards frames
// no commit record covers.
func TestInterruptedImportLeavesDatabaseAsBefore(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "foidesk")
	build := exec.Command("go", "build", "-tags", "importhook", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "foidesk.db")
	seed := filepath.Join(dir, "seed.csv")
	big := filepath.Join(dir, "big.csv")
	writeAuthorityCSV(t, seed, 1000, "old")
	// The big import updates every seeded authority's address and adds the rest.
	writeAuthorityCSV(t, big, interruptRows, "new")
	if out, err := exec.Command(bin, "--db", db, "authorities", "import", seed).CombinedOutput(); err != nil {
		t.Fatalf("seed import: %v\n%s", err, out)
	}
	before := registerState(t, db)
	pristine := filepath.Join(dir, "pristine.db")
	copyDB(t, db, pristine)

	// What a completed import leaves, and how long it takes.
	done := filepath.Join(dir, "done.db")
	copyDB(t, pristine, done)
	start := time.Now()
	if out, err := exec.Command(bin, "--db", done, "authorities", "import", big).CombinedOutput(); err != nil {
		t.Fatalf("full import: %v\n%s", err, out)
	}
	full := time.Since(start)
	after := registerState(t, done)
	if !strings.HasPrefix(after, fmt.Sprintf("%d authorities, %d events\n", interruptRows, 1000+interruptRows)) {
		t.Fatalf("completed import: %s", after[:strings.Index(after, "\n")])
	}

	// Killed at known points inside the transaction: after the first row,
	// among the updates, among the additions, and after the last row just
	// before commit. The database is killed again and again without repair.
	for _, n := range []int{1, 999, 1001, interruptRows / 2, interruptRows} {
		cmd, lines := startImport(t, bin, db, big, n)
		want := fmt.Sprintf("paused after %d rows", n)
		timeout := time.After(2 * time.Minute)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					cmd.Wait()
					t.Fatalf("pause at %d: import ended without pausing", n)
				}
				if l == want {
					break wait
				}
			case <-timeout:
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("pause at %d: timed out", n)
			}
		}
		if n == interruptRows {
			// The uncommitted import has spilled into the WAL: the kill
			// must make SQLite discard what is already on disk.
			if fi, err := os.Stat(db + "-wal"); err != nil || fi.Size() < 1<<20 {
				t.Errorf("WAL before commit: %v, %v; want uncommitted frames on disk", fi, err)
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		integrityCheck(t, db)
		if got := registerState(t, db); got != before {
			t.Fatalf("killed after %d rows: database changed\nbefore: %s\nafter:  %s", n, before[:strings.Index(before, "\n")], got[:strings.Index(got, "\n")])
		}
	}

	// Killed by the clock, without the hook, at moments spread over the
	// import's run: whatever the moment, the database holds either none of
	// the import or all of it.
	for _, frac := range []float64{0.05, 0.25, 0.5, 0.75, 0.9, 0.98} {
		copyDB(t, pristine, db)
		cmd, lines := startImport(t, bin, db, big, 0)
		go func() {
			for range lines {
			}
		}()
		time.Sleep(time.Duration(frac * float64(full)))
		cmd.Process.Kill()
		cmd.Wait()
		integrityCheck(t, db)
		switch got := registerState(t, db); got {
		case before:
		case after:
			t.Logf("killed at %.0f%% of %v: the import had already committed", frac*100, full)
		default:
			t.Fatalf("killed at %.0f%% of %v: database is neither as before nor as after the import: %s", frac*100, full, got[:strings.Index(got, "\n")])
		}
	}
}
