package ingest

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"unicode/utf16"

	"foidesk/store/mail"
)

// TNEF (application/ms-tnef, "winmail.dat") is how Outlook and Exchange
// wrap attachments when they send rich text. Councils running Exchange send
// it more often than anyone would like. This reader understands the part of
// the format that carries files: attachment start, title, data and the MAPI
// long filename, and streams each file's data straight into the blob store.

const (
	tnefSignature     = 0x223E9F78
	attAttachRendData = 0x00069002
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
	attAttachment     = 0x00069005
	levelAttachment   = 0x02
	maxTNEFAttribute  = 16 << 20 // non-data attributes are read into memory
)

func isTNEF(ct, filename string) bool {
	return ct == "application/ms-tnef" || ct == "application/vnd.ms-tnef" || strings.EqualFold(filename, "winmail.dat")
}

type tnefFile struct {
	title, long string
	sum         string
	size        int64
	has         bool
}

// tnef unpacks a winmail.dat part. The part itself is stored first, then
// read back from the blob store; if it holds no files (not TNEF after all,
// or damaged), the part stays an attachment as it is.
func (p *parser) tnef(r io.Reader, partPath, filename string) error {
	if filename == "" {
		filename = "winmail.dat"
	}
	if err := p.attach(r, false, partPath, filename, "application/ms-tnef"); err != nil {
		return err
	}
	idx := len(p.out.Attachments) - 1
	var src io.Reader
	if p.noBlob {
		src = strings.NewReader(p.lastRaw)
	} else {
		f, err := p.blobs.Open(p.out.Attachments[idx].SHA256)
		if err != nil {
			return &fsError{err}
		}
		defer f.Close()
		src = f
	}
	files, err := p.readTNEF(bufio.NewReader(src))
	var fe *fsError
	if errors.As(err, &fe) {
		return err
	}
	found := 0
	for _, f := range files {
		if f.has {
			found++
		}
	}
	if found == 0 {
		if err != nil {
			p.problem("TNEF part %s: %v; kept as %s", orTop(partPath), err, filename)
		}
		return nil
	}
	if err != nil {
		p.problem("TNEF part %s: %v", orTop(partPath), err)
	}
	p.out.Attachments = p.out.Attachments[:idx]
	for i, f := range files {
		if !f.has {
			continue
		}
		name := f.long
		if name == "" {
			name = f.title
		}
		ct := mime.TypeByExtension(strings.ToLower(path.Ext(name)))
		if i := strings.IndexByte(ct, ';'); i >= 0 {
			ct = ct[:i]
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		p.out.Attachments = append(p.out.Attachments, mail.NewAttachment{
			Part: fmt.Sprintf("%s.tnef.%d", orTop(partPath), i+1), Filename: name, ContentType: ct, Size: f.size, SHA256: f.sum})
	}
	return nil
}

func (p *parser) readTNEF(r *bufio.Reader) ([]tnefFile, error) {
	var hdr [6]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("too short for TNEF: %w", err)
	}
	if binary.LittleEndian.Uint32(hdr[:4]) != tnefSignature {
		return nil, errors.New("no TNEF signature")
	}
	var files []tnefFile
	cur := -1
	for {
		var obj [9]byte
		if _, err := io.ReadFull(r, obj[:]); err != nil {
			if err == io.EOF {
				return files, nil
			}
			return files, fmt.Errorf("truncated TNEF attribute: %w", err)
		}
		level := obj[0]
		id := binary.LittleEndian.Uint32(obj[1:5])
		n := int64(binary.LittleEndian.Uint32(obj[5:9]))
		if level == levelAttachment && id == attAttachRendData {
			files = append(files, tnefFile{})
			cur = len(files) - 1
		}
		switch {
		case level == levelAttachment && id == attAttachData && cur >= 0:
			if p.noBlob {
				m, err := io.CopyN(io.Discard, r, n)
				files[cur].size, files[cur].has = m, true
				if err != nil {
					return files, fmt.Errorf("truncated TNEF file data: %w", err)
				}
				break
			}
			w, err := p.blobs.Create()
			if err != nil {
				return files, &fsError{err}
			}
			if _, err := io.CopyN(fsWriter{w}, r, n); err != nil {
				w.Abort()
				var fe *fsError
				if errors.As(err, &fe) {
					return files, err
				}
				return files, fmt.Errorf("truncated TNEF file data: %w", err)
			}
			sum, size, err := w.Commit()
			if err != nil {
				return files, &fsError{err}
			}
			files[cur].sum, files[cur].size, files[cur].has = sum, size, true
		case n > maxTNEFAttribute:
			if _, err := io.CopyN(io.Discard, r, n); err != nil {
				return files, fmt.Errorf("truncated TNEF attribute: %w", err)
			}
		default:
			data := make([]byte, n)
			if _, err := io.ReadFull(r, data); err != nil {
				return files, fmt.Errorf("truncated TNEF attribute: %w", err)
			}
			if level == levelAttachment && cur >= 0 {
				switch id {
				case attAttachTitle:
					files[cur].title = strings.TrimRight(string(data), "\x00")
				case attAttachment:
					if name := mapiLongFilename(data); name != "" {
						files[cur].long = name
					}
				}
			}
		}
		var sum [2]byte
		if _, err := io.ReadFull(r, sum[:]); err != nil {
			return files, fmt.Errorf("truncated TNEF checksum: %w", err)
		}
	}
}

// mapiLongFilename finds PR_ATTACH_LONG_FILENAME (0x3707) in a MAPI property
// list; any structure it does not understand ends the search.
func mapiLongFilename(b []byte) string {
	rd := &tnefBytes{b: b}
	count := rd.u32()
	for i := uint32(0); i < count && rd.ok(); i++ {
		typ := rd.u16()
		id := rd.u16()
		if id >= 0x8000 { // named property
			rd.skip(16)
			kind := rd.u32()
			if kind == 0 {
				rd.skip(4)
			} else {
				l := rd.u32()
				rd.skip(pad4(int(l)))
			}
		}
		multi := typ&0x1000 != 0
		base := typ &^ 0x1000
		vals := uint32(1)
		if multi {
			vals = rd.u32()
		}
		for v := uint32(0); v < vals && rd.ok(); v++ {
			switch base {
			case 0x1E, 0x1F, 0x102, 0x0D:
				if !multi {
					if c := rd.u32(); c != 1 {
						vals = c
					}
				}
				l := int(rd.u32())
				data := rd.take(l)
				rd.skip(pad4(l) - l)
				if id == 0x3707 && data != nil {
					if base == 0x1F {
						return utf16String(data)
					}
					return strings.TrimRight(string(data), "\x00")
				}
			case 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x01:
				rd.skip(4)
			case 0x05, 0x06, 0x07, 0x14, 0x40:
				rd.skip(8)
			case 0x48:
				rd.skip(16)
			default:
				return ""
			}
		}
	}
	return ""
}

func pad4(n int) int { return (n + 3) &^ 3 }

type tnefBytes struct {
	b   []byte
	off int
	bad bool
}

func (t *tnefBytes) ok() bool { return !t.bad && t.off <= len(t.b) }
func (t *tnefBytes) take(n int) []byte {
	if n < 0 || t.off < 0 || t.off+n > len(t.b) {
		t.bad = true
		return nil
	}
	out := t.b[t.off : t.off+n]
	t.off += n
	return out
}
func (t *tnefBytes) skip(n int) { t.take(n) }
func (t *tnefBytes) u16() uint16 {
	b := t.take(2)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}
func (t *tnefBytes) u32() uint32 {
	b := t.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}
