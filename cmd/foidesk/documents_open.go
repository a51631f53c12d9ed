package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"

	"foidesk/blob"
	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:     "documents open",
		synopsis: "ID [--save DIR]",
		summary:  "save a document's original file, as the authority sent it",
		help: `Writes the file a document was extracted from, byte for byte as it arrived,
into DIR (--save) under its attachment's file name made safe: no directory
parts, no leading dot, no control characters, at most 200 bytes, extension
kept; "name (2).pdf" and so on when the name is taken. The file appears whole
or not at all. The path written is printed.

Without --save the bytes go to standard output, which must then be a file or
a pipe (e.g. '> policy.pdf' or '| xdg-open'), never a terminal.`,
		args: 1,
	}, documentsOpen))
}

type documentsOpenFlags struct {
	save string
}

func (f *documentsOpenFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.save, "save", "", "write the file into `DIR` and print its path")
}

// documentsOpen writes document ID's original file into the --save
// directory, or to standard output when that is not a terminal.
func documentsOpen(ctx context.Context, e *env, f *documentsOpenFlags, args []string) error {
	id, err := documentIDArg(args[0])
	if err != nil {
		return err
	}
	if f.save == "" && isTerminal(e.stdout) {
		return usagef("document %d is a file, not text for the terminal: use --save DIR, or redirect standard output to a file", id)
	}
	if f.save != "" {
		if fi, err := os.Stat(f.save); err != nil || !fi.IsDir() {
			return usagef("--save %q is not a directory", f.save)
		}
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	d, _, err := st.documents.Get(ctx, id)
	if err != nil {
		return notFoundHint(err, "foidesk documents list")
	}
	if d.Origin != document.FromAttachment {
		msg := "a message's body"
		if len(d.Sources) > 0 {
			msg = fmt.Sprintf("the body of message %d, not a file: see 'foidesk messages show %d' (--raw for the message as received)", d.Sources[0].MessageID, d.Sources[0].MessageID)
		}
		return fmt.Errorf("document %d is %s", id, msg)
	}
	blobs := blob.Store{Dir: cfg.Store.DataDir}
	what := fmt.Sprintf("the original file of document %d", id)
	if f.save == "" {
		return copyBlob(e.stdout, blobs, d.SHA256, what)
	}
	name := ""
	for _, s := range d.Sources {
		if s.AttachmentID != 0 && s.Filename != "" {
			name = s.Filename
			break
		}
	}
	path, err := saveBlob(blobs, d.SHA256, f.save, safeFilename(name, fmt.Sprintf("document-%d", id), d.Type), what)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, path)
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// copyBlob writes blob sum to w, checking on the way that it still has
// the content it is named after. what names it in errors.
func copyBlob(w io.Writer, blobs blob.Store, sum, what string) error {
	r, err := blobs.Open(sum)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s is missing from the data directory: %s not found", what, blobs.Path(sum))
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), r); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("%s is damaged: %s has sha256 %s", what, blobs.Path(sum), got)
	}
	return nil
}

// saveBlob writes blob sum into dir as name, or "name (2)" and so on when
// that is taken, through a temporary file linked into place only once it
// is complete and checked, so no half-written file ever has the name and
// no existing file is overwritten. It returns the path written.
func saveBlob(blobs blob.Store, sum, dir, name, what string) (string, error) {
	tmp, err := os.CreateTemp(dir, ".foidesk-save-*")
	if err != nil {
		return "", fmt.Errorf("save %s: %w", what, err)
	}
	defer os.Remove(tmp.Name())
	if err := copyBlob(tmp, blobs, sum, what); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("save %s: %w", what, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("save %s: %w", what, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("save %s: %w", what, err)
	}
	stem, ext := splitExt(name)
	for n := 1; n <= 1000; n++ {
		cand := name
		if n > 1 {
			cand = fmt.Sprintf("%s (%d)%s", stem, n, ext)
		}
		path := filepath.Join(dir, cand)
		err := os.Link(tmp.Name(), path)
		if err == nil {
			return path, nil
		}
		if errors.Is(err, os.ErrExist) {
			continue
		}
		// A file system without hard links: rename, after checking the
		// name is free.
		if _, serr := os.Lstat(path); serr == nil {
			continue
		}
		if rerr := os.Rename(tmp.Name(), path); rerr != nil {
			return "", fmt.Errorf("save %s as %s: %w", what, path, rerr)
		}
		return path, nil
	}
	return "", fmt.Errorf("save %s: %s and 999 numbered variants already exist in %s", what, name, dir)
}

// maxFilenameBytes caps a saved file's name, under every common file
// system's limit of 255 bytes, with room for " (999)".
const maxFilenameBytes = 200

// safeFilename makes an attachment's file name, chosen by whoever sent it,
// safe to create in a directory: only its last path element, path
// separators, control and invisible formatting characters removed, no
// leading dots or spaces (hidden files, "..") and no trailing ones, at most
// maxFilenameBytes with its extension kept. An empty result becomes
// fallback with an extension for the document's type.
func safeFilename(name, fallback, docType string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			b.WriteRune('_')
		case r == utf8.RuneError || unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ". _")
	s = strings.TrimRight(s, ". ")
	if s == "" {
		s = fallback
		if docType != "" && !strings.ContainsAny(docType, `/\.`) {
			s += "." + docType
		}
	}
	if len(s) <= maxFilenameBytes {
		return s
	}
	stem, ext := splitExt(s)
	if len(ext) > 16 {
		stem, ext = s, ""
	}
	limit := maxFilenameBytes - len(ext)
	for len(stem) > limit || !utf8.ValidString(stem) {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return strings.TrimRight(stem, ". ") + ext
}

// splitExt splits "policy.final.pdf" into "policy.final" and ".pdf".
func splitExt(name string) (string, string) {
	ext := filepath.Ext(name)
	if ext == name {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}
