package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

func init() {
	register(&command{
		name:    "config check",
		summary: "validate the config file and print the effective config, secrets masked",
		help: `Reads foidesk.toml (or --config FILE, or $FOIDESK_CONFIG), reports any
unknown key or bad value with its line, and prints the config foidesk will
use, defaults filled in. Passwords are shown only as where they come from.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("config check takes no arguments")
				}
				cfg, err := e.config()
				if err != nil {
					return err
				}
				out, err := toml.Marshal(cfg)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s", out)
				fmt.Fprintf(e.stdout, "\n# secrets\n# smtp password: %s\n# imap password: %s\n",
					secretSource("FOIDESK_SMTP_PASSWORD", cfg.SMTP.PasswordFile),
					secretSource("FOIDESK_IMAP_PASSWORD", cfg.IMAP.PasswordFile))
				return nil
			}
		},
	})
}
