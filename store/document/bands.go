package document

import (
	"context"
	"fmt"
	"strings"
)

// Near-duplicate candidates by locality-sensitive banding (migration
// 0170). A signature (extract.MinHash: 128 32-bit values) is cut into
// Bands bands of Rows values; each band's key is stored in
// document_bands, indexed on (band, hash), and kept in step with
// documents.minhash by triggers. A new document's candidates are the
// documents sharing at least one band key with it: Bands indexed lookups,
// whatever the number of stored documents. The caller then verifies each
// candidate by estimated Jaccard as before.
//
// Why 16 bands of 8. The textbook choice puts the S-curve's threshold,
// (1/b)^(1/r), at the similarity threshold (0.9): 8 bands of 16, say
// ((1/8)^(1/16) ≈ 0.88). But a pair right at 0.9 is then found only with
// probability 1-(1-0.9^16)^8 ≈ 0.81, so recall against today's
// exhaustive check would fall by a fifth at the threshold. The
// exhaustive check accepts a pair when at
// least 116 of the 128 values are equal (0.9 × 128 = 115.2), that is when
// at most 12 differ; 12 differing values can spoil at most 12 bands, so
// with 16 bands at least four are whole and the pair always shares a key.
// Recall against the exhaustive check is therefore exact, not merely
// likely, and precision is the same because the same verification
// decides. The price is the S-curve's midpoint at (1/16)^(1/8) ≈ 0.71:
// many pairs of Jaccard 0.7 to 0.9 become candidates and are rejected by the
// verification. A pair of Jaccard j shares a band with probability
// 1-(1-j^8)^16: 0.49 at 0.67, 0.001 at 0.3, nothing to speak of for
// unrelated policies (j near 0).
//
// A key is the low two bytes of each of the band's 8 values (16 bytes): a
// key shared by values that differ is only an extra candidate, rejected
// by the verification; equal values always share it.
const (
	Bands = 16
	Rows  = 8
)

// signatureBytes is the length of a banded signature.
const signatureBytes = 4 * Bands * Rows

// BandKeys returns a signature's band keys, as migration 0170's triggers
// compute them, or nil when it is not a 128-value signature.
func BandKeys(minhash []byte) [][]byte {
	if len(minhash) != signatureBytes {
		return nil
	}
	keys := make([][]byte, Bands)
	for b := range keys {
		k := make([]byte, 0, 2*Rows)
		for r := 0; r < Rows; r++ {
			off := 4 * (b*Rows + r)
			k = append(k, minhash[off], minhash[off+1])
		}
		keys[b] = k
	}
	return keys
}

// Candidates lists the documents whose signature shares a band key with
// minhash, with the authorities they came from: the only ones that can
// reach extract's similarity threshold. It reads Bands index ranges, not
// the corpus.
func (s *Store) Candidates(ctx context.Context, minhash []byte) ([]Signature, error) {
	keys := BandKeys(minhash)
	if keys == nil {
		return nil, nil
	}
	q, args := candidatesQuery(keys)
	out, err := scanSignatures(s.core.DB().QueryContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("find near-duplicate candidates: %w", err)
	}
	return out, nil
}

// candidatesQuery is Candidates' SQL for a signature's band keys: one
// index range per band.
func candidatesQuery(keys [][]byte) (string, []any) {
	parts := make([]string, len(keys))
	args := make([]any, 0, 2*len(keys))
	for b, k := range keys {
		parts[b] = `SELECT document_id FROM document_bands WHERE band = ? AND hash = ?`
		args = append(args, b, k)
	}
	return signatureSelect + `WHERE d.id IN (` + strings.Join(parts, " UNION ") + `) GROUP BY d.id ORDER BY d.id`, args
}
