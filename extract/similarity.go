package extract

import (
	"encoding/binary"
	"hash/fnv"
	"strings"
	"unicode"
)

// Near-duplicate detection: councils adopt model policies (from the LGA, a
// consortium, a neighbour) and send back the same text with their own name
// on it. Such documents are flagged "same model policy as …" so a reviewer
// reads the text once.
//
// Text is reduced to overlapping five-word shingles, and the shingle set to
// a MinHash signature: for each of 128 hash functions, the least hash over
// the shingles. The share of equal positions in two signatures estimates
// the Jaccard similarity of the shingle sets (±0.04 at 128 functions).
const (
	shingleWords  = 5
	minhashSize   = 128
	minShingles   = 50  // shorter texts are letters, not policies: not compared
	SimilarEnough = 0.9 // the threshold for "same model policy"
)

// MinHash returns the signature of text, or nil when it has too few words
// to compare meaningfully.
func MinHash(text string) []byte {
	shingles := shingleSet(text)
	if shingles == nil {
		return nil
	}
	sig := make([]uint64, minhashSize)
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for base := range shingles {
		for j := range sig {
			if v := mix(base, uint64(j)); v < sig[j] {
				sig[j] = v
			}
		}
	}
	out := make([]byte, 4*minhashSize)
	for j, v := range sig {
		binary.LittleEndian.PutUint32(out[4*j:], uint32(v>>32))
	}
	return out
}

// shingleSet is text's set of five-word shingle hashes, or nil when it has
// too few words to compare meaningfully.
func shingleSet(text string) map[uint64]bool {
	words := strings.FieldsFunc(strings.ToLower(Normalize(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words)-shingleWords+1 < minShingles {
		return nil
	}
	seen := map[uint64]bool{}
	for i := 0; i+shingleWords <= len(words); i++ {
		h := fnv.New64a()
		for _, w := range words[i : i+shingleWords] {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
		seen[h.Sum64()] = true
	}
	return seen
}

// mix derives the j-th hash of x (splitmix64 finaliser over x and j).
func mix(x, j uint64) uint64 {
	z := x + (j+1)*0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Similarity estimates the Jaccard similarity of two signatures' texts.
func Similarity(a, b []byte) float64 {
	if len(a) != 4*minhashSize || len(b) != len(a) {
		return 0
	}
	eq := 0
	for j := 0; j < minhashSize; j++ {
		if binary.LittleEndian.Uint32(a[4*j:]) == binary.LittleEndian.Uint32(b[4*j:]) {
			eq++
		}
	}
	return float64(eq) / minhashSize
}

// WordCount counts words as the review queue's "substantive" test does.
func WordCount(text string) int {
	return len(strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
}
