package mailer

import (
	"math/rand/v2"
	"time"
)

// bucket is a token bucket: up to Burst sends at once, then one every
// Per/Burst. It is kept in memory and starts with one token rather than a
// full burst, so a crash loop cannot burst past the provider's limit.
type bucket struct {
	rate   Rate
	tokens float64
	last   time.Time
}

func newBucket(r Rate, now time.Time) *bucket {
	return &bucket{rate: r, tokens: 1, last: now}
}

// wait says how long until a token is available (zero: now).
func (b *bucket) wait(now time.Time) time.Duration {
	if b == nil || b.rate.IsZero() {
		return 0
	}
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	per := b.rate.Per / time.Duration(b.rate.Burst)
	return time.Duration((1 - b.tokens) * float64(per))
}

// take spends a token; call it only when wait returned zero.
func (b *bucket) take(now time.Time) {
	if b == nil || b.rate.IsZero() {
		return
	}
	b.refill(now)
	b.tokens--
}

func (b *bucket) refill(now time.Time) {
	if now.Before(b.last) {
		b.last = now
	}
	per := b.rate.Per / time.Duration(b.rate.Burst)
	b.tokens += float64(now.Sub(b.last)) / float64(per)
	if max := float64(b.rate.Burst); b.tokens > max {
		b.tokens = max
	}
	b.last = now
}

// domainGap keeps the per-domain interval: the last attempt per recipient
// domain, so two councils sharing a mail host are not sent to back to back.
type domainGap struct {
	interval time.Duration
	last     map[string]time.Time
}

func (g *domainGap) blocked(domain string, now time.Time) bool {
	if g.interval <= 0 {
		return false
	}
	t, ok := g.last[domain]
	return ok && now.Sub(t) < g.interval
}

func (g *domainGap) note(domain string, at time.Time) {
	if g.interval > 0 {
		g.last[domain] = at
	}
}

// nextFree is the earliest time some blocked domain becomes free.
func (g *domainGap) nextFree(now time.Time) time.Time {
	var best time.Time
	for _, t := range g.last {
		free := t.Add(g.interval)
		if free.After(now) && (best.IsZero() || free.Before(best)) {
			best = free
		}
	}
	return best
}

// backoff is the delay before attempt n+1 after n failed attempts:
// exponential from base, capped at max, with "equal jitter" (half fixed,
// half random) so retries of a batch that failed together spread out.
func backoff(r Retry, attempts int) time.Duration {
	d := r.Base
	for i := 1; i < attempts && d < r.Max; i++ {
		d *= 2
	}
	if d > r.Max {
		d = r.Max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}
