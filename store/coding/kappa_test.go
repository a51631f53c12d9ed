package coding

import (
	"math"
	"testing"
)

// TestKappaWorkedExample checks Kappa against a case worked by hand.
//
// Ten documents, two coders, three labels (A, B, C):
//
//	document  1 2 3 4 5 6 7 8 9 10
//	first     A A A A A B B B C C
//	second    A A A A B B B C C A
//
// They agree on documents 1–4, 6, 7 and 9: po = 7/10 = 0.7.
// First coder's shares: A 5/10, B 3/10, C 2/10; second's: A 5/10, B 3/10,
// C 2/10. Chance agreement pe = 0.5·0.5 + 0.3·0.3 + 0.2·0.2
// = 0.25 + 0.09 + 0.04 = 0.38.
// kappa = (0.7 − 0.38) / (1 − 0.38) = 0.32 / 0.62 = 0.516129…
func TestKappaWorkedExample(t *testing.T) {
	first := []string{"A", "A", "A", "A", "A", "B", "B", "B", "C", "C"}
	second := []string{"A", "A", "A", "A", "B", "B", "B", "C", "C", "A"}
	var pairs [][2]string
	for i := range first {
		pairs = append(pairs, [2]string{first[i], second[i]})
	}
	k, ok := Kappa(pairs)
	if !ok || math.Abs(k-0.32/0.62) > 1e-12 {
		t.Fatalf("kappa = %v, %v; want 0.516129…", k, ok)
	}
}

// TestKappaEdges: perfect agreement is 1; agreement no better than chance
// is 0; none at all or one shared category everywhere is undefined.
func TestKappaEdges(t *testing.T) {
	if k, ok := Kappa([][2]string{{"x", "x"}, {"y", "y"}}); !ok || k != 1 {
		t.Errorf("perfect: %v %v", k, ok)
	}
	// po = 0.5; shares 1/2, 1/2 each: pe = 0.5, kappa 0.
	if k, ok := Kappa([][2]string{{"x", "x"}, {"x", "y"}, {"y", "x"}, {"y", "y"}}); !ok || k != 0 {
		t.Errorf("chance: %v %v", k, ok)
	}
	if _, ok := Kappa(nil); ok {
		t.Error("no items: defined")
	}
	if _, ok := Kappa([][2]string{{"x", "x"}, {"x", "x"}}); ok {
		t.Error("one category throughout: defined")
	}
}
