package store

// EventsQuery is the SQL and arguments Events runs, for the tests of its
// query plan.
var EventsQuery = eventsQuery
