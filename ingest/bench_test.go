package ingest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/ingest/imaptest"
	"foidesk/store/mail"
)

// pdfReply is a reply carrying a pseudo-PDF of about pdfSize bytes.
func pdfReply(i int, ref string, pdfSize int, rng *rand.Rand) []byte {
	pdf := make([]byte, pdfSize)
	for j := range pdf {
		pdf[j] = byte(rng.Uint32())
	}
	copy(pdf, "%PDF-1.5\n")
	var b strings.Builder
	fmt.Fprintf(&b, "From: FOI <foi@council%d.gov.uk>\r\nTo: jo@campaign.example\r\nSubject: RE: Freedom of Information request [ref: %s]\r\n", i, ref)
	fmt.Fprintf(&b, "Message-ID: <bench-%d@council.example>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n", i)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find attached our response, which we hold.\r\n")
	fmt.Fprintf(&b, "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"response-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
	b.WriteString(b64lines(pdf))
	b.WriteString("--b1--\r\n")
	return []byte(b.String())
}

func benchCount(def int) int {
	if v, err := strconv.Atoi(os.Getenv("FOIDESK_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return def
}

// bareFetch is the yardstick: go-imap fetching every message body and
// throwing it away, with no storage, parsing or matching.
func bareFetch(b *testing.B, srv *imaptest.Server) (int, int64) {
	c, err := imapclient.DialInsecure(srv.Addr(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imaptest.User, imaptest.Password).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n, bytes := 0, int64(0)
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok {
				m, _ := io.Copy(io.Discard, body.Literal)
				bytes += m
				n++
			}
		}
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
	return n, bytes
}

// bareFetchToDisk is a second yardstick: the same fetch, each message
// written to its own file and fsynced, with no parsing or database.
func bareFetchToDisk(b *testing.B, srv *imaptest.Server, dir string) {
	c, err := imapclient.DialInsecure(srv.Addr(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imaptest.User, imaptest.Password).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok {
				f, err := os.Create(filepath.Join(dir, strconv.Itoa(n)))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(f, body.Literal)
				f.Sync()
				f.Close()
				n++
			}
		}
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
}

// tmpfsDir is where the benchmark puts a second foidesk run whose database
// and data directory live in memory, so that the disk drops out and what
// remains is foidesk's own work: $FOIDESK_BENCH_TMPFS, else /dev/shm when
// it exists; "off" skips that run.
func tmpfsDir(b *testing.B) string {
	d := os.Getenv("FOIDESK_BENCH_TMPFS")
	if d == "off" {
		return ""
	}
	if d == "" {
		d = "/dev/shm"
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		return ""
	}
	dir, err := os.MkdirTemp(d, "foidesk-bench-*")
	if err != nil {
		b.Logf("no tmpfs run: %v", err)
		return ""
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// BenchmarkIngestVsBareFetch ingests 2,000 replies each carrying a ~200 KB
// PDF from a loopback IMAP server (store raw, parse, store attachment,
// match, triage, record) and, in the same run, times the same messages:
//
//   - bare: a go-imap fetch throwing the bodies away (the yardstick);
//   - bare-to-disk: the same fetch writing each body to its own file and
//     fsyncing it, nothing else (what any durable store must at least do);
//   - foidesk: a full SyncOnce into a fresh database and data directory on
//     disk (the timed part of the benchmark, so -benchmem and -cpuprofile
//     describe it);
//   - foidesk-tmpfs: the same with database and data directory on tmpfs,
//     which takes the disk out and leaves foidesk's own overhead.
//
// Each phase runs under a pprof label phase=<name>, so a CPU profile can be
// split with go tool pprof -tagfocus phase=foidesk-tmpfs. FOIDESK_BENCH_N
// sets a smaller count for a quick run; FOIDESK_BENCH_TMPFS a tmpfs
// directory other than /dev/shm, or "off"; FOIDESK_BENCH_SYNC=fsync makes
// each batch's blobs durable with an fsync each instead of one syncfs.
func BenchmarkIngestVsBareFetch(b *testing.B) {
	n := benchCount(2000)
	srv := imaptest.Start(b, false)
	rng := rand.New(rand.NewPCG(1, 2))
	batch := make([][]byte, 0, 100)
	for i := 0; i < n; i++ {
		batch = append(batch, pdfReply(i, fixtureRequests[i%len(fixtureRequests)].ref, 200<<10, rng))
		if len(batch) == cap(batch) || i == n-1 {
			imaptest.Append(b, srv.Addr(), "INBOX", batch...)
			batch = batch[:0]
		}
	}
	batch = nil
	shm := tmpfsDir(b)
	phase := func(name string, f func()) time.Duration {
		runtime.GC()
		t0 := time.Now()
		pprof.Do(context.Background(), pprof.Labels("phase", name), func(context.Context) { f() })
		return time.Since(t0)
	}
	ingest := func(dir string) {
		env := newTestEnvAt(b, dir)
		env.proc.Blobs.FsyncEach = os.Getenv("FOIDESK_BENCH_SYNC") == "fsync"
		sy := env.syncer(srv.Addr(), srv.Port, "INBOX")
		st, err := sy.SyncOnce(context.Background())
		if err != nil || st.Stored != n || st.Matched != n {
			b.Fatalf("ingest: %+v %v", st, err)
		}
		env.st.Close()
	}
	var bare, durable, ours, oursShm time.Duration
	var rawBytes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bare += phase("bare", func() {
			got, bytes := bareFetch(b, srv)
			rawBytes = bytes
			if got != n {
				b.Fatalf("bare fetch got %d, want %d", got, n)
			}
		})
		dir := b.TempDir()
		durable += phase("bare-to-disk", func() { bareFetchToDisk(b, srv, dir) })
		if shm != "" {
			d, err := os.MkdirTemp(shm, "run-*")
			if err != nil {
				b.Fatal(err)
			}
			oursShm += phase("foidesk-tmpfs", func() { ingest(d) })
			os.RemoveAll(d)
		}
		dir = b.TempDir()
		b.StartTimer()
		ours += phase("foidesk", func() { ingest(dir) })
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(bare), "bare-s/op")
	b.ReportMetric(per(durable), "bare-to-disk-s/op")
	b.ReportMetric(per(ours), "foidesk-s/op")
	b.ReportMetric(float64(ours)/float64(bare), "ratio")
	b.ReportMetric(float64(ours)/float64(durable), "ratio-to-disk")
	if shm != "" {
		b.ReportMetric(per(oursShm), "foidesk-tmpfs-s/op")
		b.ReportMetric(float64(oursShm)/float64(bare), "ratio-tmpfs")
	}
	b.ReportMetric(float64(rawBytes)/float64(n), "raw-bytes/msg")
}

// BenchmarkIngestLargeMessage ingests one 50 MB message while sampling the
// heap: memory must not grow with message size (goal: peak heap < 64 MB).
// The IMAP server runs in a child process so that its copy of the message
// is not counted.
func BenchmarkIngestLargeMessage(b *testing.B) {
	addr := startChildServer(b)
	port, _ := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	raw := pdfReply(0, "K7QW3MP0", 37<<20, rand.New(rand.NewPCG(3, 4))) // ~50 MB once base64-encoded
	imaptest.Append(b, addr, "INBOX", raw)
	raw = nil
	var peak, peakInuse atomic.Uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env := newTestEnv(b)
		sy := env.syncer(addr, port, "INBOX")
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				if ms.HeapInuse > peakInuse.Load() {
					peakInuse.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		st, err := sy.SyncOnce(context.Background())
		b.StopTimer()
		close(stop)
		<-done
		if err != nil || st.Stored != 1 {
			b.Fatalf("ingest: %+v %v", st, err)
		}
		ms, _ := env.mail.Messages(context.Background(), mail.MessageFilter{Limit: 1000})
		if ms[0].Size < 50<<20 || ms[0].Attachments != 1 || ms[0].ParseProblem != "" {
			b.Fatalf("stored %+v", ms[0])
		}
		env.st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peakInuse.Load())/(1<<20), "peak-heapinuse-MB")
	if peak.Load() >= 64<<20 {
		b.Errorf("peak heap %d MB, goal < 64 MB", peak.Load()>>20)
	}
}

// startChildServer re-runs the test binary as an IMAP server process and
// returns its address.
func startChildServer(b *testing.B) string {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	addrFile := filepath.Join(dir, "addr")
	cmd := execCommand(exe, "-test.run=^TestChildIMAPServer$", "-test.v")
	cmd.Env = append(os.Environ(), "FOIDESK_CHILD_IMAP_ADDR_FILE="+addrFile)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if a, err := os.ReadFile(addrFile); err == nil && len(a) > 0 && strings.HasSuffix(string(a), "\n") {
			return strings.TrimSpace(string(a))
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatal("child IMAP server did not start")
	return ""
}

// TestChildIMAPServer is the child side of startChildServer; it does
// nothing in a normal test run.
func TestChildIMAPServer(t *testing.T) {
	file := os.Getenv("FOIDESK_CHILD_IMAP_ADDR_FILE")
	if file == "" {
		return
	}
	srv := imaptest.Start(t, false)
	if err := os.WriteFile(file, []byte(srv.Addr()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {}
}
