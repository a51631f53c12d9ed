package coding

// Kappa is Cohen's kappa for two raters who each put the same n items
// into one nominal category: pairs[i] is item i's category from the first
// and from the second rater. It is (po - pe) / (1 - pe), where po is the
// share of items on which they agree and pe the agreement expected by
// chance from each rater's own category shares. ok is false when kappa is
// undefined: no items, or pe = 1 (both raters used one and the same
// category for everything).
func Kappa(pairs [][2]string) (k float64, ok bool) {
	n := float64(len(pairs))
	if n == 0 {
		return 0, false
	}
	first, second := map[string]float64{}, map[string]float64{}
	agree := 0.0
	for _, p := range pairs {
		first[p[0]]++
		second[p[1]]++
		if p[0] == p[1] {
			agree++
		}
	}
	po := agree / n
	pe := 0.0
	for c, a := range first {
		pe += (a / n) * (second[c] / n)
	}
	if pe >= 1 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}
