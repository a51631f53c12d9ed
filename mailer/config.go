package mailer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"foidesk/mailconn"
)

// SMTP is how to reach the outgoing mail server. Unset settings take
// mailconn's defaults.
type SMTP struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	// TLS is "starttls" (the default; required, never falls back to clear
	// text), "tls" (implicit TLS, usually port 465) or "none" (loopback
	// hosts only).
	TLS       mailconn.TLSMode
	CAFile    string
	TLSConfig *tls.Config // nil: from Host and CAFile (mailconn.Server.TLSConfig)
	Timeout   time.Duration
	HELO      string // empty: this machine's hostname
}

// Limits pace a dispatcher. The zero value sends as fast as the server takes.
type Limits struct {
	Rate              Rate          // token bucket; zero: no limit
	PerDomainInterval time.Duration // minimum gap between two messages to one domain
	DailyCap          int           // messages per rolling 24 hours; 0: none
}

// Retry says how temporary failures are retried.
type Retry struct {
	MaxAttempts int           // default 8
	Base        time.Duration // first delay; default 1 minute
	Max         time.Duration // longest delay; default 1 hour
}

// WithDefaults fills unset fields with foidesk's defaults: 8 attempts,
// from 1 minute doubling to 1 hour. They are defined here only; config
// check shows them by calling this.
func (r Retry) WithDefaults() Retry {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 8
	}
	if r.Base <= 0 {
		r.Base = time.Minute
	}
	if r.Max <= 0 {
		r.Max = time.Hour
	}
	return r
}

// Rate is a token bucket: Burst messages, refilled one every Per/Burst.
type Rate struct {
	Burst int
	Per   time.Duration
}

// Spread is the least time n messages take at this rate: the first goes at
// once, each after it one refill later. Zero without a limit.
func (r Rate) Spread(n int) time.Duration {
	if r.IsZero() || n <= 1 {
		return 0
	}
	return r.Per / time.Duration(r.Burst) * time.Duration(n-1)
}

// IsZero reports whether no rate limit is set.
func (r Rate) IsZero() bool { return r.Burst == 0 || r.Per == 0 }

// ParseRate reads "N/DURATION", e.g. "1/10s", "30/m", "500/24h". An empty
// string means no limit.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rate{}, nil
	}
	ns, ds, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err != nil || n < 1 {
		return Rate{}, fmt.Errorf("rate %q: want N/DURATION, e.g. \"1/10s\" or \"30/m\"", s)
	}
	ds = strings.TrimSpace(ds)
	if ds != "" && (ds[0] < '0' || ds[0] > '9') {
		ds = "1" + ds
	}
	d, err := time.ParseDuration(ds)
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("rate %q: %q is not a duration (try \"10s\", \"m\" or \"24h\")", s, ds)
	}
	return Rate{Burst: n, Per: d}, nil
}

func (r Rate) String() string {
	if r.IsZero() {
		return "unlimited"
	}
	return fmt.Sprintf("%d/%s", r.Burst, r.Per)
}

func (c SMTP) server() mailconn.Server {
	return mailconn.Server{Proto: mailconn.SMTP, Host: c.Host, Port: c.Port, TLS: c.TLS, CAFile: c.CAFile,
		Username: c.Username, Password: c.Password, Timeout: c.Timeout}
}

// Check reports settings that can never work (no host, and those of
// mailconn.Server.Check) and a CA file that cannot be used, before
// anything is sent.
func (c SMTP) Check() error {
	_, err := c.tlsConfig()
	return err
}

// tlsConfig checks c and returns the TLS configuration to use: nil for
// clear text.
func (c SMTP) tlsConfig() (*tls.Config, error) {
	if c.Host == "" {
		return nil, errors.New("[smtp] host is not set")
	}
	s := c.server()
	if err := s.Check(); err != nil {
		return nil, err
	}
	if c.TLSConfig != nil {
		return c.TLSConfig, nil
	}
	return s.TLSConfig()
}
