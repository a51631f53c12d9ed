package templates

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // London dates on machines without zoneinfo
)

// Data is everything a letter may use. Letters see it as nested maps
// (.Authority.Name, .Requester.Name, .Regime.Act, .Ref, .Sent, .Due,
// .Today, .Campaign.Name), so a key that is not known — a due date before
// the request was sent, say — is absent, and missingkey=error turns its use
// into an error rather than a blank in the letter.
type Data struct {
	Authority Authority
	Requester Requester
	Campaign  string
	Ref       string
	Today     time.Time // the date the letter is written; zero: now
	Sent      time.Time // when the request was delivered; zero: not yet
	Due       time.Time // statutory due date; zero: not known
	// Reason is the requester's own words on why a follow-up is sent (the
	// grounds for an internal review); "" prints nothing.
	Reason string
}

// Authority is the public body the letter goes to.
type Authority struct {
	Name   string
	Code   string
	Nation string
	Regime string // foia | eir | foisa | eisr
}

// Requester is the person whose name goes on the letter.
type Requester struct {
	Name          string
	Email         string
	PostalAddress string
}

// ErrNoRequesterName is returned when the letter would go out unsigned:
// FOIA s.8(1)(b) and FOISA s.8(1)(b) make a request valid only when it
// states the requester's name.
var ErrNoRequesterName = errors.New("[requester] name is not set: a Freedom of Information request must state the requester's real name (FOIA 2000 s.8, FOISA 2002 s.8); set it in foidesk.toml")

func (d Data) validate() error {
	if strings.TrimSpace(d.Requester.Name) == "" {
		return ErrNoRequesterName
	}
	if _, ok := regimes[d.Authority.Regime]; !ok {
		return fmt.Errorf("authority %q has unknown regime %q", d.Authority.Name, d.Authority.Regime)
	}
	return nil
}

// RegimeInfo is the law a request is made under, as letters cite it. The
// provisions differ between the Acts and the environmental Regulations, so
// letters name them from here rather than hard-coding "section N".
type RegimeInfo struct {
	Code         string // foia | eir | foisa | eisr
	Act          string // full title, e.g. "the Freedom of Information Act 2000"
	Short        string // e.g. "FOIA"
	Commissioner string // who hears appeals
	Scottish     bool
	Instrument   string // how a letter refers back to it: "the Act" or "the Regulations"
	TimeLimit    string // the provision setting the time for compliance
	Advice       string // the duty to advise and assist
	Review       string // the statutory review provision; empty for FOIA, where review is by the Code
	ReviewAnswer string // the provision setting the time to answer a review; empty for FOIA
	ReviewDays   int    // working days to answer a review
}

var regimes = map[string]RegimeInfo{
	"foia": {Code: "foia", Act: "the Freedom of Information Act 2000", Short: "FOIA", Commissioner: "the Information Commissioner",
		Instrument: "the Act", TimeLimit: "section 10", Advice: "section 16", ReviewDays: 20},
	"eir": {Code: "eir", Act: "the Environmental Information Regulations 2004", Short: "EIR", Commissioner: "the Information Commissioner",
		Instrument: "the Regulations", TimeLimit: "regulation 5(2)", Advice: "regulation 9", Review: "regulation 11", ReviewAnswer: "regulation 11(4)", ReviewDays: 40},
	"foisa": {Code: "foisa", Act: "the Freedom of Information (Scotland) Act 2002", Short: "FOISA", Commissioner: "the Scottish Information Commissioner", Scottish: true,
		Instrument: "the Act", TimeLimit: "section 10", Advice: "section 15", Review: "section 20", ReviewAnswer: "section 21", ReviewDays: 20},
	"eisr": {Code: "eisr", Act: "the Environmental Information (Scotland) Regulations 2004", Short: "EISR", Commissioner: "the Scottish Information Commissioner", Scottish: true,
		Instrument: "the Regulations", TimeLimit: "regulation 5(2)(a)", Advice: "regulation 9", Review: "regulation 16", ReviewAnswer: "regulation 16(4)", ReviewDays: 20},
}

// Regime describes a regime code, for callers that show it outside letters.
func Regime(code string) (RegimeInfo, bool) { r, ok := regimes[code]; return r, ok }

func (d Data) values() map[string]any {
	r := regimes[d.Authority.Regime]
	today := d.Today
	if today.IsZero() {
		today = time.Now()
	}
	v := map[string]any{
		"Authority": map[string]any{
			"Name": d.Authority.Name, "Code": d.Authority.Code,
			"Nation": d.Authority.Nation, "Regime": d.Authority.Regime,
		},
		"Requester": map[string]any{
			"Name": d.Requester.Name, "Email": d.Requester.Email,
			"PostalAddress": d.Requester.PostalAddress,
		},
		"Regime": map[string]any{
			"Code": r.Code, "Act": r.Act, "Short": r.Short,
			"Commissioner": r.Commissioner, "Scottish": r.Scottish,
			"Instrument": r.Instrument, "TimeLimit": r.TimeLimit, "Advice": r.Advice,
			"Review": r.Review, "ReviewAnswer": r.ReviewAnswer, "ReviewDays": r.ReviewDays,
		},
		"Campaign": map[string]any{"Name": d.Campaign},
		"Ref":      d.Ref,
		"Today":    UKDate(today),
		"Reason":   strings.TrimSpace(d.Reason),
	}
	if !d.Sent.IsZero() {
		v["Sent"] = UKDate(d.Sent)
	}
	if !d.Due.IsZero() {
		v["Due"] = UKDate(d.Due)
	}
	return v
}

// london is the clock UK readers live by; dates in letters are London
// calendar dates, not UTC ones.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// UKDate formats t as a UK reader writes a date: "7 December 2026", on the
// Europe/London calendar.
func UKDate(t time.Time) string {
	return t.In(london).Format("2 January 2006")
}

var funcs = template.FuncMap{
	// indent prefixes every line of s, for quoting an address block.
	"indent": func(prefix, s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		for i, l := range lines {
			lines[i] = prefix + l
		}
		return strings.Join(lines, "\n")
	},
}
