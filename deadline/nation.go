package deadline

import (
	"fmt"
	"strings"
)

// Nation is one of the three UK bank-holiday jurisdictions, named as in the
// GOV.UK feed ("divisions").
type Nation uint8

const (
	EnglandAndWales Nation = iota
	Scotland
	NorthernIreland
	numNations
)

// Nations lists every nation in the feed's order.
var Nations = [...]Nation{EnglandAndWales, Scotland, NorthernIreland}

var nationNames = [...]string{"england-and-wales", "scotland", "northern-ireland"}

// String returns the GOV.UK division name, e.g. "scotland".
func (n Nation) String() string {
	if n < numNations {
		return nationNames[n]
	}
	return fmt.Sprintf("Nation(%d)", n)
}

// ParseNation reads a GOV.UK division name.
func ParseNation(s string) (Nation, error) {
	for i, name := range nationNames {
		if s == name {
			return Nation(i), nil
		}
	}
	return 0, fmt.Errorf("unknown division %q (want %s)", s, strings.Join(nationNames[:], ", "))
}

// Regime is the law a request is made under. It decides which nations'
// bank holidays stop the clock and which events may move it.
type Regime uint8

const (
	FOIA  Regime = iota // Freedom of Information Act 2000
	EIR                 // Environmental Information Regulations 2004
	FOISA               // Freedom of Information (Scotland) Act 2002
	EISR                // Environmental Information (Scotland) Regulations 2004
	numRegimes
)

// Regimes lists every regime.
var Regimes = [...]Regime{FOIA, EIR, FOISA, EISR}

var regimeNames = [...]string{"foia", "eir", "foisa", "eisr"}

// String returns the lower-case short name used on the command line and in
// JSON, e.g. "foisa".
func (r Regime) String() string {
	if r < numRegimes {
		return regimeNames[r]
	}
	return fmt.Sprintf("Regime(%d)", r)
}

// ParseRegime reads foia, eir, foisa or eisr (any case).
func ParseRegime(s string) (Regime, error) {
	for i, name := range regimeNames {
		if strings.EqualFold(s, name) {
			return Regime(i), nil
		}
	}
	return 0, fmt.Errorf("unknown regime %q (want foia, eir, foisa or eisr)", s)
}

// MarshalText writes the short name.
func (r Regime) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads the short name.
func (r *Regime) UnmarshalText(b []byte) error {
	v, err := ParseRegime(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Scottish reports whether r is a Scottish regime (FOISA, EISR), whose
// working days ignore holidays outside Scotland.
func (r Regime) Scottish() bool { return r == FOISA || r == EISR }

// Nations returns the nations whose bank holidays are not working days
// under r: all three for FOIA and EIR (s.10(6) FOIA: a bank holiday "in any
// part of the United Kingdom"), Scotland alone for FOISA and EISR (s.73).
func (r Regime) Nations() []Nation {
	if r.Scottish() {
		return []Nation{Scotland}
	}
	return Nations[:]
}

// ReceiptRule says how a request received on a non-working day is counted.
type ReceiptRule uint8

const (
	// Statutory: the date of receipt is day 0 whatever day it is; day 1 is
	// the first working day after it.
	Statutory ReceiptRule = iota
	// NextWorkingDay: the 2018 s.45 Code reading, under which a request
	// received on a non-working day is treated as received on the next
	// working day, giving the authority one more day.
	NextWorkingDay
)

// String returns "statutory" or "next-working-day".
func (r ReceiptRule) String() string {
	if r == NextWorkingDay {
		return "next-working-day"
	}
	return "statutory"
}

// MarshalText writes the rule's name.
func (r ReceiptRule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// ParseReceiptRule reads "statutory" or "next-working-day"; "" is statutory.
func ParseReceiptRule(s string) (ReceiptRule, error) {
	switch s {
	case "", "statutory":
		return Statutory, nil
	case "next-working-day":
		return NextWorkingDay, nil
	}
	return 0, fmt.Errorf("unknown receipt rule %q (want statutory or next-working-day)", s)
}

// MarshalText writes the GOV.UK division name.
func (n Nation) MarshalText() ([]byte, error) { return []byte(n.String()), nil }
