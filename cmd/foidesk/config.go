package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"foidesk/extract"
	"foidesk/ingest"
	"foidesk/lifecycle"
	"foidesk/mailconn"
	"foidesk/mailer"
	"foidesk/store/user"
)

// Config is foidesk.toml. Every section may be empty; defaults fill the
// gaps. Secrets never live here: a password comes from the environment or
// from a file named by a *_file key, and is never stored or logged.
type Config struct {
	Store     StoreConfig     `toml:"store"`
	Requester RequesterConfig `toml:"requester"`
	SMTP      SMTPConfig      `toml:"smtp"`
	IMAP      IMAPConfig      `toml:"imap"`
	Deadline  DeadlineConfig  `toml:"deadline"`
	Templates TemplatesConfig `toml:"templates"`
	Ingest    IngestConfig    `toml:"ingest"`
	Extract   ExtractConfig   `toml:"extract"`
	Alerts    AlertsConfig    `toml:"alerts"`
	Web       WebConfig       `toml:"web"`

	src configSource // where each key was set, for errors about values
}

// StoreConfig: where foidesk keeps its state.
type StoreConfig struct {
	Path    string `toml:"path"`     // SQLite database file; default foidesk.db
	DataDir string `toml:"data_dir"` // raw mail and attachments; default foidesk-data
}

// RequesterConfig: the person whose name goes on every letter (FOIA s.8
// requires a real name and an address for correspondence).
type RequesterConfig struct {
	Name                string `toml:"name"`
	Email               string `toml:"email"`
	PostalAddress       string `toml:"postal_address"`
	ReplyPlusAddressing bool   `toml:"reply_plus_addressing"`
}

// SMTPConfig: outgoing mail.
type SMTPConfig struct {
	Host              string   `toml:"host"`
	Port              int      `toml:"port"`
	Username          string   `toml:"username"`
	PasswordFile      string   `toml:"password_file"` // else $FOIDESK_SMTP_PASSWORD
	TLS               string   `toml:"tls"`           // starttls (default) | tls | none (loopback only)
	CAFile            string   `toml:"ca_file"`
	Rate              string   `toml:"rate"`                // e.g. "1/10s"; empty: no limit
	PerDomainInterval Duration `toml:"per_domain_interval"` // minimum gap between two messages to one domain
	DailyCap          int      `toml:"daily_cap"`           // provider quota; 0: none
	MaxAttempts       int      `toml:"max_attempts"`        // for temporary failures; default 8
	RetryBase         Duration `toml:"retry_base"`          // first retry delay, doubling each time; default 1m
	RetryMax          Duration `toml:"retry_max"`           // longest retry delay; default 1h
	Timeout           Duration `toml:"timeout"`             // per SMTP operation; default 60s
}

// IMAPConfig: the inbox replies arrive in.
type IMAPConfig struct {
	Host             string   `toml:"host"`
	Port             int      `toml:"port"`
	Username         string   `toml:"username"`
	PasswordFile     string   `toml:"password_file"` // else $FOIDESK_IMAP_PASSWORD
	TLS              string   `toml:"tls"`           // tls (default) | starttls | none (loopback only)
	CAFile           string   `toml:"ca_file"`
	Mailboxes        []string `toml:"mailboxes"` // default ["INBOX"]
	PollInterval     Duration `toml:"poll_interval"`
	SentMailbox      string   `toml:"sent_mailbox"`
	AppendSent       bool     `toml:"append_sent"`
	ProcessedMailbox string   `toml:"processed_mailbox"`
	MarkKeyword      bool     `toml:"mark_keyword"` // add $FoideskIngested after recording
	Timeout          Duration `toml:"timeout"`      // per IMAP operation; default 60s
}

// DeadlineConfig: the statutory clock.
type DeadlineConfig struct {
	HolidaysFile    string `toml:"holidays_file"`     // GOV.UK bank-holidays.json format; adds or overrides days
	ReceiptRule     string `toml:"receipt_rule"`      // statutory (default) | next-working-day
	VeryOverdueDays int    `toml:"very_overdue_days"` // working days past due; default 20
}

// TemplatesConfig: letters.
type TemplatesConfig struct {
	Dir string `toml:"dir"` // overrides or adds templates by name
}

// IngestConfig: limits on incoming mail.
type IngestConfig struct {
	MaxMessageBytes int64 `toml:"max_message_bytes"`
	MaxParts        int   `toml:"max_parts"`
	MaxDepth        int   `toml:"max_depth"`
}

// ExtractConfig: turning attachments into text.
type ExtractConfig struct {
	OCRLanguage    string   `toml:"ocr_language"` // tesseract language; default eng
	WorkerTimeout  Duration `toml:"worker_timeout"`
	WorkerMemoryMB int      `toml:"worker_memory_mb"`
}

// AlertsConfig: notices about requests that are due soon or late.
type AlertsConfig struct {
	Email             string `toml:"email"`               // where digests go; default [requester] email
	DigestTime        string `toml:"digest_time"`         // HH:MM, Europe/London; default 08:00
	DueSoonDays       int    `toml:"due_soon_days"`       // working days before due; default 3
	WebhookURL        string `toml:"webhook_url"`         // a JSON POST per transition; none by default
	WebhookSecretFile string `toml:"webhook_secret_file"` // HMAC-SHA256 key for the signature header
}

// WebConfig: the review and reporting app.
type WebConfig struct {
	Listen string `toml:"listen"` // default 127.0.0.1:8080
	// BehindProxy trusts a reverse proxy's X-Forwarded-Proto (for the
	// Secure cookie), X-Forwarded-For (for the address sign-ins are
	// limited by) and X-Forwarded-Host. Set it only when every request
	// comes through the proxy.
	BehindProxy bool     `toml:"behind_proxy"`
	SessionIdle Duration `toml:"session_idle"` // sign out after this long unused; default 12h
	SessionMax  Duration `toml:"session_max"`  // sign out this long after signing in, whatever the use; default 7 days
}

// Duration is a time.Duration written as a string in TOML ("10s", "5m").
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (try \"30s\" or \"5m\"): %q", b)
	}
	if v < 0 {
		return fmt.Errorf("duration must not be negative: %q", b)
	}
	d.Duration = v
	return nil
}

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// LoadConfig reads path. A missing file means defaults, unless the user named
// it explicitly. Unknown keys and bad values are errors naming file and line.
func LoadConfig(path string, explicit bool) (*Config, error) {
	cfg := &Config{}
	data, err := readInput(path, "config file", maxConfigBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			cfg.applyDefaults()
			return cfg, nil
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			var lines []string
			for _, e := range strict.Errors {
				row, _ := e.Position()
				lines = append(lines, fmt.Sprintf("%s:%d: unknown key %q", path, row, strings.Join(e.Key(), ".")))
			}
			return nil, errors.New(strings.Join(lines, "\n"))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			msg := strings.TrimPrefix(de.Error(), "toml: ")
			if key := de.Key(); len(key) > 0 {
				return nil, fmt.Errorf("%s:%d: %s: %s", path, row, strings.Join(key, "."), msg)
			}
			return nil, fmt.Errorf("%s:%d: %s", path, row, msg)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	cfg.src = configSource{path: path, lines: keyLines(data)}
	// Values are checked as written, before defaults fill the gaps, so
	// that a value out of range is reported rather than replaced.
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	return cfg, nil
}

// configSource is where a config came from: the file and the line of each
// key set in it, so that an error about a value can point at it.
type configSource struct {
	path  string
	lines map[string]int // "smtp.port" -> 1-based line
}

// set reports whether key was written in the file.
func (s configSource) set(key string) bool {
	_, ok := s.lines[key]
	return ok
}

// errorf is an error about key's value: FILE:LINE: key: what is wrong, or
// FILE: key: … when the key is not in the file (its default is at fault).
func (s configSource) errorf(key, format string, args ...any) string {
	where := s.path
	if line, ok := s.lines[key]; ok {
		where = fmt.Sprintf("%s:%d", s.path, line)
	}
	return fmt.Sprintf("%s: %s: %s", where, key, fmt.Sprintf(format, args...))
}

// keyLines maps each dotted key set in a TOML document to its line,
// following [table] headers and inline tables. The document has already
// decoded, so a parse error here only means fewer lines are known.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	keyOf := func(n *unstable.Node) ([]string, int) {
		var parts []string
		line := 0
		it := n.Key()
		for it.Next() {
			k := it.Node()
			if line == 0 {
				line = p.Shape(k.Raw).Start.Line
			}
			parts = append(parts, string(k.Data))
		}
		return parts, line
	}
	var walk func(prefix []string, n *unstable.Node)
	walk = func(prefix []string, n *unstable.Node) {
		parts, line := keyOf(n)
		full := append(append([]string{}, prefix...), parts...)
		lines[strings.Join(full, ".")] = line
		if v := n.Value(); v.Kind == unstable.InlineTable {
			it := v.Children()
			for it.Next() {
				walk(full, it.Node())
			}
		}
	}
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table, _ = keyOf(e)
		case unstable.KeyValue:
			walk(table, e)
		}
	}
	return lines
}

func (c *Config) applyDefaults() {
	if c.Store.Path == "" {
		c.Store.Path = "foidesk.db"
	}
	if c.Store.DataDir == "" {
		c.Store.DataDir = "foidesk-data"
	}
	// Defaults are defined by the package that uses each setting; they
	// are filled in here so that config check shows them.
	smtp := c.SMTP.server().WithDefaults()
	c.SMTP.TLS, c.SMTP.Port, c.SMTP.Timeout.Duration = string(smtp.TLS), smtp.Port, smtp.Timeout
	retry := mailer.Retry{MaxAttempts: c.SMTP.MaxAttempts, Base: c.SMTP.RetryBase.Duration, Max: c.SMTP.RetryMax.Duration}.WithDefaults()
	c.SMTP.MaxAttempts, c.SMTP.RetryBase.Duration, c.SMTP.RetryMax.Duration = retry.MaxAttempts, retry.Base, retry.Max
	imap := ingest.IMAPConfig{Host: c.IMAP.Host, Port: c.IMAP.Port, TLS: mailconn.TLSMode(c.IMAP.TLS), Timeout: c.IMAP.Timeout.Duration,
		Mailboxes: c.IMAP.Mailboxes, PollInterval: c.IMAP.PollInterval.Duration}.WithDefaults()
	c.IMAP.TLS, c.IMAP.Port, c.IMAP.Timeout.Duration = string(imap.TLS), imap.Port, imap.Timeout
	c.IMAP.Mailboxes, c.IMAP.PollInterval.Duration = imap.Mailboxes, imap.PollInterval
	if c.Deadline.ReceiptRule == "" {
		c.Deadline.ReceiptRule = "statutory"
	}
	if c.Deadline.VeryOverdueDays == 0 {
		c.Deadline.VeryOverdueDays = 20
	}
	lim := ingest.Limits{MaxMessageBytes: c.Ingest.MaxMessageBytes, MaxParts: c.Ingest.MaxParts, MaxDepth: c.Ingest.MaxDepth}.WithDefaults()
	c.Ingest.MaxMessageBytes, c.Ingest.MaxParts, c.Ingest.MaxDepth = lim.MaxMessageBytes, lim.MaxParts, lim.MaxDepth
	x := extract.Options{OCRLanguage: c.Extract.OCRLanguage, WorkerTimeout: c.Extract.WorkerTimeout.Duration, WorkerMemoryMB: c.Extract.WorkerMemoryMB}.WithDefaults()
	c.Extract.OCRLanguage, c.Extract.WorkerTimeout.Duration, c.Extract.WorkerMemoryMB = x.OCRLanguage, x.WorkerTimeout, x.WorkerMemoryMB
	if c.Web.Listen == "" {
		c.Web.Listen = "127.0.0.1:8080"
	}
	if c.Web.SessionIdle.Duration == 0 {
		c.Web.SessionIdle.Duration = user.DefaultIdle
	}
	if c.Web.SessionMax.Duration == 0 {
		c.Web.SessionMax.Duration = user.DefaultMax
	}
	if c.Alerts.Email == "" {
		c.Alerts.Email = c.Requester.Email
	}
	if c.Alerts.DigestTime == "" {
		c.Alerts.DigestTime = "08:00"
	}
	if c.Alerts.DueSoonDays == 0 {
		c.Alerts.DueSoonDays = 3
	}
}

// thresholds are the working-day counts that make an awaited answer due
// soon or very overdue.
func (c *Config) thresholds() lifecycle.Thresholds {
	return lifecycle.Thresholds{DueSoon: c.Alerts.DueSoonDays, VeryOverdue: c.Deadline.VeryOverdueDays}
}

// validate checks the values as written, before defaults: every bad value
// is reported with its key and line, and none is replaced by a default. A
// key left out (or, where the README says so, 0) means the default.
func (c *Config) validate() error {
	src := c.src
	var errs []string
	bad := func(key, format string, args ...any) { errs = append(errs, src.errorf(key, format, args...)) }
	oneOf := func(key, v string, allowed ...string) {
		if v == "" {
			return
		}
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad(key, "must be one of %s, not %q", strings.Join(allowed, ", "), v)
	}
	// atLeast: a number that, when set, must be at least min.
	atLeast := func(key string, v int64, min int64) {
		if (src.set(key) || v != 0) && v < min {
			bad(key, "must be at least %d, not %d", min, v)
		}
	}
	// positive: a duration that, when set, must be at least min.
	positive := func(key string, d Duration, min time.Duration) {
		if (src.set(key) || d.Duration != 0) && d.Duration < min {
			bad(key, "must be at least %s, not %s", min, d.Duration)
		}
	}
	for _, s := range []struct {
		section string
		srv     mailconn.Server
	}{{"smtp", c.SMTP.server()}, {"imap", c.IMAP.server()}} {
		if key := s.section + ".port"; (src.set(key) || s.srv.Port != 0) && (s.srv.Port < 1 || s.srv.Port > 65535) {
			bad(key, "must be between 1 and 65535, not %d", s.srv.Port)
			s.srv.Port = 0 // reported; Check looks at the rest
		}
		if err := s.srv.Check(); err != nil {
			var se *mailconn.SettingError
			if errors.As(err, &se) {
				bad(s.section+"."+se.Key, "%s", se.Problem)
			} else {
				errs = append(errs, src.path+": "+err.Error())
			}
		}
		positive(s.section+".timeout", Duration{s.srv.Timeout}, time.Nanosecond)
	}
	if _, err := mailer.ParseRate(c.SMTP.Rate); err != nil {
		bad("smtp.rate", "%s", strings.TrimPrefix(err.Error(), "rate: "))
	}
	atLeast("smtp.daily_cap", int64(c.SMTP.DailyCap), 0)
	atLeast("smtp.max_attempts", int64(c.SMTP.MaxAttempts), 1)
	positive("smtp.retry_base", c.SMTP.RetryBase, time.Nanosecond)
	positive("smtp.retry_max", c.SMTP.RetryMax, time.Nanosecond)
	positive("imap.poll_interval", c.IMAP.PollInterval, time.Nanosecond)
	oneOf("deadline.receipt_rule", c.Deadline.ReceiptRule, "statutory", "next-working-day")
	atLeast("deadline.very_overdue_days", int64(c.Deadline.VeryOverdueDays), 1)
	atLeast("alerts.due_soon_days", int64(c.Alerts.DueSoonDays), 1)
	if t := c.Alerts.DigestTime; t != "" {
		if _, err := time.Parse("15:04", t); err != nil {
			bad("alerts.digest_time", "must be a time of day HH:MM (Europe/London), not %q", t)
		}
	}
	if u := c.Alerts.WebhookURL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			bad("alerts.webhook_url", "must be an http or https URL, not %q", u)
		}
	}
	atLeast("ingest.max_message_bytes", c.Ingest.MaxMessageBytes, 1)
	atLeast("ingest.max_parts", int64(c.Ingest.MaxParts), 1)
	atLeast("ingest.max_depth", int64(c.Ingest.MaxDepth), 1)
	atLeast("extract.worker_memory_mb", int64(c.Extract.WorkerMemoryMB), 64)
	positive("extract.worker_timeout", c.Extract.WorkerTimeout, time.Second)
	if l := c.Web.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			bad("web.listen", "must be HOST:PORT (e.g. 127.0.0.1:8080), not %q", l)
		}
	}
	positive("web.session_idle", c.Web.SessionIdle, time.Minute)
	positive("web.session_max", c.Web.SessionMax, time.Minute)
	if idle, max := c.Web.SessionIdle.Duration, c.Web.SessionMax.Duration; idle > 0 && max > 0 && idle > max {
		bad("web.session_idle", "must not be longer than web.session_max (%s), not %s", max, idle)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// server is the connection half of [smtp], as mailconn reads it.
func (c SMTPConfig) server() mailconn.Server {
	return mailconn.Server{Proto: mailconn.SMTP, Host: c.Host, Port: c.Port, TLS: mailconn.TLSMode(c.TLS), CAFile: c.CAFile, Timeout: c.Timeout.Duration}
}

// server is the connection half of [imap], as mailconn reads it.
func (c IMAPConfig) server() mailconn.Server {
	return mailconn.Server{Proto: mailconn.IMAP, Host: c.Host, Port: c.Port, TLS: mailconn.TLSMode(c.TLS), CAFile: c.CAFile, Timeout: c.Timeout.Duration}
}

// Secret reads a password: the environment variable first, then the file.
// The value is never stored in the database and never logged.
func Secret(envVar, file string) (string, error) {
	if v := os.Getenv(envVar); v != "" {
		return v, nil
	}
	if file == "" {
		return "", nil
	}
	b, err := readInput(file, "password file", maxSecretBytes)
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// checkSecretFiles reports each password_file that is set but cannot be
// read, so that config check catches it before a send or an ingest does.
// The contents are read and dropped, never shown.
func (c *Config) checkSecretFiles() error {
	var errs []string
	for _, f := range []struct{ key, file string }{
		{"smtp.password_file", c.SMTP.PasswordFile},
		{"imap.password_file", c.IMAP.PasswordFile},
		{"alerts.webhook_secret_file", c.Alerts.WebhookSecretFile},
	} {
		if f.file == "" {
			continue
		}
		if _, err := readInput(f.file, "password file", maxSecretBytes); err != nil {
			if u := errors.Unwrap(err); u != nil {
				err = u
			}
			errs = append(errs, c.src.errorf(f.key, "cannot read %s: %v", f.file, err))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// fileSecretSource says where a secret read only from a file comes from,
// without its value: the webhook's HMAC key.
func fileSecretSource(file string) string {
	if file == "" {
		return "(none: webhook posts are unsigned)"
	}
	return "******** (from " + file + ")"
}

// secretSource says where a secret would come from, without its value.
func secretSource(envVar, file string) string {
	if os.Getenv(envVar) != "" {
		return "******** (from $" + envVar + ")"
	}
	if file != "" {
		return "******** (from " + file + ")"
	}
	return "(none)"
}
