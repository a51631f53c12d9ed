package results

import (
	"math"
	"sort"
)

// Summary is a campaign's figures, every one computed from its rows by
// Summarize and so recomputable from the published table.
type Summary struct {
	Targeted  int `json:"targeted"`
	Sent      int `json:"sent"` // accepted by the mail server (delivered or bounced)
	Delivered int `json:"delivered"`
	Bounced   int `json:"bounced"`
	NoAddress int `json:"no_address"` // targeted, no address in the register
	Replied   int `json:"replied"`
	// RepliedOnTime and RepliedLate split Replied by DaysLate (≤ 0 and > 0);
	// a reply with no due date to judge it by is in neither.
	RepliedOnTime int `json:"replied_on_time"`
	RepliedLate   int `json:"replied_late"`
	// NeverReplied: delivered, no reply, not withdrawn.
	NeverReplied int `json:"never_replied"`
	Withdrawn    int `json:"withdrawn"`
	Refused      int `json:"refused"`
	// RefusedBy counts refusals per exemption cited (a refusal citing two
	// counts under both; one citing none under "unspecified").
	RefusedBy []Count `json:"refused_by"`
	NotHeld   int     `json:"not_held"`
	Published int     `json:"published_elsewhere"`
	// Inferred: rows whose outcome is read from the message kind, not coded.
	Inferred int      `json:"outcomes_inferred"`
	Coded    int      `json:"coded"`
	States   []Count  `json:"states"` // by shown state, most first
	Nations  []Nation `json:"nations"`
	// Agreement between two coders over the rows coded twice; nil when
	// none were.
	Agreement *Agreement `json:"agreement"`
}

// Count is a name and how many.
type Count struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// Nation is one nation's figures and labels.
type Nation struct {
	Nation    string  `json:"nation"`
	Targeted  int     `json:"targeted"`
	Sent      int     `json:"sent"`
	Delivered int     `json:"delivered"`
	Replied   int     `json:"replied"`
	Coded     int     `json:"coded"`
	Labels    []Label `json:"labels"`
	States    []Count `json:"states"`
	OnTime    int     `json:"replied_on_time"`
	Late      int     `json:"replied_late"`
	NeverRepl int     `json:"never_replied"`
}

// Label is how many of a nation's coded rows carry a label, and what
// percentage of its coded rows that is (one decimal).
type Label struct {
	Label   string  `json:"label"`
	N       int     `json:"n"`
	Percent float64 `json:"percent"`
}

// Agreement is Cohen's kappa between CoderA and CoderB over Items rows.
type Agreement struct {
	Items    int     `json:"items"`
	Agreed   int     `json:"agreed"`
	Kappa    float64 `json:"kappa"` // rounded to three decimals
	Observed float64 `json:"observed"`
}

// Summarize computes the summary from rows: a fold of Tally.Add over
// them.
func Summarize(rows []Row) Summary {
	var t Tally
	for _, r := range rows {
		t.Add(r)
	}
	return t.Summary()
}

// Tally is the summary being computed, one row at a time: the one place
// the published figures are made. It holds counts, never rows, so it
// takes as little memory for 100,000 rows as for 10 (its maps are by
// state, nation, label, exemption and pair of codes). The zero Tally is
// empty and ready.
type Tally struct {
	s            Summary
	refused      map[string]int
	states       map[string]int
	nations      map[string]*Nation
	nationLabels map[string]map[string]int
	nationStates map[string]map[string]int
	pairs        map[[2]string]int
}

// Add counts row r.
func (t *Tally) Add(r Row) {
	if t.nations == nil {
		t.refused, t.states, t.nations = map[string]int{}, map[string]int{}, map[string]*Nation{}
		t.nationLabels, t.nationStates = map[string]map[string]int{}, map[string]map[string]int{}
		t.pairs = map[[2]string]int{}
	}
	s := &t.s
	s.Targeted++
	n := t.nations[r.Nation]
	if n == nil {
		n = &Nation{Nation: r.Nation, Labels: []Label{}}
		t.nations[r.Nation] = n
		t.nationLabels[r.Nation] = map[string]int{}
		t.nationStates[r.Nation] = map[string]int{}
	}
	n.Targeted++
	t.states[r.State]++
	t.nationStates[r.Nation][r.State]++
	sent := r.Delivery == Delivered || r.Delivery == Bounced
	if sent {
		s.Sent++
		n.Sent++
	}
	switch r.Delivery {
	case Delivered:
		s.Delivered++
		n.Delivered++
	case Bounced:
		s.Bounced++
	}
	if r.State == NoAddress {
		s.NoAddress++
	}
	withdrawn := r.State == "withdrawn"
	if withdrawn {
		s.Withdrawn++
	}
	switch {
	case r.Replied():
		s.Replied++
		n.Replied++
		if r.DaysLate != nil {
			if *r.DaysLate > 0 {
				s.RepliedLate++
				n.Late++
			} else {
				s.RepliedOnTime++
				n.OnTime++
			}
		}
	case r.Delivery == Delivered && !withdrawn:
		s.NeverReplied++
		n.NeverRepl++
	}
	switch r.Outcome {
	case OutcomeRefused:
		s.Refused++
		if len(r.Exemptions) == 0 {
			t.refused["unspecified"]++
		}
		for _, e := range r.Exemptions {
			t.refused[e]++
		}
	case OutcomeNotHeld:
		s.NotHeld++
	case OutcomePublished:
		s.Published++
	}
	if r.OutcomeInferred {
		s.Inferred++
	}
	if r.Coded {
		s.Coded++
		n.Coded++
		for _, l := range r.Labels {
			t.nationLabels[r.Nation][l]++
		}
	}
	if r.CoderA != "" && r.CoderB != "" {
		t.pairs[[2]string{r.CoderA, r.CoderB}]++
	}
}

// Summary is the summary of the rows added so far.
func (t *Tally) Summary() Summary {
	s := t.s
	s.RefusedBy = counts(t.refused)
	s.States = counts(t.states)
	for _, n := range t.nations {
		c := *n
		c.Labels = []Label{}
		for _, l := range counts(t.nationLabels[n.Nation]) {
			c.Labels = append(c.Labels, Label{Label: l.Name, N: l.N, Percent: percent(l.N, n.Coded)})
		}
		c.States = counts(t.nationStates[n.Nation])
		s.Nations = append(s.Nations, c)
	}
	sort.Slice(s.Nations, func(i, j int) bool { return nationOrder(s.Nations[i].Nation) < nationOrder(s.Nations[j].Nation) })
	s.Agreement = kappa(t.pairs)
	return s
}

// counts turns a tally into a list, most first, then by name.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

// nationOrder puts the four nations in their usual order, then any other.
func nationOrder(n string) string {
	switch n {
	case "England":
		return "0"
	case "Scotland":
		return "1"
	case "Wales":
		return "2"
	case "Northern Ireland":
		return "3"
	case "":
		return "5"
	}
	return "4" + n
}

// Kappa is Cohen's kappa over pairs of codes; nil with no pairs. When the
// coders' expected agreement is already total (both gave one code
// throughout), kappa is 1 if they agreed everywhere.
func Kappa(pairs [][2]string) *Agreement {
	m := map[[2]string]int{}
	for _, p := range pairs {
		m[p]++
	}
	return kappa(m)
}

// kappa is Kappa over pairs counted: how many rows had each pair.
func kappa(pairs map[[2]string]int) *Agreement {
	items := 0
	for _, k := range pairs {
		items += k
	}
	if items == 0 {
		return nil
	}
	a := &Agreement{Items: items}
	ma, mb := map[string]int{}, map[string]int{}
	for p, k := range pairs {
		if p[0] == p[1] {
			a.Agreed += k
		}
		ma[p[0]] += k
		mb[p[1]] += k
	}
	n := float64(items)
	po := float64(a.Agreed) / n
	var pe float64
	for k, v := range ma {
		pe += float64(v) / n * float64(mb[k]) / n
	}
	a.Observed = math.Round(po*1000) / 1000
	if pe >= 1 {
		a.Kappa = 1
		return a
	}
	a.Kappa = math.Round((po-pe)/(1-pe)*1000) / 1000
	return a
}
