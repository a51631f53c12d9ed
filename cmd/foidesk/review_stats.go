package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"foidesk/store/coding"
)

func init() {
	register(newCommand(command{
		name:     "review stats",
		synopsis: "CAMPAIGN [--json]",
		summary:  "how far coding a campaign's documents has got, by label and reviewer, and how well coders agree",
		help: `Counts the campaign's documents in the review queue, coded (their final
label is known) and not yet; the coded ones by label; each reviewer's
codings (and an admin's resolutions); and, for documents two reviewers
coded independently (double coding), Cohen's kappa between first and second
coder: overall, on the labels each gave, and for each label, on whether each
gave it. Kappa is undefined with no double-coded documents, or when every
one got the same label from both: then it says "not enough double-coded
documents". --json prints one object.`,
		args: 1,
	}, reviewStats))
}

type reviewStatsFlags struct{ json bool }

func (f *reviewStatsFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
}

// reviewStats prints CAMPAIGN's coding numbers and agreement.
func reviewStats(ctx context.Context, e *env, f *reviewStatsFlags, args []string) error {
	st, c, err := readCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	s, err := st.coding.Stats(ctx, c.ID)
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Campaign string `json:"campaign"`
			coding.Stats
		}{c.Name, s})
	}
	double := "off"
	if s.DoubleCoding {
		double = "on"
	}
	fmt.Fprintf(e.stdout, "campaign %s: %d documents, %d coded, %d not yet (double coding %s)\n", c.Name, s.Entries, s.Coded, s.Uncoded, double)
	if s.Disputed > 0 {
		fmt.Fprintf(e.stdout, "%d awaiting an admin's resolution (the review app's resolve page)\n", s.Disputed)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nLABEL\tCODED")
	for _, l := range s.ByLabel {
		fmt.Fprintf(tw, "%s\t%d\n", l.Label, l.N)
	}
	if len(s.Reviewers) > 0 {
		fmt.Fprintln(tw, "\nREVIEWER\tCODINGS\tRESOLUTIONS")
		for _, r := range s.Reviewers {
			fmt.Fprintf(tw, "%s\t%d\t%d\n", r.Reviewer, r.Codings, r.Resolutions)
		}
	}
	tw.Flush()
	a := s.Agreement
	fmt.Fprintf(e.stdout, "\nagreement over %d double-coded documents: ", a.DoubleCoded)
	if !a.Defined {
		fmt.Fprintln(e.stdout, "not enough double-coded documents for kappa")
		return nil
	}
	fmt.Fprintf(e.stdout, "kappa %.3f\n", a.Kappa)
	tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tKAPPA")
	for _, l := range a.PerLabel {
		k := "not enough double-coded documents"
		if l.Defined {
			k = fmt.Sprintf("%.3f", l.Kappa)
		}
		fmt.Fprintf(tw, "%s\t%s\n", l.Label, k)
	}
	return tw.Flush()
}
