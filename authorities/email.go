package authorities

import "strings"

// addressProblem says in words what net/mail found wrong with an address,
// whose own messages ("no angle-addr", "missing @ in addr-spec") speak the
// grammar of RFC 5322 rather than a campaigner's language.
func addressProblem(addr string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "mail: ")
	switch {
	case strings.TrimSpace(addr) == "", strings.Contains(msg, "no address"):
		return "it is empty"
	case !strings.Contains(addr, "@"), strings.Contains(msg, "missing @"):
		return "it has no @"
	case strings.Contains(msg, "no angle-addr"), strings.Contains(msg, "expected single address"):
		return "it holds more than one address, or words beside the address"
	case strings.Contains(msg, "invalid string"), strings.Contains(msg, "unclosed"):
		return "it has a quote or bracket that is not closed"
	case strings.Contains(msg, "no domain"), strings.Contains(msg, "invalid domain"):
		return "what follows the @ is not a domain"
	case strings.Contains(msg, "invalid") || strings.Contains(msg, "expected"):
		return "it has a character an email address cannot hold (" + msg + ")"
	}
	return msg
}
