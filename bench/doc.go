// Package bench holds the whole-system scale benchmark (issue 11): it
// builds stores of 1,000, 10,000 and (with -scale.max 100000) 100,000
// requests through the store's own write paths, then times the built
// foidesk binary against each, as a user would run it, and prints a
// Markdown table of wall time, cost per item and peak resident memory.
//
//	go test ./bench -run '^$' -bench Scale -benchtime 5x -timeout 2h -scale.max 100000
//
// The package has no code outside its tests; `go test ./...` builds it
// and runs nothing, since benchmarks run only with -bench.
package bench
