//go:build !linux

package blob

// fsSyncer is Linux only; elsewhere every blob gets its own fsync.
type fsSyncer struct{}

func openFSSyncer(string) *fsSyncer { return nil }
func (*fsSyncer) sync() error       { return nil }
func (*fsSyncer) close()            {}
