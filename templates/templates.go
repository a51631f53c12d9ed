// Package templates holds foidesk's letters: embedded text/template files,
// each a "Subject:" line, a blank line, then the body. A user directory can
// override a shipped letter or add new ones by name, so a campaigner can
// reword a request without a new release. Rendering fails on any missing
// key: a letter that would go out with a gap in it is never sent.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"
)

//go:embed letters/*.tmpl
var embedded embed.FS

// Ext is the file extension of a letter template, in the embedded set and in
// a user directory alike.
const Ext = ".tmpl"

// Letter is a rendered template: the subject line and the plain-text body.
type Letter struct {
	Subject string
	Body    string
}

// Set is the letters available to a campaign: the shipped ones, overridden
// or extended by a user directory.
type Set struct {
	tmpls  map[string]*template.Template
	source map[string]string // name → where it came from, for messages
	// broken holds the user files that do not parse, by letter name: each
	// fails the letters that use it, and only those.
	broken map[string]error
}

// Load reads the embedded letters and then, when dir is not empty, every
// *.tmpl file in dir; a user file replaces the shipped letter of the same
// name. A user file that does not parse makes its own letter an error
// naming the file (Check, Render) and leaves the others usable.
func Load(dir string) (*Set, error) {
	s := &Set{tmpls: map[string]*template.Template{}, source: map[string]string{}, broken: map[string]error{}}
	if err := s.addFS(embedded, "letters", "built-in "); err != nil {
		return nil, err
	}
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("templates dir: %w", err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("templates dir %s is not a directory", dir)
		}
		if err := s.addFS(os.DirFS(dir), ".", dir+string(filepath.Separator)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) addFS(fsys fs.FS, root, label string) error {
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return fmt.Errorf("read templates in %s: %w", label, err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), Ext) {
			continue
		}
		name := strings.TrimSuffix(e.Name(), Ext)
		b, err := fs.ReadFile(fsys, pathJoin(root, e.Name()))
		if err != nil {
			return fmt.Errorf("read template %s%s: %w", label, e.Name(), err)
		}
		t, err := Parse(name, string(b))
		if err != nil {
			if root == "letters" { // a built-in letter: foidesk itself is wrong
				return fmt.Errorf("template %s%s: %w", label, e.Name(), err)
			}
			s.broken[name] = fmt.Errorf("template %s%s: %w", label, e.Name(), err)
			s.source[name] = label + e.Name()
			delete(s.tmpls, name)
			continue
		}
		delete(s.broken, name)
		s.tmpls[name] = t
		s.source[name] = label + e.Name()
	}
	return nil
}

func pathJoin(root, name string) string {
	if root == "." {
		return name
	}
	return root + "/" + name
}

// Parse parses one letter. The text must start with a "Subject:" line
// followed by a blank line; both parts are template text.
func Parse(name, text string) (*template.Template, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	head, _, ok := strings.Cut(text, "\n\n")
	if !ok || !strings.HasPrefix(head, "Subject:") || strings.Contains(head, "\n") {
		return nil, errors.New(`a letter must start with one "Subject: …" line, then a blank line, then the body`)
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs).Parse(text)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Names lists the available letters.
func (s *Set) Names() []string {
	var out []string
	for n := range s.tmpls {
		out = append(out, n)
	}
	for n := range s.broken {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether a letter of that name exists.
func (s *Set) Has(name string) bool {
	_, ok := s.tmpls[name]
	_, bad := s.broken[name]
	return ok || bad
}

// ErrFollowUp is returned by Check for a letter that follows up a request
// already sent (it states when the request was sent, or was due): it
// cannot start a campaign.
var ErrFollowUp = errors.New("the letter follows up a request already sent")

// Check renders letter name for a made-up authority and requester, as a
// new request: a template error shows now, when the campaign is created,
// and not first when it is sent. A letter that renders only once it knows
// when the request was sent and due is ErrFollowUp.
func (s *Set) Check(name string) error {
	d := Data{
		Authority: Authority{Name: "Example Council", Code: "EXA", Nation: "England", Regime: "foia"},
		Requester: Requester{Name: "A Requester", Email: "requester@example.org"},
		Campaign:  "check", Ref: "0000000", Today: time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC),
	}
	_, err := s.Render(name, d, "")
	if err == nil {
		return nil
	}
	d.Sent, d.Due = d.Today.AddDate(0, -2, 0), d.Today.AddDate(0, -1, 0)
	if _, err2 := s.Render(name, d, ""); err2 == nil {
		return fmt.Errorf("%w: %s (%s) uses the date the request was sent or was due", ErrFollowUp, name, s.source[name])
	}
	return err
}

// Source says where a letter came from (the built-in set or a user file).
func (s *Set) Source(name string) string { return s.source[name] }

// ErrUnknownTemplate is returned for a name no letter has.
var ErrUnknownTemplate = errors.New("unknown template")

// containsName reports whether the body states name, whatever its case
// and however its words are spaced or wrapped.
func containsName(body, name string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return strings.Contains(norm(body), norm(name))
}

// Render fills letter name with d. subjectOverride, when not empty, is
// template text that replaces the letter's own Subject line (a campaign's
// --subject). Any key the letter uses that d lacks is an error, as is an
// empty subject or body.
func (s *Set) Render(name string, d Data, subjectOverride string) (Letter, error) {
	if err, bad := s.broken[name]; bad {
		return Letter{}, err
	}
	t, ok := s.tmpls[name]
	if !ok {
		return Letter{}, fmt.Errorf("%w %q (have: %s)", ErrUnknownTemplate, name, strings.Join(s.Names(), ", "))
	}
	if err := d.validate(); err != nil {
		return Letter{}, err
	}
	data := d.values()
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return Letter{}, fmt.Errorf("render %s: %w", name, err)
	}
	out := strings.ReplaceAll(buf.String(), "\r\n", "\n")
	head, body, _ := strings.Cut(out, "\n\n")
	subject := strings.TrimSpace(strings.TrimPrefix(head, "Subject:"))
	if subjectOverride != "" {
		st, err := template.New(name + " subject").Option("missingkey=error").Funcs(funcs).Parse(subjectOverride)
		if err != nil {
			return Letter{}, fmt.Errorf("subject %q: %w", subjectOverride, err)
		}
		var sb bytes.Buffer
		if err := st.Execute(&sb, data); err != nil {
			return Letter{}, fmt.Errorf("subject %q: %w", subjectOverride, err)
		}
		subject = strings.TrimSpace(sb.String())
	}
	if strings.ContainsAny(subject, "\r\n") {
		return Letter{}, fmt.Errorf("render %s: the subject must be one line", name)
	}
	body = strings.TrimSpace(body) + "\n"
	if subject == "" || body == "\n" {
		return Letter{}, fmt.Errorf("render %s: empty subject or body", name)
	}
	if !containsName(body, d.Requester.Name) {
		return Letter{}, fmt.Errorf("render %s: the letter does not state the requester's name %q: a request is valid only when it does (FOIA 2000 s.8(1)(b), FOISA 2002 s.8(1)(b)), in the letter and not only in its From: line; sign it with {{.Requester.Name}}", name, strings.TrimSpace(d.Requester.Name))
	}
	return Letter{Subject: subject, Body: body}, nil
}
