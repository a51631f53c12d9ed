package extract

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
)

// readZipMember reads one member of an Office package or archive, refusing
// it when it would expand past the per-member limit or its compression
// ratio is that of a bomb. The declared size is checked first and the read
// is bounded too, because a hostile zip can lie about sizes.
func readZipMember(f *zip.File, lim Limits) ([]byte, error) {
	if err := checkZipMember(f, lim); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, lim.MaxEntryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", f.Name, err)
	}
	if n > lim.MaxEntryBytes {
		return nil, &limitError{fmt.Sprintf("%s expands past the %d-byte limit", f.Name, lim.MaxEntryBytes)}
	}
	return buf.Bytes(), nil
}

func checkZipMember(f *zip.File, lim Limits) error {
	if f.UncompressedSize64 > uint64(lim.MaxEntryBytes) {
		return &limitError{fmt.Sprintf("%s would expand to %d bytes, over the %d-byte limit", f.Name, f.UncompressedSize64, lim.MaxEntryBytes)}
	}
	if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > f.CompressedSize64*uint64(lim.MaxRatio) {
		return &limitError{fmt.Sprintf("%s would expand %d:1 (limit %d:1): a zip bomb", f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), lim.MaxRatio)}
	}
	return nil
}

// limitError is a file stopped by a safety limit (zip bomb, nesting); the
// message says which.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }

// openZip opens data as a zip, with a reason for people when it is not one.
func openZip(data []byte, lim Limits) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("damaged zip container: %v", err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, &limitError{fmt.Sprintf("%d entries, over the %d-entry limit", len(zr.File), lim.MaxEntries)}
	}
	return zr, nil
}

func zipFiles(zr *zip.Reader) map[string]*zip.File {
	m := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		m[f.Name] = f
	}
	return m
}
