package user

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules. Length is the one rule that matters against guessing;
// the upper bound only stops a megabyte "password" from costing a hash.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// ErrShortPassword is returned for a password under MinPasswordLen
// characters.
var ErrShortPassword = fmt.Errorf("a password must be at least %d characters long", MinPasswordLen)

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return ErrShortPassword
	}
	if len(pw) > MaxPasswordLen {
		return fmt.Errorf("a password must be at most %d bytes long", MaxPasswordLen)
	}
	return nil
}

// Params are argon2id's cost settings. They travel inside every stored
// hash, so raising them later leaves old hashes verifiable.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams is OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane):
// tens of milliseconds per sign-in on a small server.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns pw's argon2id hash in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func hashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash: a stored hash foidesk cannot read.
var errBadHash = errors.New("stored password hash is not an argon2id PHC string")

// verifyPassword reports whether pw matches encoded, recomputing the hash
// with the parameters stored in it and comparing in constant time.
func verifyPassword(pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || p.Time == 0 || p.Threads == 0 {
		return false, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the name is unknown, so that a
// sign-in for a user who does not exist costs as long as one who does.
// It is made on first use, not at start-up.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword("no user has this password", DefaultParams)
	if err != nil {
		panic(err)
	}
	return h
})
