package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/storetest"
)

// These tests run the real worker: foidesk re-executes its own binary
// (here, the test binary, caught by extract_worker.go's init) for PDFs.

func TestExtractCommandJSONAndStatuses(t *testing.T) {
	td := filepath.Join("..", "..", "extract", "testdata")
	out, errOut, code := runCLI(t, "extract", "--json", filepath.Join(td, "formats", "policy.docx"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"status", "engine", "pages", "text", "reason"} {
		if _, ok := got[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
	if got["status"] != "ok" || got["pages"] != 1.0 || !strings.Contains(got["text"].(string), "affirms") {
		t.Errorf("policy.docx: %v", got)
	}

	out, errOut, code = runCLI(t, "extract", filepath.Join(td, "pdf", "pdf_test.pdf"))
	if code != exitOK || !strings.Contains(out, "This is a heading") || errOut != "" {
		t.Errorf("PDF: exit %d %q %q", code, out, errOut)
	}
	out, _, code = runCLI(t, "extract", "--engine", "ledongthuc", filepath.Join(td, "pdf", "pdf_test.pdf"))
	if code != exitOK || !strings.Contains(out, "heading") {
		t.Errorf("--engine ledongthuc: exit %d %q", code, out)
	}
	// Encrypted and scanned are statuses, exit 0, with the reason on stderr.
	_, errOut, code = runCLI(t, "extract", filepath.Join(td, "pdf", "aes-256.pdf"))
	if code != exitOK || !strings.Contains(errOut, "encrypted: the PDF needs a password") {
		t.Errorf("encrypted: exit %d %q", code, errOut)
	}
	// The 627-byte allocation bomb: the command survives it.
	out, errOut, code = runCLI(t, "extract", "--json", "--engine", "ledongthuc", filepath.Join(td, "pdf", "GHOSTSCRIPT-698804-1-fuzzed.pdf"))
	if code != exitFailure || !strings.Contains(out, `"status": "failed"`) || !strings.Contains(out, "memory") {
		t.Errorf("allocation bomb: exit %d %s %s", code, out, errOut)
	}
	empty := filepath.Join(t.TempDir(), "empty.pdf")
	os.WriteFile(empty, nil, 0o600)
	_, errOut, code = runCLI(t, "extract", empty)
	if code != exitFailure || !strings.Contains(errOut, "empty") {
		t.Errorf("empty: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{{"extract"}, {"extract", "a", "b"}, {"extract", "--engine", "magic", empty}} {
		if _, _, code := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if _, _, code := runCLI(t, "extract", filepath.Join(t.TempDir(), "absent.pdf")); code != exitFailure {
		t.Errorf("absent file: exit %d, want 1", code)
	}
}

// From IMAP to search: ingest stores a reply with a Word attachment and a
// scanned PDF, documents extract turns them into documents, search finds
// the text, list shows the scan needs OCR, reextract runs it.
func TestDocumentsCommandsEndToEnd(t *testing.T) {
	srv, cfg := ashdownInbox(t)
	td := filepath.Join("..", "..", "extract", "testdata")
	docx, _ := os.ReadFile(filepath.Join(td, "formats", "policy.docx"))
	scan, _ := os.ReadFile(filepath.Join(td, "pdf", "pdf-with-jbig2.pdf"))
	mail := "From: FOI Team <foi@ashdown.gov.uk>\r\nTo: requests@foidesk.example\r\nSubject: Re: Recording policy [ref: Q6ZA4VMP]\r\n" +
		"Date: Tue, 10 Nov 2026 10:00:00 +0000\r\nMessage-ID: <r1@ashdown.gov.uk>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nOur response to your request is attached.\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=policy.docx\r\nContent-Disposition: attachment; filename=policy.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(docx) + "\r\n" +
		"--b\r\nContent-Type: application/pdf; name=scan.pdf\r\nContent-Disposition: attachment; filename=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(scan) + "\r\n--b--\r\n"
	imaptest.Append(t, srv.Addr(), "INBOX", []byte(mail))
	if out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once", "--no-extract"); code != 0 || strings.Contains(out, "extracted") {
		t.Fatalf("ingest --no-extract: %d %s %s", code, out, errOut)
	}
	// Without tesseract the scan is needs_ocr.
	path := os.Getenv("PATH")
	t.Setenv("PATH", "/nonexistent")
	out, errOut, code := runCLI(t, "--config", cfg, "documents", "extract")
	if code != 0 || !strings.Contains(out, "3 item(s) processed") || !strings.Contains(out, "queued for review") {
		t.Fatalf("documents extract: %d\n%s%s", code, out, errOut)
	}
	out, _, code = runCLI(t, "--config", cfg, "documents", "list", "--status", "needs_ocr", "--json")
	var docs []document.Summary
	if err := json.Unmarshal([]byte(out), &docs); err != nil || code != 0 || len(docs) != 1 || docs[0].Sources[0].Filename != "scan.pdf" || docs[0].Sources[0].RequestRef != "Q6ZA4VMP" {
		t.Fatalf("documents list --status needs_ocr: %d %v\n%s", code, err, out)
	}
	out, _, _ = runCLI(t, "--config", cfg, "documents", "list")
	if !strings.Contains(out, "needs_ocr") || !strings.Contains(out, "policy.docx (Q6ZA4VMP Ashdown Council)") {
		t.Errorf("documents list:\n%s", out)
	}
	out, _, code = runCLI(t, "--config", cfg, "search", "wyr")
	if code != 0 || !strings.Contains(out, "policy.docx (Ashdown Council, Q6ZA4VMP)") || !strings.Contains(out, "[ŵyr]") {
		t.Errorf("search:\n%s", out)
	}
	out, _, _ = runCLI(t, "--config", cfg, "search", "--json", "nothing-matches-this")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("search --json with no hits: %q", out)
	}
	if _, _, code := runCLI(t, "--config", cfg, "documents", "list", "--status", "bogus"); code != exitUsage {
		t.Errorf("bad --status: exit %d", code)
	}
	t.Setenv("PATH", path)
	if _, err := exec.LookPath("tesseract"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tesseract is not installed, and CI=true: .ci/run must install it")
		}
		t.Skip("tesseract not installed: reextract not tested")
	}
	out, errOut, code = runCLI(t, "--config", cfg, "documents", "reextract", "--status", "needs_ocr")
	if code != 0 || !strings.Contains(out, "scan.pdf\tok") {
		t.Fatalf("reextract: %d\n%s%s", code, out, errOut)
	}
}

// ingest --once extracts what it stored, so a reply's attachment is
// searchable without a second command.
func TestIngestExtractsNewAttachments(t *testing.T) {
	srv, cfg := ashdownInbox(t)
	docx, err := os.ReadFile(filepath.Join("..", "..", "extract", "testdata", "formats", "policy.docx"))
	if err != nil {
		t.Fatal(err)
	}
	mail := "From: FOI Team <foi@ashdown.gov.uk>\r\nTo: requests@foidesk.example\r\nSubject: Re: Recording policy [ref: Q6ZA4VMP]\r\n" +
		"Date: Tue, 10 Nov 2026 10:00:00 +0000\r\nMessage-ID: <r2@ashdown.gov.uk>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nOur response to your request is attached.\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=policy.docx\r\nContent-Disposition: attachment; filename=policy.docx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(docx) + "\r\n--b--\r\n"
	imaptest.Append(t, srv.Addr(), "INBOX", []byte(mail))
	out, errOut, code := runCLI(t, "--config", cfg, "ingest", "--once")
	if code != 0 || !strings.Contains(out, "policy.docx") || !strings.Contains(out, "extracted text from 2 item(s)") {
		t.Fatalf("ingest --once: %d\n%s%s", code, out, errOut)
	}
	out, _, code = runCLI(t, "--config", cfg, "search", "wyr")
	if code != 0 || !strings.Contains(out, "policy.docx") {
		t.Errorf("search after ingest:\n%s", out)
	}
	// The mail itself is searched too, by the same query as the web app's.
	out, _, code = runCLI(t, "--config", cfg, "search", "--kind", "messages", "response", "attached")
	if code != 0 || !strings.Contains(out, "FOI Team <foi@ashdown.gov.uk>: Re: Recording policy [ref: Q6ZA4VMP] (Ashdown Council, Q6ZA4VMP)") ||
		!strings.Contains(out, "Our [response] to your request is [attached]") || strings.Contains(out, "document ") {
		t.Errorf("search --kind messages:\n%s", out)
	}
	if out, _, _ = runCLI(t, "--config", cfg, "search", "--nation", "Scotland", "wyr"); !strings.Contains(out, "nothing contains wyr") {
		t.Errorf("search --nation Scotland:\n%s", out)
	}
	for _, args := range [][]string{{"search", "OR", "wyr"}, {"search", "--kind", "letters", "wyr"}} {
		_, errOut, code := runCLI(t, append([]string{"--config", cfg}, args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
		if args[1] == "OR" && !strings.Contains(errOut, "search could not read that query") {
			t.Errorf("%v: %s", args, errOut)
		}
	}
	// Nothing new: a second run extracts nothing.
	out, _, _ = runCLI(t, "--config", cfg, "ingest", "--once")
	if strings.Contains(out, "extracted text from") {
		t.Errorf("second ingest extracted again:\n%s", out)
	}
}

// ashdownInbox starts an in-memory IMAP server and a database holding one
// sent request, Q6ZA4VMP to Ashdown Council, and returns the server and a
// config file pointing at both.
func ashdownInbox(t *testing.T) (*imaptest.Server, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	srv := imaptest.Start(t, true)
	cfg := ingestConfig(t, dir, srv.Port, "")
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	st, err := store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := storetest.Send(ctx, st, storetest.SentRequest{Ref: "Q6ZA4VMP", AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk"}); err != nil {
		t.Fatal(err)
	}
	return srv, cfg
}
