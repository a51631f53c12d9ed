// Package ref is the request reference scheme. A reference is a short
// token that travels in the subject ("[ref: TOKEN]"), in our Message-ID and
// in the Reply-To plus-address, so a reply can be tied back to its request. It is seven random symbols from
// Crockford's base32 alphabet (no I, L, O or U, so it survives being read
// aloud or retyped) and a Luhn mod 32 check symbol, which catches every
// single mistyped symbol and most swaps of neighbours.
package ref

import (
	"crypto/rand"
	"fmt"
	"strings"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Len is the length of a reference token, check symbol included.
const Len = 8

func value(c byte) int {
	return strings.IndexByte(alphabet, c)
}

// check computes the Luhn mod N check symbol for payload.
func check(payload string) byte {
	factor, sum, n := 2, 0, len(alphabet)
	for i := len(payload) - 1; i >= 0; i-- {
		add := factor * value(payload[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += add/n + add%n
	}
	return alphabet[(n-sum%n)%n]
}

// New returns a fresh random reference token. Uniqueness is enforced by
// the requests table; callers retry on collision.
func New() string {
	var b [Len - 1]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	out := make([]byte, 0, Len)
	for _, x := range b {
		out = append(out, alphabet[int(x)%len(alphabet)])
	}
	return string(append(out, check(string(out))))
}

// Normalize upper-cases a token and maps the characters Crockford's
// alphabet leaves out to the ones people mean by them (O→0, I/L→1).
func Normalize(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(s)
}

// Valid reports whether s (after Normalize) is a well-formed token whose
// check symbol matches.
func Valid(s string) bool {
	s = Normalize(s)
	if len(s) != Len {
		return false
	}
	for i := 0; i < len(s); i++ {
		if value(s[i]) < 0 {
			return false
		}
	}
	return check(s[:Len-1]) == s[Len-1]
}

// Candidates returns the tokens one substitution away from s that carry a
// valid check symbol: what s might have been before a single typo. Matching
// accepts a candidate only when exactly one of them is a known request.
func Candidates(s string) []string {
	s = Normalize(s)
	if len(s) != Len {
		return nil
	}
	var out []string
	b := []byte(s)
	for i := range b {
		orig := b[i]
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == orig {
				continue
			}
			b[i] = alphabet[j]
			if Valid(string(b)) {
				out = append(out, string(b))
			}
		}
		b[i] = orig
	}
	return out
}
