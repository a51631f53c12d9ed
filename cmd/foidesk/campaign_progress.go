package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"foidesk/mailer"
	"foidesk/store/campaign"
)

// sendProgress shows a running send: a bar redrawn in place on a terminal
// (done/total, rate, ETA), or a log line every logEvery otherwise, so a
// send under cron or systemd leaves a readable trail.
type sendProgress struct {
	mu       sync.Mutex
	w        io.Writer
	log      *slog.Logger
	tty      bool
	total    int
	done     int // settled: sent, failed or unknown
	counts   map[string]int
	start    time.Time
	started  int // settled before this run
	lastLog  time.Time
	logEvery time.Duration
	stop     chan struct{}
	wg       sync.WaitGroup
}

// sendProgressLogEvery is how often a non-terminal send logs; tests shorten it.
var sendProgressLogEvery = 10 * time.Second

func newSendProgress(w io.Writer, log *slog.Logger, counts map[string]int) *sendProgress {
	p := &sendProgress{w: w, log: log, counts: map[string]int{}, start: time.Now(), logEvery: sendProgressLogEvery, stop: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		p.tty = isatty.IsTerminal(f.Fd())
	}
	for st, n := range counts {
		p.counts[st] = n
		if campaign.Settled(st) || campaign.Waiting(st) {
			p.total += n
		}
		if campaign.Settled(st) {
			p.done += n
		}
	}
	p.started = p.done
	p.lastLog = p.start
	p.wg.Add(1)
	go p.tick()
	return p
}

// outcome is the dispatcher's OnOutcome.
func (p *sendProgress) outcome(o mailer.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if o.Letter != "" {
		// A follow-up letter: not one of the campaign's requests counted here.
		if o.State == campaign.OutboxFailed || o.State == campaign.OutboxUnknown {
			p.clearLine()
			p.log.Warn("letter not sent", "letter", o.Letter, "to", o.To, "state", o.State, "code", o.Reply.Code, "reply", o.Reply.Text)
		}
		return
	}
	if campaign.Settled(o.State) {
		p.done++
		p.counts[o.State]++
	}
	if o.State == campaign.OutboxFailed || o.State == campaign.OutboxUnknown {
		p.clearLine()
		p.log.Warn("request not sent", "ref", o.Ref, "to", o.To, "state", o.State, "code", o.Reply.Code, "reply", o.Reply.Text)
	}
	if o.State == campaign.OutboxRetry {
		p.clearLine()
		p.log.Info("temporary failure, will retry", "ref", o.Ref, "to", o.To, "code", o.Reply.Code, "reply", o.Reply.Text, "at", o.NextAt.Format(time.RFC3339))
	}
}

func (p *sendProgress) tick() {
	defer p.wg.Done()
	every := 200 * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.tty {
				fmt.Fprintf(p.w, "\r%s", p.line())
			} else if time.Since(p.lastLog) >= p.logEvery {
				p.lastLog = time.Now()
				rate, eta := p.rateETA()
				p.log.Info("sending", "done", p.done, "total", p.total, "sent", p.counts[campaign.OutboxSent],
					"failed", p.counts[campaign.OutboxFailed], "unknown", p.counts[campaign.OutboxUnknown],
					"per_minute", fmt.Sprintf("%.1f", rate*60), "eta", eta)
			}
			p.mu.Unlock()
		}
	}
}

func (p *sendProgress) rateETA() (perSec float64, eta string) {
	el := time.Since(p.start).Seconds()
	n := p.done - p.started
	if el <= 0 || n <= 0 {
		return 0, "?"
	}
	perSec = float64(n) / el
	left := p.total - p.done
	return perSec, (time.Duration(float64(left)/perSec) * time.Second).Round(time.Second).String()
}

func (p *sendProgress) line() string {
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = p.done * width / p.total
	}
	rate, eta := p.rateETA()
	return fmt.Sprintf("[%s%s] %d/%d  sent %d  failed %d  unknown %d  %.1f/min  ETA %s ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.done, p.total,
		p.counts[campaign.OutboxSent], p.counts[campaign.OutboxFailed], p.counts[campaign.OutboxUnknown], rate*60, eta)
}

func (p *sendProgress) clearLine() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *sendProgress) finish() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\n", p.line())
	}
}
