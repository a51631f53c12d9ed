//go:build importhook

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// This file is built only with -tags importhook, by the interrupted-import
// test. FOIDESK_TEST_IMPORT_PAUSE_AFTER=N makes the import announce on
// stderr that it has written N rows and then wait inside its transaction,
// so the test can kill the process at exactly that point.
func init() {
	n, err := strconv.Atoi(os.Getenv("FOIDESK_TEST_IMPORT_PAUSE_AFTER"))
	if err != nil || n <= 0 {
		return
	}
	importProgressHook = func(done int) error {
		if done == n {
			fmt.Fprintf(os.Stderr, "paused after %d rows\n", done)
			time.Sleep(time.Hour)
		}
		return nil
	}
}
