package ingest

import (
	"net/mail"
	"regexp"
	"strings"
)

var (
	msgIDRe = regexp.MustCompile(`<([^<>\s]+@[^<>\s]+)>`)
	addrRe  = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)
)

// looseMsgIDs finds Message-IDs in a header a strict parser rejected:
// council case systems write References and In-Reply-To in many ways.
func looseMsgIDs(v string) []string {
	var out []string
	for _, m := range msgIDRe.FindAllStringSubmatch(v, 50) {
		out = append(out, m[1])
	}
	return out
}

// looseAddress returns the first address-like thing in a header value.
func looseAddress(v string) string {
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	return addrRe.FindString(v)
}

// addressesIn returns every address in a header value, lower-cased.
func addressesIn(v string) []string {
	if v == "" {
		return nil
	}
	if list, err := mail.ParseAddressList(v); err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	var out []string
	for _, a := range addrRe.FindAllString(v, 100) {
		out = append(out, strings.ToLower(a))
	}
	return out
}
