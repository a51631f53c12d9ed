package main

import (
	"fmt"
	"io"
	"os"
)

// The files a person hands foidesk are read through a size limit, never
// whole without a bound: a path mistyped to a disk image or a log must be
// an error naming the file, not a process that fills its memory.
const (
	maxConfigBytes   = 1 << 20  // foidesk.toml
	maxSecretBytes   = 64 << 10 // a password or key file, or the line read for one
	maxCodebookBytes = 1 << 20  // a codebook (labels, rules, notes)
	maxHolidaysBytes = 4 << 20  // a bank holidays file in GOV.UK's JSON
)

// readInput reads the file at path, what it is for a person ("config
// file"), refusing one over max bytes without reading further. A file
// that cannot be opened gives os.Open's error, which names it.
func readInput(path, what string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes, more than a %s can be; is it the right file?", path, max, what)
	}
	return data, nil
}
