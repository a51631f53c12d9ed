package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	publish "foidesk/report"
	"foidesk/store/campaign"
	"foidesk/store/results"
)

func init() {
	register(newCommand(command{
		name:     "report",
		synopsis: "CAMPAIGN [--format md|csv|json|xlsx] [--out FILE] [--as-of DATE]",
		summary:  "the campaign's results for publication: one row per targeted authority, and a summary computed from the rows",
		help: `One row per authority the campaign targets, including those with no address
in the register (state no-address) and those never sent: code, name,
nation, regime, reference, the date sent, delivered or bounced, the due
date, the date replied, working days late (negative: early; for an answer
still awaited, the days left), the state on --as-of (default today, as
'foidesk campaign status' shows it), the outcome (coded, or inferred from
the reply's kind: a refusal is refused, or not-held when it says the
information is not held; published is published elsewhere; a response is
answered), exemptions, labels and notes from coding, and the documents
extracted from the replies ('foidesk documents show ID'; /documents/ID in
the web app).

The summary counts rows: targeted, sent, delivered, bounced, replied (on
time, late), never replied, refused (by exemption), not held, published
elsewhere, each state, each nation's figures and labels with percentages,
and agreement (Cohen's kappa) where requests were coded twice. Until
requests are coded the coding columns are empty and the summary says "not
coded".

--format md (default) is what a blog post pastes: a summary table and the
rows table. csv is UTF-8 with a byte order mark and CRLF, quoted as RFC 4180
says; a text cell beginning =, +, -, @, a tab or CR is prefixed with ' so a
spreadsheet shows it instead of running it (counts stay numbers). With
--out NAME.csv the summary is written beside it as NAME-summary.csv;
without --out, --summary prints the summary CSV instead of the rows. json is
one object {campaign, as_of, coded, summary, rows}. xlsx is a workbook of
two sheets, rows and summary, with dates as dates and counts as numbers; it
is not printed to a terminal.

--out writes a file through a temporary file renamed into place, so a
reader never sees half a report. Rows are written as they are read, never
all held; md and json, which print the summary first, keep the rows
meanwhile in a temporary file in $TMPDIR.`,
		args: 1,
	}, reportCommand))
}

type reportFlags struct {
	format, out, asOf string
	summary           bool
}

func (f *reportFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "md", "md, csv, json or xlsx")
	fs.StringVar(&f.out, "out", "", "write to `FILE` (csv: also FILE-summary.csv) instead of standard output")
	fs.StringVar(&f.asOf, "as-of", "", "show states on `DATE` (YYYY-MM-DD; default today)")
	fs.BoolVar(&f.summary, "summary", false, "csv on standard output: print the summary instead of the rows")
}

// reportCommand writes campaign CAMPAIGN's results in --format to --out
// or standard output.
func reportCommand(ctx context.Context, e *env, f *reportFlags, args []string) error {
	switch f.format {
	case "md", "csv", "json", "xlsx":
	default:
		return usagef("--format %q: want md, csv, json or xlsx", f.format)
	}
	if f.summary && (f.format != "csv" || f.out != "") {
		return usagef("--summary goes with --format csv on standard output (with --out the summary file is always written)")
	}
	if f.out == "" && f.format == "xlsx" && isTerminal(e.stdout) {
		return usagef("an xlsx workbook is not for a terminal: give --out FILE.xlsx or redirect standard output")
	}
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	st, c, err := readCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	rp, err := campaignReport(ctx, results.New(st.Store), c, day, e.codes(st))
	if err != nil {
		return err
	}
	write := map[string]func(io.Writer) error{"md": rp.WriteMarkdown, "csv": rp.WriteCSV, "json": rp.WriteJSON, "xlsx": rp.WriteXLSX}[f.format]
	if f.out == "" {
		if f.summary {
			write = rp.WriteSummaryCSV
		}
		return write(e.stdout)
	}
	files := []outFile{{path: f.out, write: write}}
	if f.format == "csv" {
		files = append(files, outFile{path: summaryPath(f.out), write: rp.WriteSummaryCSV})
	}
	if err := writeAtomically(files); err != nil {
		return err
	}
	for _, o := range files {
		fmt.Fprintln(e.stderr, "wrote", o.path)
	}
	return nil
}

// codes is where the report reads coding from: the review app's settled
// codings (the web app's results pages read the same, newWebApp).
func (e *env) codes(st *stores) results.Codes { return resultCodes{st.coding} }

// campaignReport is campaign c's report as on the day, its rows read as
// each format writes them (never all held: a national survey's 100,000
// rows take no more memory than 400).
func campaignReport(ctx context.Context, rs *results.Store, c campaign.Campaign, day statusDay, codes results.Codes) (publish.Report, error) {
	o := results.Options{On: day.on, Thresholds: day.th, Codes: codes}
	return publish.Stream(c.Name, day.on.String(), codes != nil, func(fn func(results.Row) error) error {
		return rs.Each(ctx, c, o, fn)
	}), nil
}

// summaryPath is the summary CSV written beside a rows CSV: NAME-summary.csv.
func summaryPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-summary" + ext
}

type outFile struct {
	path  string
	write func(io.Writer) error
}

// writeAtomically streams each file to a temporary file beside it and
// syncs it, then renames each into place: a reader never sees half a
// file, and nothing is renamed unless every file was written.
func writeAtomically(files []outFile) error {
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}()
	for _, o := range files {
		tmp, err := os.CreateTemp(filepath.Dir(o.path), ".foidesk-report-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", o.path, err)
		}
		tmps = append(tmps, tmp.Name())
		bw := bufio.NewWriterSize(tmp, 64<<10)
		err = o.write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o644)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", o.path, err)
		}
	}
	for i, o := range files {
		if err := os.Rename(tmps[i], o.path); err != nil {
			return fmt.Errorf("write %s: %w", o.path, err)
		}
	}
	return nil
}
