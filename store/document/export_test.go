package document

// CandidatesQuery is the SQL and arguments Candidates runs, for the test
// of its query plan.
var CandidatesQuery = candidatesQuery
