package web

import (
	"net/url"
	"strings"
)

// safeNext is where to go after signing in: next when it is a path on
// this site, else "/". Anything that a browser could read as another
// host (//evil.example, /\evil.example, https://…, a scheme or control
// characters) is refused, so the sign-in page is no open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	if u.Path == "/login" {
		return "/"
	}
	return next
}
