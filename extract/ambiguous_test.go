package extract

import (
	"archive/zip"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// Files that are two things at once, and files whose type a magic string
// anywhere in the first kilobyte would get wrong: type comes from structure.

// storedZip builds a zip whose members are stored uncompressed, as some
// mail systems and scanners write them: the first member's bytes then sit
// at the start of the file.
func storedZip(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Store, Modified: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A stored zip whose first member is a PDF has a PDF header in its first
// kilobyte. It was read as that one PDF, and the other members vanished
// with status ok and no warning.
func TestStoredZipWithPDFFirstKeepsEveryMember(t *testing.T) {
	data := storedZip(t,
		[2]string{"reply.pdf", string(readTestdata(t, "testdata/pdf/simple1.pdf"))},
		[2]string{"cover.txt", "Dear requester, the council's policy on recording meetings is attached.\n"},
		[2]string{"annex/table.pdf", string(readTestdata(t, "testdata/pdf/pdf_test.pdf"))},
	)
	if !bytes.Contains(data[:1024], []byte("%PDF-")) {
		t.Fatal("fixture: the first member's PDF header is not in the first kilobyte")
	}
	if got := Detect(data); got != TypeZip {
		t.Errorf("Detect = %s, want %s", got, TypeZip)
	}
	p := writeTemp(t, "reply.pdf", data)
	if got, err := DetectFile(p); err != nil || got != TypeZip {
		t.Errorf("DetectFile = %s, %v; want %s", got, err, TypeZip)
	}
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, p)
	if res.Type != TypeZip || res.Status != StatusOK {
		t.Fatalf("got %s %s %s, want an ok zip", res.Type, res.Status, res.Reason)
	}
	var paths []string
	for _, m := range res.Members {
		paths = append(paths, m.Path)
		if m.Status != StatusOK {
			t.Errorf("member %s: %s %s", m.Path, m.Status, m.Reason)
		}
	}
	if strings.Join(paths, ",") != "reply.pdf,cover.txt,annex/table.pdf" {
		t.Errorf("members %q, want all three", paths)
	}
	text := res.Text()
	for _, want := range []string{"Hello", "recording meetings", "This is a heading"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q: %q", want, text)
		}
	}
	t.Logf("notes: %q", res.Notes)
	if !strings.Contains(strings.Join(res.Notes, "\n"), "PDF header at byte") {
		t.Errorf("no note of the ambiguity: %q", res.Notes)
	}
}

func TestPlainPDFStillPDF(t *testing.T) {
	p := "testdata/pdf/simple1.pdf"
	if got, err := DetectFile(p); err != nil || got != TypePDF {
		t.Fatalf("DetectFile = %s, %v", got, err)
	}
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, p)
	if res.Type != TypePDF || res.Status != StatusOK || !strings.Contains(res.Text(), "Hello") {
		t.Fatalf("got %s %s %s %q", res.Type, res.Status, res.Reason, res.Text())
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes on a plain PDF: %q", res.Notes)
	}
}

// Readers accept up to a kilobyte of junk before a PDF's header.
func TestPDFAfterLeadingJunk(t *testing.T) {
	pdf := readTestdata(t, "testdata/pdf/simple1.pdf")
	x := newTestExtractor(t, Options{})
	for name, junk := range map[string][]byte{
		"text":   []byte(strings.Repeat("Forwarded by the records team.\n", 19) + "end\n"),
		"binary": bytes.Repeat([]byte{0, 0xff, 0x13, 0x37}, 1016/4),
	} {
		data := append(append([]byte(nil), junk...), pdf...)
		if at := bytes.Index(data, []byte("%PDF-")); at < 500 || at+5 > 1024 {
			t.Fatalf("%s: fixture's header at %d", name, at)
		}
		p := writeTemp(t, name+".pdf", data)
		if got, err := DetectFile(p); err != nil || got != TypePDF {
			t.Errorf("%s junk: DetectFile = %s, %v", name, got, err)
		}
		res := mustExtract(t, x, p)
		if res.Type != TypePDF || res.Status != StatusOK || !strings.Contains(res.Text(), "Hello") {
			t.Errorf("%s junk: got %s %s %s %q", name, res.Type, res.Status, res.Reason, res.Text())
		}
	}
}

// "%PDF-" inside a text that is not a PDF does not make it one.
func TestPDFHeaderInsideText(t *testing.T) {
	prose := strings.Repeat("The council publishes its policies as PDF files on its website. ", 10)[:600]
	data := []byte(prose + "%PDF-1.7 is the version our scanner writes.\nRegards,\nInformation Governance\n")
	p := writeTemp(t, "letter.txt", data)
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, p)
	t.Logf("notes: %q", res.Notes)
	if res.Type != TypeText || res.Status != StatusOK || !strings.Contains(res.Text(), "Information Governance") {
		t.Fatalf("got %s %s %s %q", res.Type, res.Status, res.Reason, res.Text())
	}
}

// Office files are zips: their content-type member still names them, stored
// or deflated.
func TestOfficeStillDetected(t *testing.T) {
	if got, err := DetectFile("testdata/formats/policy.docx"); err != nil || got != TypeDOCX {
		t.Errorf("policy.docx: %s, %v", got, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(fixtureDOCX()), int64(len(fixtureDOCX())))
	if err != nil {
		t.Fatal(err)
	}
	var files [][2]string
	for _, f := range zr.File {
		b, err := readZipMember(f, testLimits())
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, [2]string{f.Name, string(b)})
	}
	p := writeTemp(t, "stored.docx", storedZip(t, files...))
	if got, err := DetectFile(p); err != nil || got != TypeDOCX {
		t.Errorf("stored docx: %s, %v", got, err)
	}
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, p)
	if res.Type != TypeDOCX || res.Status != StatusOK || len(res.Notes) != 0 {
		t.Errorf("stored docx: %s %s %s %q", res.Type, res.Status, res.Reason, res.Notes)
	}
	for _, f := range []string{"policy.odt", "figures.xlsx", "figures.ods", "briefing.pptx", "bundle.zip"} {
		got, err := DetectFile("testdata/formats/" + f)
		want := map[string]string{"policy.odt": TypeODT, "figures.xlsx": TypeXLSX, "figures.ods": TypeODS, "briefing.pptx": TypePPTX, "bundle.zip": TypeZip}[f]
		if err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", f, got, err, want)
		}
	}
}
