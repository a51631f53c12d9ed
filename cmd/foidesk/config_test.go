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

func TestConfigValueErrorsNameLineAndKey(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"port out of range", "[store]\npath = \"x.db\"\n\n[smtp]\nhost = \"localhost\"\nport = 70000\n", ":6: smtp.port: must be between 1 and 65535, not 70000"},
		{"port zero", "[imap]\nport = 0\n", ":2: imap.port: must be between 1 and 65535, not 0"},
		{"bad tls", "[smtp]\n# comment\ntls = \"ssl\"\n", `:3: smtp.tls: must be tls, starttls or none, not "ssl"`},
		{"cleartext remote", "[imap]\nhost = \"imap.example.org\"\ntls = \"none\"\n", `:3: imap.tls: = "none" is allowed only for a loopback host`},
		{"receipt rule", "[deadline]\n\nreceipt_rule = \"whenever\"\n", `:3: deadline.receipt_rule: must be one of statutory, next-working-day, not "whenever"`},
		{"rate", "[smtp]\nrate = \"fast\"\n", `:2: smtp.rate: `},
		{"dotted key", "smtp.port = -5\n", ":1: smtp.port: must be between 1 and 65535, not -5"},
		{"inline table", "ingest = { max_parts = 10,\n max_depth = 0 }\n", ":2: ingest.max_depth: must be at least 1, not 0"},
		{"wrong type", "[smtp]\nport = \"twenty-five\"\n", ":2: smtp.port: "},
		{"negative duration", "[smtp]\n\nper_domain_interval = \"-1s\"\n", `:3: smtp.per_domain_interval: duration must not be negative`},
		{"same key name in another table", "[imap]\nport = 993\n[smtp]\nport = -1\n", ":4: smtp.port:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "foidesk.toml", c.body)
			_, err := LoadConfig(p, true)
			if err == nil {
				t.Fatalf("accepted %q", c.body)
			}
			if !strings.Contains(err.Error(), p+c.want) {
				t.Fatalf("error %q does not contain %q", err, p+c.want)
			}
		})
	}
}

func TestConfigOutOfRangeIsAnErrorNotTheDefault(t *testing.T) {
	cases := map[string]struct{ body, want string }{
		"max_depth negative":         {"[ingest]\nmax_depth = -1\n", ":2: ingest.max_depth: must be at least 1, not -1"},
		"max_parts zero":             {"[ingest]\nmax_parts = 0\n", ":2: ingest.max_parts: must be at least 1"},
		"max_message_bytes negative": {"[ingest]\nmax_message_bytes = -100\n", ":2: ingest.max_message_bytes: must be at least 1"},
		"max_attempts zero":          {"[smtp]\nmax_attempts = 0\n", ":2: smtp.max_attempts: must be at least 1, not 0"},
		"max_attempts negative":      {"[smtp]\nmax_attempts = -3\n", ":2: smtp.max_attempts: must be at least 1, not -3"},
		"daily_cap negative":         {"[smtp]\ndaily_cap = -1\n", ":2: smtp.daily_cap: must be at least 0, not -1"},
		"smtp timeout zero":          {"[smtp]\ntimeout = \"0s\"\n", ":2: smtp.timeout: must be at least 1ns, not 0s"},
		"imap timeout zero":          {"[imap]\ntimeout = \"0s\"\n", ":2: imap.timeout: must be at least"},
		"retry_base zero":            {"[smtp]\nretry_base = \"0s\"\n", ":2: smtp.retry_base: must be at least"},
		"poll_interval zero":         {"[imap]\npoll_interval = \"0s\"\n", ":2: imap.poll_interval: must be at least"},
		"very_overdue_days zero":     {"[deadline]\nvery_overdue_days = 0\n", ":2: deadline.very_overdue_days: must be at least 1, not 0"},
		"very_overdue_days negative": {"[deadline]\nvery_overdue_days = -2\n", ":2: deadline.very_overdue_days: must be at least 1, not -2"},
		"worker_memory_mb small":     {"[extract]\nworker_memory_mb = 16\n", ":2: extract.worker_memory_mb: must be at least 64, not 16"},
		"worker_memory_mb negative":  {"[extract]\nworker_memory_mb = -1\n", ":2: extract.worker_memory_mb: must be at least 64, not -1"},
		"worker_timeout too short":   {"[extract]\nworker_timeout = \"500ms\"\n", ":2: extract.worker_timeout: must be at least 1s, not 500ms"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, "foidesk.toml", c.body)
			cfg, err := LoadConfig(p, true)
			if err == nil {
				t.Fatalf("accepted %q: %+v", c.body, cfg)
			}
			if !strings.Contains(err.Error(), p+c.want) {
				t.Fatalf("error %q does not contain %q", err, p+c.want)
			}
		})
	}
}

func TestConfigReportsEveryBadValue(t *testing.T) {
	p := writeFile(t, "foidesk.toml", "[smtp]\nport = 0\n[ingest]\nmax_depth = -1\n")
	_, err := LoadConfig(p, true)
	if err == nil || !strings.Contains(err.Error(), p+":2: smtp.port") || !strings.Contains(err.Error(), p+":4: ingest.max_depth") {
		t.Fatalf("error %v does not report both values", err)
	}
}

func TestConfigZeroOrAbsentMeansDefaultWhereDocumented(t *testing.T) {
	p := writeFile(t, "foidesk.toml", "[smtp]\nhost = \"localhost\"\ndaily_cap = 0\n[ingest]\n[extract]\n")
	cfg, err := LoadConfig(p, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTP.DailyCap != 0 || cfg.SMTP.MaxAttempts != 8 || cfg.Ingest.MaxDepth != 20 || cfg.Extract.WorkerMemoryMB != 1024 || cfg.Deadline.VeryOverdueDays != 20 || cfg.SMTP.Port != 587 {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestConfigCheckFailsOnUnreadablePasswordFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-password")
	p := writeFile(t, "foidesk.toml", "[smtp]\nhost = \"localhost\"\n\n[imap]\nhost = \"localhost\"\npassword_file = \""+missing+"\"\n")
	out, errOut, code := runCLI(t, "--config", p, "config", "check")
	if code != exitFailure {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := p + ":6: imap.password_file: cannot read " + missing
	if !strings.Contains(errOut, want) {
		t.Fatalf("stderr %q does not contain %q", errOut, want)
	}
}

func TestConfigCheckShowsAlertsAndTheWebhookSecretsSource(t *testing.T) {
	secret := writeFile(t, "hook-key", "webhook-key-never-shown\n")
	p := writeFile(t, "foidesk.toml", "[requester]\nemail = \"ann@example.org\"\n\n[alerts]\nwebhook_url = \"https://hooks.example/x\"\nwebhook_secret_file = \""+secret+"\"\n")
	out, errOut, code := runCLI(t, "--config", p, "config", "check")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"[alerts]", "email = 'ann@example.org'", "digest_time = '08:00'", "due_soon_days = 3", "# webhook secret: ******** (from " + secret + ")"} {
		if !strings.Contains(out, want) {
			t.Errorf("config check lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "webhook-key-never-shown") {
		t.Fatalf("secret printed:\n%s", out)
	}
	missing := filepath.Join(t.TempDir(), "no-such-key")
	p = writeFile(t, "foidesk2.toml", "[alerts]\nwebhook_secret_file = \""+missing+"\"\n")
	if _, errOut, code := runCLI(t, "--config", p, "config", "check"); code != exitFailure || !strings.Contains(errOut, ":2: alerts.webhook_secret_file: cannot read "+missing) {
		t.Fatalf("unreadable secret file: exit %d %q", code, errOut)
	}
}
