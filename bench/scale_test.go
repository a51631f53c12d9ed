//go:build linux

package bench

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"foidesk/internal/demo"
)

var (
	scaleMax = flag.Int("scale.max", 10000, "largest scale to build and time: 1000, 10000 or 100000")
	scaleDir = flag.String("scale.dir", "", "build the stores in `DIR` and keep them for the next run (default: a temporary directory, removed)")
	// scaleProfile writes each sub-benchmark's last run's CPU profile
	// (FOIDESK_CPUPROFILE) to DIR/<scale>-<command>.pprof.
	scaleProfile = flag.String("scale.profile", "", "write a CPU profile of each command's last run into `DIR`")
)

// scales are the numbers of requests the benchmark builds stores of.
var scales = []int{1000, 10000, 100000}

// timed is one command timed at one scale: every iteration of the last
// call of its sub-benchmark.
type timed struct {
	command string
	n       int // the scale
	items   int // what the per-item cost divides by
	runs    []ran
	load    string // the 1-minute load average after the runs: other work on the machine shows here
}

func (t timed) median() time.Duration { return t.walls()[len(t.runs)/2] }

// fastest is the least disturbed run on a shared machine.
func (t timed) fastest() time.Duration { return t.walls()[0] }

// walls are the runs' wall times, shortest first.
func (t timed) walls() []time.Duration {
	ws := make([]time.Duration, len(t.runs))
	for i, r := range t.runs {
		ws[i] = r.wall
	}
	slices.Sort(ws)
	return ws
}

// peakKB is the largest of the runs' peaks: the process tree's (wait4),
// foidesk's own and its PDF workers' (sampled).
func (t timed) peakKB() (tree, self, worker int64) {
	for _, r := range t.runs {
		tree, self, worker = max(tree, r.peakKB), max(self, r.selfKB), max(worker, r.workerKB)
	}
	return tree, self, worker
}

// BenchmarkScale builds, at 1,000, 10,000 and (with -scale.max 100000)
// 100,000 requests, a store through the store's own write paths (see
// world), then times the built foidesk binary run against it as a
// process, each sub-benchmark one command:
//
//   - recompute-unchanged: 'requests recompute' when nothing changed;
//   - recompute-all-changed: the same with a holidays file that moves
//     every clock, on a fresh copy of the store each run;
//   - campaign-status: 'campaign status --json' of one 400-request campaign;
//   - authorities-list: 'authorities list', the whole register;
//   - messages-list: 'messages list --limit 100', and messages-list-all
//     without the limit, every message;
//   - search: 'search recording', a word in thousands of documents;
//   - extract-none-stored and extract-stored: 'documents extract' of
//     1,000 new replies, each with one text or PDF attachment, on a store
//     without mail and on the scale's full store.
//
// It reports each run's peak resident memory and prints a Markdown table
// of every command at every scale with the growth per item.
func BenchmarkScale(b *testing.B) {
	dir := *scaleDir
	if dir == "" {
		dir = b.TempDir()
	}
	bin := buildBinary(b)
	warmPDFEngine(b, bin)
	var all []*timed
	for _, n := range scales {
		if n > *scaleMax {
			continue
		}
		w := openWorld(b, bin, filepath.Join(dir, fmt.Sprint(n)), n)
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			all = append(all, benchWorld(b, w)...)
		})
	}
	printTable(os.Stdout, all)
}

// buildBinary builds cmd/foidesk into a temporary directory.
func buildBinary(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "foidesk")
	out, err := exec.Command("go", "build", "-o", bin, "foidesk/cmd/foidesk").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// warmPDFEngine extracts one PDF, so that PDFium's one-time compilation
// (seconds, cached in the user's cache directory) is not in any timing.
func warmPDFEngine(b *testing.B, bin string) {
	dir := b.TempDir()
	pdf := filepath.Join(dir, "warm.pdf")
	if err := os.WriteFile(pdf, demo.PolicyPDF("Warming the PDF engine."), 0o600); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if out, err := exec.Command(bin, "extract", pdf).CombinedOutput(); err != nil {
		b.Fatalf("foidesk extract: %v\n%s", err, out)
	}
	b.Logf("first PDF extraction: %s", time.Since(start).Round(time.Millisecond))
}

// benchWorld runs every command's sub-benchmark on one world.
func benchWorld(b *testing.B, w *world) []*timed {
	ctx := b.TempDir()
	out := filepath.Join(ctx, "stdout")
	var all []*timed
	// cmd times args on the full store: each iteration one run whose last
	// line check accepts.
	cmd := func(name string, items int, check func(string) error, args ...string) {
		t := &timed{command: name, n: w.n, items: items}
		all = append(all, t)
		b.Run(name, func(b *testing.B) {
			t.runs = t.runs[:0]
			for i := range b.N {
				r, err := runProfiled(profilePath(t, i == b.N-1), w.bin, w.cfg, w.full, out, args...)
				if err == nil && check != nil {
					err = check(r.tail)
				}
				if err != nil {
					b.Fatal(err)
				}
				t.runs = append(t.runs, r)
			}
			report(b, t)
		})
	}
	expect := func(want string) func(string) error {
		return func(tail string) error {
			if !strings.Contains(tail, want) {
				return fmt.Errorf("printed %q, want %q", tail, want)
			}
			return nil
		}
	}
	cmd("recompute-unchanged", w.n, expect(fmt.Sprintf("%d request clock(s) derived, 0 changed", w.n)), "requests", "recompute")
	recomputeAllChanged(b, w, out, &all)
	cmd("campaign-status", campaignSize, expect("}"), "campaign", "status", campaignName(0), "--json", "--as-of", "2027-01-15")
	cmd("authorities-list", w.n, expect(fmt.Sprintf("%d authorities, 0 missing an email address", w.n)), "authorities", "list")
	cmd("messages-list", 100, nil, "messages", "list", "--limit", "100")
	cmd("messages-list-all", w.messages(), nil, "messages", "list")
	cmd("search", 50, nil, "search", "recording")
	extract(b, w, "extract-none-stored", w.noneNew, out, &all)
	extract(b, w, "extract-stored", w.fullNew, out, &all)
	return all
}

// recomputeAllChanged times 'requests recompute' with a holidays file
// that moves every request's due date, each run on a fresh copy of the
// full store (the copy not timed): every run writes a request.clock_changed
// event for each request, and a history that grew run after run would
// slow the runs after it (see docs/BENCHMARKS.md).
func recomputeAllChanged(b *testing.B, w *world, out string, all *[]*timed) {
	t := &timed{command: "recompute-all-changed", n: w.n, items: w.n}
	*all = append(*all, t)
	work := filepath.Join(b.TempDir(), "work.db")
	b.Run(t.command, func(b *testing.B) {
		t.runs = t.runs[:0]
		for i := range b.N {
			b.StopTimer()
			if err := copyDB(w.full, work); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			r, err := runProfiled(profilePath(t, i == b.N-1), w.bin, w.cfgHolidays, work, out, "requests", "recompute")
			if err == nil && !strings.HasSuffix(r.tail, fmt.Sprintf("derived, %d changed", w.n)) {
				err = fmt.Errorf("printed %q, want every one of %d changed", r.tail, w.n)
			}
			if err != nil {
				b.Fatal(err)
			}
			t.runs = append(t.runs, r)
		}
		report(b, t)
	})
}

// extract times 'documents extract' of the new replies on a fresh copy of
// db for each iteration (the copy not timed).
func extract(b *testing.B, w *world, name, db, out string, all *[]*timed) {
	t := &timed{command: name, n: w.n, items: newReplies}
	*all = append(*all, t)
	work := filepath.Join(b.TempDir(), "work.db")
	b.Run(name, func(b *testing.B) {
		t.runs = t.runs[:0]
		for i := range b.N {
			b.StopTimer()
			if err := copyDB(db, work); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			r, err := runProfiled(profilePath(t, i == b.N-1), w.bin, w.cfg, work, out, "documents", "extract")
			// Each reply is its attachment and its body.
			if want := fmt.Sprintf("%d item(s) processed", 2*newReplies); err == nil && r.tail != want {
				err = fmt.Errorf("printed %q, want %q", r.tail, want)
			}
			if err != nil {
				b.Fatal(err)
			}
			t.runs = append(t.runs, r)
		}
		report(b, t)
	})
}

// profilePath is where a run of t writes its CPU profile: the last run
// of each sub-benchmark, with -scale.profile.
func profilePath(t *timed, last bool) string {
	if *scaleProfile == "" || !last {
		return ""
	}
	return filepath.Join(*scaleProfile, fmt.Sprintf("%d-%s.pprof", t.n, t.command))
}

// report adds the per-item cost and the peaks to the benchmark's line,
// and notes how loaded the machine was.
func report(b *testing.B, t *timed) {
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.load = strings.Fields(string(l))[0]
	}
	tree, self, worker := t.peakKB()
	b.ReportMetric(float64(t.median().Nanoseconds())/1e3/float64(t.items), "µs/item")
	b.ReportMetric(float64(tree)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(self)/1024, "foidesk-RSS-MB")
	if worker > 0 {
		b.ReportMetric(float64(worker)/1024, "worker-RSS-MB")
	}
}
