package main

import (
	"context"
	"errors"
	"fmt"

	"foidesk/store/coding"
)

func init() {
	register(newCommand(command{
		name:     "codebook set",
		synopsis: "CAMPAIGN FILE",
		summary:  "replace a campaign's codebook with a TOML file, checked first",
		help: `Reads FILE (the format 'foidesk codebook show' prints) and makes it the
campaign's codebook. Every problem is reported as FILE:LINE: a label name
used twice, a shortcut key used twice or one the review page keeps for
itself (s skip, n notes, a apply), a rule naming a label the file
does not define, an unknown key; nothing is written unless the whole file
is valid. A label that documents are already coded with cannot be removed.
Turning double_coding on sends documents coded once to a second reviewer.`,
		args: 2,
	}, codebookSet))
}

// codebookSet validates FILE and stores it as CAMPAIGN's codebook.
func codebookSet(ctx context.Context, e *env, _ *noFlags, args []string) error {
	data, err := readInput(args[1], "codebook", maxCodebookBytes)
	if err != nil {
		return err
	}
	cb, err := coding.ParseFile(args[1], data)
	if err != nil {
		return err
	}
	st, c, err := openCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	if err := st.coding.SetCodebook(ctx, c.ID, cb, "command line"); err != nil {
		var bad coding.Invalid
		if errors.As(err, &bad) {
			return coding.FileErrors(args[1], data, bad)
		}
		return err
	}
	double := "off"
	if cb.DoubleCoding {
		double = "on"
	}
	fmt.Fprintf(e.stdout, "campaign %s: codebook set: %d labels (%s choice), %d keywords, %d rules, double coding %s\n",
		c.Name, len(cb.Labels), cb.Choice, len(cb.Keywords), len(cb.Rules), double)
	return nil
}
