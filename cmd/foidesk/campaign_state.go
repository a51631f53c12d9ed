package main

import (
	"context"
	"fmt"

	"foidesk/store/campaign"
)

// pause, resume and cancel differ only in the store method they call. Each
// takes effect before the next message: the dispatcher checks the
// campaign's state in every claim.
func init() {
	register(newCommand(command{
		name:     "campaign pause",
		synopsis: "NAME",
		summary:  "stop sending a campaign before its next message",
		help:     `The message in flight, if any, finishes; nothing more is sent until 'foidesk campaign resume'.`,
		args:     1,
	}, campaignPause))
	register(newCommand(command{
		name:     "campaign resume",
		synopsis: "NAME",
		summary:  "let a paused campaign be sent again",
		help:     `Run 'foidesk campaign send NAME' (or let the daemon) continue the sending.`,
		args:     1,
	}, campaignResume))
	register(newCommand(command{
		name:     "campaign cancel",
		synopsis: "NAME",
		summary:  "cancel a campaign: requests not yet sent never will be",
		help:     `Requests already sent stay sent; the message in flight, if any, finishes. A cancelled campaign cannot be resumed.`,
		args:     1,
	}, campaignCancel))
}

// campaignPause stops a campaign's sending before its next message.
func campaignPause(ctx context.Context, e *env, _ *noFlags, args []string) error {
	return changeCampaignState(ctx, e, args[0], (*campaign.Store).Pause)
}

// campaignResume lets a paused campaign be sent again.
func campaignResume(ctx context.Context, e *env, _ *noFlags, args []string) error {
	return changeCampaignState(ctx, e, args[0], (*campaign.Store).Resume)
}

// campaignCancel cancels the requests of a campaign not yet sent.
func campaignCancel(ctx context.Context, e *env, _ *noFlags, args []string) error {
	return changeCampaignState(ctx, e, args[0], (*campaign.Store).Cancel)
}

// changeCampaignState makes the change to campaign name and prints the
// state it is left in.
func changeCampaignState(ctx context.Context, e *env, name string, change func(*campaign.Store, context.Context, string) error) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if err := change(st.campaigns, ctx, name); err != nil {
		return err
	}
	c, err := st.campaigns.ByName(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "campaign %s is now %s\n", c.Name, c.State)
	return nil
}
