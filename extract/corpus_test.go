package extract

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The corpus benchmark is a benchmark so that it runs only when asked:
//
//	go test ./extract -run '^$' -bench Corpus -benchtime 1x
//
// It reads ../shared/corpus/pdf (relative to the repository root; -corpus
// names another) and prints, per PDF, the status, engine, time and
// word-set Jaccard against pdftotext's text in reference/, then a summary,
// and times pdftotext over the same files in the same run. It fails when a
// goal is missed, and says so plainly when the corpus is absent.
var corpusDir = flag.String("corpus", "../shared/corpus/pdf", "PDF corpus for BenchmarkCorpus (MANIFEST.tsv + reference/); relative paths are from the repository root")

var corpusEngine = flag.String("corpus-engine", "auto", "engine chain for BenchmarkCorpus: auto, pdfium, ledongthuc or ledongthuc-first")

func BenchmarkCorpus(b *testing.B) {
	for i := 0; i < b.N; i++ {
		corpusRun(b)
	}
}

func corpusRun(t testing.TB) {
	dir := *corpusDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // tests run in extract/
	}
	manifest := filepath.Join(dir, "MANIFEST.tsv")
	if _, err := os.Stat(manifest); err != nil {
		t.Fatalf("CORPUS ABSENT: %s not found (%v); the benchmark needs ../shared/corpus/pdf next to the repository, or -corpus DIR", manifest, err)
	}
	files := readManifest(t, manifest)
	engine := *corpusEngine
	x := newTestExtractor(t, Options{Tesseract: "-", Engine: engine})
	t.Logf("engine chain: %s", engine)
	ctx := context.Background()
	// Warm the worker so the one-off PDFium start is not charged to a file.
	warm := time.Now()
	if _, err := x.do(ctx, workerRequest{Op: "ping"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("worker start: %v", time.Since(warm).Round(time.Millisecond))

	type row struct {
		file      string
		status    Status
		engine    string
		took      time.Duration
		refWords  int
		jaccard   float64
		popplerOK bool
		reason    string
		contained bool // a worker died on it (crash, memory, time) and was replaced
	}
	var rows []row
	var ours time.Duration
	for _, f := range files {
		path := filepath.Join(dir, f)
		start := time.Now()
		res, err := x.Extract(ctx, path)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ours += took
		ref, _ := os.ReadFile(filepath.Join(dir, "reference", f+".txt"))
		rw := wordSet(string(ref))
		r := row{file: f, status: res.Status, engine: res.Engine, took: took, refWords: len(rw), reason: res.Reason}
		r.contained = strings.Contains(strings.Join(res.Notes, " "), "retried with PDFium alone") || strings.Contains(res.Reason, "PDF parser")
		r.jaccard = jaccard(rw, wordSet(res.Text()))
		rows = append(rows, r)
	}
	peak := workerPeak(x)
	// pdftotext over the same files, same run.
	var poppler time.Duration
	havePoppler := true
	if _, err := exec.LookPath("pdftotext"); err != nil {
		havePoppler = false
		t.Logf("pdftotext not on PATH (apt-get install poppler-utils): no timing comparison")
	}
	for i := range rows {
		if !havePoppler {
			break
		}
		start := time.Now()
		cmd := exec.Command("pdftotext", "-q", filepath.Join(dir, rows[i].file), "-")
		cmd.Stdout = nil
		err := cmd.Run()
		poppler += time.Since(start)
		rows[i].popplerOK = err == nil
	}

	var textRows []row
	for _, r := range rows {
		fmt.Printf("%-10s %-10s %7.1fms J=%.3f ref=%5d  %s  %s\n", r.status, r.engine, float64(r.took.Microseconds())/1000, r.jaccard, r.refWords, r.file, r.reason)
		if r.refWords >= 50 {
			textRows = append(textRows, r)
		}
	}
	var js []float64
	var over90, popplerOpens, weOpenThose, missed int
	var ourText, popText time.Duration
	for _, r := range textRows {
		js = append(js, r.jaccard)
		if r.jaccard >= 0.90 {
			over90++
		}
		if r.popplerOK {
			popplerOpens++
			if r.status == StatusOK || r.status == StatusNeedsOCR {
				weOpenThose++
			} else {
				missed++
				fmt.Printf("pdftotext opens but foidesk does not: %s (%s: %s)\n", r.file, r.status, r.reason)
			}
		}
		ourText += r.took
	}
	sort.Float64s(js)
	median := 0.0
	if n := len(js); n > 0 {
		median = js[n/2]
		if n%2 == 0 {
			median = (js[n/2-1] + js[n/2]) / 2
		}
	}
	engines := map[string]int{}
	statuses := map[Status]int{}
	var contained []string
	for _, r := range rows {
		engines[r.engine]++
		statuses[r.status]++
		if r.contained {
			contained = append(contained, r.file)
		}
	}
	_ = popText
	summary := fmt.Sprintf(`engine chain %s
corpus: %d PDFs; statuses %v; engines %v
text-bearing (>= 50 reference words): %d files
  pdftotext opens %d of them; foidesk opens %d of those (missed %d)
  median word-set Jaccard %.3f (goal >= 0.98); %d/%d = %.1f%% at >= 0.90 (goal >= 90%%)
  crashes or hangs escaping a worker: 0 (the test process survived every file)
worker deaths contained (crash, memory or time limit; worker replaced): %d %v
worker memory after the run: %s
time over all %d files: foidesk %v, pdftotext %v (ratio %.2f, goal <= 2)`,
		engine, len(rows), statuses, engines, len(textRows), popplerOpens, weOpenThose, missed,
		median, over90, len(textRows), 100*float64(over90)/float64(max(len(textRows), 1)),
		len(contained), contained, peak, len(rows), ours.Round(time.Millisecond), poppler.Round(time.Millisecond), float64(ours)/float64(max(poppler, 1)))
	fmt.Println(summary)
	if missed > 0 || median < 0.98 || float64(over90) < 0.9*float64(len(textRows)) || (havePoppler && ours > 2*poppler) {
		t.Errorf("corpus goals not met")
	}
}

func readManifest(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		name, _, _ := strings.Cut(sc.Text(), "\t")
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// wordSet is the set of lower-cased words (runs of letters and digits), the
// unit the benchmark compares: it ignores layout, which engines legitimately
// differ on, and catches glued, split and garbled words. Scripts written
// without spaces (Han, kana, Hangul, Thai) count each character as a word:
// otherwise a "word" would run to the next line break, and two correct
// extractions that break lines differently would share no words at all.
func wordSet(s string) map[string]bool {
	s = Normalize(s)
	set := map[string]bool{}
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			set[string(cur)] = true
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai):
			flush()
			set[string(r)] = true
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return set
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// workerPeak reads the worker's peak resident and virtual size from /proc.
func workerPeak(x *Extractor) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w == nil {
		return "no worker running"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", x.w.cmd.Process.Pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "VmPeak") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
