package main

import (
	"context"
	"fmt"

	"github.com/pelletier/go-toml/v2"
)

func init() {
	register(newCommand(command{
		name:    "config check",
		summary: "validate the config file and print the effective config, secrets masked",
		help: `Reads foidesk.toml (or --config FILE, or $FOIDESK_CONFIG), reports any
unknown key or bad value with its line, checks that every password_file
set can be read, and prints the config foidesk will
use, defaults filled in. Passwords are shown only as where they come from.`,
	}, configCheck))
}

// configCheck prints the effective config, every default filled in.
func configCheck(ctx context.Context, e *env, _ *noFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if err := cfg.checkSecretFiles(); err != nil {
		return err
	}
	out, err := toml.Marshal(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s", out)
	fmt.Fprintf(e.stdout, "\n# secrets\n# smtp password: %s\n# imap password: %s\n# webhook secret: %s\n",
		secretSource("FOIDESK_SMTP_PASSWORD", cfg.SMTP.PasswordFile),
		secretSource("FOIDESK_IMAP_PASSWORD", cfg.IMAP.PasswordFile),
		fileSecretSource(cfg.Alerts.WebhookSecretFile))
	return nil
}
