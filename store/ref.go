package store

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// A request reference is a short token that travels in the subject
// ("[ref: TOKEN]"), in our Message-ID and in the Reply-To plus-address, so a
// reply can be tied back to its request. It is seven random symbols from
// Crockford's base32 alphabet (no I, L, O or U, so it survives being read
// aloud or retyped) and a Luhn mod 32 check symbol, which catches every
// single mistyped symbol and most swaps of neighbours.

const refAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// RefLen is the length of a reference token, check symbol included.
const RefLen = 8

func refValue(c byte) int {
	return strings.IndexByte(refAlphabet, c)
}

// refCheck computes the Luhn mod N check symbol for payload.
func refCheck(payload string) byte {
	factor, sum, n := 2, 0, len(refAlphabet)
	for i := len(payload) - 1; i >= 0; i-- {
		add := factor * refValue(payload[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += add/n + add%n
	}
	return refAlphabet[(n-sum%n)%n]
}

// NewRef returns a fresh random reference token. Uniqueness is enforced by
// the requests table; callers retry on collision.
func NewRef() string {
	var b [RefLen - 1]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	out := make([]byte, 0, RefLen)
	for _, x := range b {
		out = append(out, refAlphabet[int(x)%len(refAlphabet)])
	}
	return string(append(out, refCheck(string(out))))
}

// NormalizeRef upper-cases a token and maps the characters Crockford's
// alphabet leaves out to the ones people mean by them (O→0, I/L→1).
func NormalizeRef(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(s)
}

// ValidRef reports whether s (after NormalizeRef) is a well-formed token whose
// check symbol matches.
func ValidRef(s string) bool {
	s = NormalizeRef(s)
	if len(s) != RefLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if refValue(s[i]) < 0 {
			return false
		}
	}
	return refCheck(s[:RefLen-1]) == s[RefLen-1]
}

// RefCandidates returns the tokens one substitution away from s that carry a
// valid check symbol: what s might have been before a single typo. Matching
// accepts a candidate only when exactly one of them is a known request.
func RefCandidates(s string) []string {
	s = NormalizeRef(s)
	if len(s) != RefLen {
		return nil
	}
	var out []string
	b := []byte(s)
	for i := range b {
		orig := b[i]
		for j := 0; j < len(refAlphabet); j++ {
			if refAlphabet[j] == orig {
				continue
			}
			b[i] = refAlphabet[j]
			if ValidRef(string(b)) {
				out = append(out, string(b))
			}
		}
		b[i] = orig
	}
	return out
}
