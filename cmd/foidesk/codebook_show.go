package main

import (
	"context"
)

func init() {
	register(newCommand(command{
		name:     "codebook show",
		synopsis: "CAMPAIGN",
		summary:  "print a campaign's codebook as a TOML file 'codebook set' reads back",
		help: `Prints the labels reviewers code the campaign's documents with (name,
description, shortcut key, in order), whether a document takes one label or
several (choice), whether each document is coded by two reviewers
(double_coding), the keywords the review page highlights, and the keyword
rules that suggest a label. A campaign that was never given a codebook has
the recording-policy default. Save it, edit it and load it with
'foidesk codebook set CAMPAIGN FILE'.`,
		args: 1,
	}, codebookShow))
}

// codebookShow prints campaign CAMPAIGN's codebook as TOML.
func codebookShow(ctx context.Context, e *env, _ *noFlags, args []string) error {
	st, c, err := readCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	cb, err := st.coding.Codebook(ctx, c.ID)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(cb.TOML())
	return err
}
