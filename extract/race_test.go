//go:build race

package extract

// raceEnabled: under -race a worker's address-space limit trips the race
// runtime's own reservations first, so a runaway allocation dies with a
// different message (still contained).
const raceEnabled = true
