package coding

// SetDisputedBatch makes Disagreements read n double-coded entries at a
// time until the returned function restores it.
func SetDisputedBatch(n int) (restore func()) {
	old := disputedBatch
	disputedBatch = n
	return func() { disputedBatch = old }
}
