package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/store/alert"
)

// Webhook POSTs each alert as JSON to a URL ([alerts] webhook_url): a
// Slack-compatible "text" and the alert's fields. When a secret is set
// the request is signed:
//
//	X-Foidesk-Timestamp: <Unix seconds>
//	X-Foidesk-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// A receiver recomputes the HMAC over the timestamp header, a full stop
// and the raw body, compares it in constant time, and refuses a timestamp
// more than a few minutes old. Delivery is at least once: drop a repeated
// alert_id.
type Webhook struct {
	URL    string
	Secret []byte // nil: unsigned; read from [alerts] webhook_secret_file, never logged
	// Client; nil: one with a 10 s timeout.
	Client *http.Client
	// MaxAttempts before giving up; 0: 10.
	MaxAttempts int
	// Base is the delay before the first retry, doubling each time up to
	// Max; 0: 30 s and 1 h. A jitter of up to half the delay is added.
	Base, Max time.Duration
	// Jitter returns a random duration in [0, d); nil: math/rand.
	Jitter func(d time.Duration) time.Duration
}

// Payload is the JSON body of a webhook POST.
type Payload struct {
	Text            string `json:"text"` // Slack-compatible: one line a person reads
	AlertID         int64  `json:"alert_id"`
	AuthorityCode   string `json:"authority_code"`
	AuthorityName   string `json:"authority_name"`
	Reference       string `json:"reference"`
	Campaign        string `json:"campaign"`
	From            string `json:"from"` // "" when the request was in no alert state
	To              string `json:"to"`
	On              string `json:"on"`
	Sent            string `json:"sent"`
	Due             string `json:"due"`
	WorkingDaysLate *int   `json:"working_days_late"`
}

// PayloadOf is the webhook body for a.
func PayloadOf(a alert.Alert) Payload {
	sent := ""
	if !a.SentAt.IsZero() {
		sent = deadline.ReceiptDate(a.SentAt).String()
	}
	return Payload{Text: slackEscape(Sentence(a)), AlertID: a.ID, AuthorityCode: a.AuthorityCode, AuthorityName: a.AuthorityName,
		Reference: a.Ref, Campaign: a.Campaign, From: a.From, To: a.To, On: a.On, Sent: sent, Due: a.Due, WorkingDaysLate: a.DaysLate}
}

// slackEscape escapes the three characters Slack's text treats as markup,
// so an authority's name cannot become a link or a mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Sign is the X-Foidesk-Signature value for body sent at timestamp.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Attempt makes delivery attempt number attempt of a at now and says what
// came of it: delivered on 2xx; a retry later on a network error, a
// timeout, 408, 429 or 5xx (after Retry-After when the server gives one,
// else backoff with jitter); given up on any other status, or when the
// attempts are spent.
func (h *Webhook) Attempt(ctx context.Context, a alert.Alert, attempt int, now time.Time) alert.WebhookOutcome {
	body, err := json.Marshal(PayloadOf(a))
	if err != nil {
		return alert.WebhookOutcome{State: alert.WebhookFailed, Error: "encode: " + err.Error(), Attempted: now}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return alert.WebhookOutcome{State: alert.WebhookFailed, Error: "webhook_url: " + err.Error(), Attempted: now}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "foidesk")
	if len(h.Secret) > 0 {
		stamp := strconv.FormatInt(now.Unix(), 10)
		req.Header.Set("X-Foidesk-Timestamp", stamp)
		req.Header.Set("X-Foidesk-Signature", Sign(h.Secret, stamp, body))
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return h.retry(attempt, now, 0, 0, "POST: "+err.Error())
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	resp.Body.Close()
	code := resp.StatusCode
	why := fmt.Sprintf("HTTP %d", code)
	if s := strings.TrimSpace(strings.ToValidUTF8(string(snippet), "?")); s != "" {
		why += ": " + strings.Join(strings.Fields(s), " ")
	}
	switch {
	case code >= 200 && code < 300:
		return alert.WebhookOutcome{State: alert.WebhookDelivered, HTTPCode: code, Attempted: now}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return h.retry(attempt, now, code, retryAfter(resp.Header.Get("Retry-After"), now), why)
	}
	return alert.WebhookOutcome{State: alert.WebhookFailed, HTTPCode: code, Error: why + " (not retried: the receiver refused it)", Attempted: now}
}

// retry is a failed attempt's outcome: another try after wait (from
// Retry-After) or the backoff, unless the attempts are spent.
func (h *Webhook) retry(attempt int, now time.Time, code int, wait time.Duration, why string) alert.WebhookOutcome {
	max := h.MaxAttempts
	if max <= 0 {
		max = 10
	}
	if attempt >= max {
		return alert.WebhookOutcome{State: alert.WebhookFailed, HTTPCode: code, Error: fmt.Sprintf("%s (gave up after %d attempts)", why, attempt), Attempted: now}
	}
	if wait <= 0 {
		wait = h.Backoff(attempt)
	}
	return alert.WebhookOutcome{State: alert.WebhookPending, HTTPCode: code, Next: now.Add(wait), Error: why, Attempted: now}
}

// Backoff is the wait after failed attempt number attempt: Base doubled
// for each earlier attempt, at most Max, plus up to half again of jitter.
func (h *Webhook) Backoff(attempt int) time.Duration {
	base, max := h.Base, h.Max
	if base <= 0 {
		base = 30 * time.Second
	}
	if max <= 0 {
		max = time.Hour
	}
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	jitter := h.Jitter
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d) }
	}
	if half := d / 2; half > 0 {
		d += jitter(half)
	}
	return d
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date. Zero
// when absent or unreadable; at most a day.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d < 0 {
		return 0
	}
	return min(d, 24*time.Hour)
}
