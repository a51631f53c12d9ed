//go:build !linux

package extract

// limitAddressSpace is Linux-only; elsewhere the parent's watchdog alone
// enforces the budget.
func limitAddressSpace(memoryMB int) {}

// ownRSS is unknown here: the parent's watchdog alone enforces the budget.
func ownRSS() int64 { return 0 }
