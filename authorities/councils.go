package authorities

import (
	"bytes"
	_ "embed"
)

// ukCouncils is a copy of mySociety's "UK Local Authority Names and Codes"
// (https://github.com/mysociety/uk_local_authority_names_and_codes), by
// mySociety, licensed under CC BY 4.0
// (https://creativecommons.org/licenses/by/4.0/). It is shipped unchanged so
// a new user can import every UK council without finding the file first.
//
//go:embed data/uk_local_authorities.csv
var ukCouncils []byte

// UKCouncilsFile is the name problems and notes about the embedded list use.
const UKCouncilsFile = "uk-councils (embedded mySociety list)"

// UKCouncilsCredit is the attribution the licence asks for.
const UKCouncilsCredit = `UK council list: "UK Local Authority Names and Codes" by mySociety,
https://github.com/mysociety/uk_local_authority_names_and_codes,
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).`

// UKCouncils parses the embedded council list: every current UK council
// except those in Abolished, with addresses from emails when not nil.
func UKCouncils(emails *Emails) (*Import, error) {
	return Parse(UKCouncilsFile, bytes.NewReader(ukCouncils), emails)
}
