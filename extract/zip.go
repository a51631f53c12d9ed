package extract

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// extractZip extracts each member of a zip as a file of its own, within
// limits on entries, per-member size and ratio, total size across nesting,
// and depth. A limit stops the zip: it is failed with the limit named, and
// what was extracted before is kept.
func (x *Extractor) extractZip(ctx context.Context, p, name string, depth int) (Result, error) {
	lim := x.opts.Limits
	ctx, bud := budgetFrom(ctx, lim.MaxTotalBytes)
	res := Result{Type: TypeZip, Engine: EngineGo}
	if depth >= lim.MaxDepth {
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("containers nested more than %d deep: stopped (a zip bomb or a mistake)", lim.MaxDepth)
		return res, nil
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return failed(TypeZip, "damaged zip: %v", err), nil
	}
	defer zr.Close()
	if len(zr.File) > lim.MaxEntries {
		return failed(TypeZip, "zip has %d entries, over the %d-entry limit: not extracted", len(zr.File), lim.MaxEntries), nil
	}
	tmp, err := os.MkdirTemp("", "foidesk-zip-")
	if err != nil {
		return Result{}, fmt.Errorf("extract zip: %w", err)
	}
	defer os.RemoveAll(tmp)
	anyOK := false
	for i, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") || path.Base(f.Name) == ".DS_Store" {
			continue
		}
		m := Member{Path: f.Name}
		var stop error
		switch {
		case f.Flags&1 != 0:
			m.Status, m.Reason = StatusEncrypted, "the zip entry is password protected"
		default:
			if err := checkZipMember(f, lim); err != nil {
				stop = err
				break
			}
			if !bud.take(int64(f.UncompressedSize64)) {
				stop = &limitError{fmt.Sprintf("more than %d bytes uncompressed in total", lim.MaxTotalBytes)}
				break
			}
			file := fmt.Sprintf("%s/%d", tmp, i)
			if err := copyZipMember(f, file, lim.MaxEntryBytes); err != nil {
				var le *limitError
				if errors.As(err, &le) {
					stop = err
					break
				}
				m.Status, m.Reason = StatusFailed, err.Error()
				break
			}
			sub, err := x.extractPath(ctx, file, name+"/"+f.Name, depth+1)
			os.Remove(file)
			if err != nil {
				return Result{}, err
			}
			m.Type, m.Status, m.Reason, m.Engine, m.Pages = sub.Type, sub.Status, sub.Reason, sub.Engine, len(sub.Pages)
			for _, pg := range sub.Pages {
				pg.Origin = joinOrigin(f.Name, pg.Origin)
				pg.Number = len(res.Pages) + 1
				res.Pages = append(res.Pages, pg)
			}
			for _, sm := range sub.Members {
				sm.Path = f.Name + "/" + sm.Path
				res.Members = append(res.Members, sm)
			}
			res.Timings.Workers += sub.Timings.Workers
			res.Timings.OCR += sub.Timings.OCR
		}
		if stop != nil {
			m.Status, m.Reason = StatusFailed, "stopped: "+stop.Error()
			res.Members = append(res.Members, m)
			res.Status = StatusFailed
			res.Reason = fmt.Sprintf("zip extraction stopped at %s: %v", f.Name, stop)
			return res, nil
		}
		if m.Status == StatusOK {
			anyOK = true
		}
		res.Members = append(res.Members, m)
	}
	switch {
	case len(res.Members) == 0:
		res.Status, res.Reason = StatusOK, ""
		res.Notes = append(res.Notes, "the zip is empty")
	case anyOK:
		res.Status = StatusOK
		var bad []string
		for _, m := range res.Members {
			if m.Status != StatusOK {
				bad = append(bad, fmt.Sprintf("%s: %s (%s)", m.Path, m.Status, m.Reason))
			}
		}
		if len(bad) > 0 {
			res.Notes = append(res.Notes, "not every file in the zip was read: "+strings.Join(bad, "; "))
		}
	default:
		res.Status = res.Members[0].Status
		res.Reason = fmt.Sprintf("no file in the zip could be read; first: %s: %s", res.Members[0].Path, res.Members[0].Reason)
	}
	return res, nil
}

func joinOrigin(a, b string) string {
	if b == "" {
		return a
	}
	return a + "/" + b
}

// copyZipMember writes one member to a temp file, bounded.
func copyZipMember(f *zip.File, dst string, limit int64) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("damaged zip entry: %v", err)
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("damaged zip entry: %v", err)
	}
	if n > limit {
		return &limitError{fmt.Sprintf("%s expands past the %d-byte limit", f.Name, limit)}
	}
	return nil
}
