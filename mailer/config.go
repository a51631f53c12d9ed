package mailer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// SMTP is how to reach the outgoing mail server.
type SMTP struct {
	Host     string
	Port     int
	Username string // empty: no AUTH
	Password string
	// TLS is "starttls" (required, never falls back to clear text), "tls"
	// (implicit TLS, usually port 465) or "none" (loopback hosts only).
	TLS       string
	TLSConfig *tls.Config // nil: system roots, server name from Host
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

func (r Retry) withDefaults() Retry {
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

// IsLoopback reports whether host names this machine only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c SMTP) validate() error {
	if c.Host == "" {
		return errors.New("[smtp] host is not set")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("[smtp] port %d is not a port", c.Port)
	}
	switch c.TLS {
	case "starttls", "tls":
	case "none":
		if !IsLoopback(c.Host) {
			return fmt.Errorf("[smtp] tls = \"none\" is allowed only for a loopback host, not %q: the password and every letter would cross the network in clear", c.Host)
		}
	default:
		return fmt.Errorf("[smtp] tls must be starttls, tls or none, not %q", c.TLS)
	}
	return nil
}
