package campaign

// RequestPageQuery is the SQL and arguments a page of EachRequest runs,
// for the test of its query plan.
var RequestPageQuery = requestPageQuery
