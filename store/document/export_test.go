package document

// CandidatesQuery is the SQL and arguments Candidates runs, for the test
// of its query plan.
var CandidatesQuery = candidatesQuery

// ListQuery is the SQL and arguments a page of List or Each runs, for the
// test of its query plan.
var ListQuery = listQuery
