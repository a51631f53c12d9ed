package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestConfigMissingFileMeansDefaults(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join(t.TempDir(), "absent.toml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store.Path != "foidesk.db" || cfg.SMTP.Port != 587 || cfg.IMAP.Mailboxes[0] != "INBOX" || cfg.Deadline.ReceiptRule != "statutory" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestConfigExplicitMissingFileIsAnError(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "absent.toml"), true)
	if err == nil {
		t.Fatal("a config file named explicitly but absent must be an error")
	}
}

func TestConfigUnknownKeyNamesKeyAndLine(t *testing.T) {
	p := writeFile(t, "foidesk.toml", "[store]\npath = \"x.db\"\n\n[smtp]\nhost = \"localhost\"\nhots = \"typo\"\n")
	_, err := LoadConfig(p, true)
	if err == nil {
		t.Fatal("unknown key accepted")
	}
	want := p + ":6: unknown key \"smtp.hots\""
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestConfigBadValues(t *testing.T) {
	cases := map[string]string{
		"bad tls":           "[smtp]\ntls = \"ssl\"\n",
		"cleartext remote":  "[smtp]\nhost = \"mail.example.org\"\ntls = \"none\"\n",
		"imap cleartext":    "[imap]\nhost = \"imap.example.org\"\ntls = \"none\"\n",
		"bad duration":      "[imap]\npoll_interval = \"often\"\n",
		"bad receipt rule":  "[deadline]\nreceipt_rule = \"whenever\"\n",
		"wrong type":        "[smtp]\nport = \"twenty-five\"\n",
		"not toml":          "this is not toml\n",
		"negative interval": "[smtp]\nper_domain_interval = \"-1s\"\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, "foidesk.toml", body)
			_, err := LoadConfig(p, true)
			if err == nil {
				t.Fatalf("accepted %q", body)
			}
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
		})
	}
}

func TestConfigLoopbackCleartextAllowed(t *testing.T) {
	p := writeFile(t, "foidesk.toml", "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\n[imap]\nhost = \"localhost\"\ntls = \"none\"\n")
	cfg, err := LoadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.Port != 2525 || cfg.IMAP.Port != 143 {
		t.Fatalf("ports: smtp %d imap %d", cfg.SMTP.Port, cfg.IMAP.Port)
	}
}

func TestConfigCheckMasksSecrets(t *testing.T) {
	secret := writeFile(t, "smtp-pass", "hunter2-very-secret\n")
	p := writeFile(t, "foidesk.toml", "[smtp]\nhost = \"localhost\"\npassword_file = \""+secret+"\"\n")
	t.Setenv("FOIDESK_IMAP_PASSWORD", "imap-secret-value")
	out, errOut, code := runCLI(t, "--config", p, "config", "check")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "hunter2") || strings.Contains(out, "imap-secret-value") {
		t.Fatalf("secret printed:\n%s", out)
	}
	if !strings.Contains(out, "from "+secret) || !strings.Contains(out, "from $FOIDESK_IMAP_PASSWORD") {
		t.Fatalf("secret sources not shown:\n%s", out)
	}
	got, err := Secret("FOIDESK_SMTP_PASSWORD", secret)
	if err != nil || got != "hunter2-very-secret" {
		t.Fatalf("Secret = %q, %v", got, err)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	p := writeFile(t, "foidesk.toml", "[store]\nbogus = 1\n")
	t.Setenv("FOIDESK_CONFIG", p)
	_, errOut, code := runCLI(t, "config", "check")
	if code != exitFailure || !strings.Contains(errOut, `unknown key "store.bogus"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
