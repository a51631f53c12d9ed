package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
)

// Migration 0170 bands the signatures already stored, with the keys
// store/document computes for a lookup.
func TestBandsBackfilled(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "foidesk.db")
	foundationAt(t, path, 140)
	db, err := sql.Open("sqlite", store.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 4*document.Bands*document.Rows)
	for i := range sig {
		sig[i] = byte(i*7 + i/5)
	}
	for i, m := range [][]byte{sig, nil, sig[:12]} {
		if _, err := db.ExecContext(ctx, `INSERT INTO documents (id, origin, sha256, status, minhash, extracted_at, created_at) VALUES (?, 'attachment', ?, 'ok', ?, 'x', 'x')`,
			i+1, string(rune('a'+i)), m); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().QueryContext(ctx, `SELECT band, hash, document_id FROM document_bands ORDER BY band`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := document.BandKeys(sig)
	n := 0
	for rows.Next() {
		var band int
		var hash []byte
		var id int64
		if err := rows.Scan(&band, &hash, &id); err != nil {
			t.Fatal(err)
		}
		if band != n || id != 1 || string(hash) != string(want[band]) {
			t.Fatalf("row %d: band %d hash %x document %d, want band %d hash %x document 1", n, band, hash, id, n, want[n])
		}
		n++
	}
	if n != document.Bands {
		t.Fatalf("%d bands backfilled, want %d", n, document.Bands)
	}
}
