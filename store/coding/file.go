package coding

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// A codebook file is TOML, for people who prefer editing a file to the
// codebook page:
//
//	choice = "single"        # or "multiple"
//	double_coding = false
//	keywords = ["record", "consent"]
//
//	[[label]]
//	name = "no-policy"
//	description = "No policy on recording."
//	key = "1"
//
//	[[rule]]
//	keywords = ["consent", "record"]
//	label = "consent-required"
//
// Labels and rules keep the file's order.

type fileLabel struct {
	Name        string `toml:"name"`
	Description string `toml:"description,omitempty"`
	Key         string `toml:"key,omitempty"`
}

type fileRule struct {
	Keywords []string `toml:"keywords"`
	Label    string   `toml:"label"`
}

type file struct {
	Choice       string      `toml:"choice"`
	DoubleCoding bool        `toml:"double_coding"`
	Keywords     []string    `toml:"keywords"`
	Labels       []fileLabel `toml:"label"`
	Rules        []fileRule  `toml:"rule"`
}

// TOML writes cb as a codebook file.
func (cb Codebook) TOML() []byte {
	f := file{Choice: cb.Choice, DoubleCoding: cb.DoubleCoding, Keywords: cb.Keywords}
	for _, l := range cb.Labels {
		f.Labels = append(f.Labels, fileLabel(l))
	}
	for _, r := range cb.Rules {
		f.Rules = append(f.Rules, fileRule(r))
	}
	var b bytes.Buffer
	b.WriteString("# A foidesk codebook. Set it with: foidesk codebook set CAMPAIGN FILE\n")
	b.WriteString("# choice: \"single\" (one label per document) or \"multiple\".\n")
	b.WriteString("# double_coding: each document coded by two reviewers independently.\n")
	b.WriteString("# A rule suggests its label when all of its keywords occur in a document.\n")
	b.WriteString("# Shortcut keys are one letter or digit; s, n and a are the review page's own.\n\n")
	enc := toml.NewEncoder(&b)
	enc.SetIndentTables(false)
	if err := enc.Encode(f); err != nil {
		panic(err) // a fixed struct of strings always encodes
	}
	return b.Bytes()
}

// ParseFile reads a codebook file named name and validates it. Every
// problem is reported on its own line as name:line: what is wrong.
func ParseFile(name string, data []byte) (Codebook, error) {
	var f file
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var strict *toml.StrictMissingError
		if errors.As(err, &strict) {
			var lines []string
			for _, e := range strict.Errors {
				row, _ := e.Position()
				lines = append(lines, fmt.Sprintf("%s:%d: unknown key %q", name, row, strings.Join(e.Key(), ".")))
			}
			return Codebook{}, errors.New(strings.Join(lines, "\n"))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return Codebook{}, fmt.Errorf("%s:%d: %s", name, row, strings.TrimPrefix(de.Error(), "toml: "))
		}
		return Codebook{}, fmt.Errorf("%s: %v", name, err)
	}
	if f.Choice == "" {
		f.Choice = Single
	}
	cb := Codebook{Choice: f.Choice, DoubleCoding: f.DoubleCoding, Keywords: f.Keywords}
	for _, l := range f.Labels {
		cb.Labels = append(cb.Labels, Label(l))
	}
	for _, r := range f.Rules {
		cb.Rules = append(cb.Rules, Rule(r))
	}
	if bad := cb.Validate(); len(bad) > 0 {
		return Codebook{}, FileErrors(name, data, bad)
	}
	return cb, nil
}

// FileErrors turns a codebook's problems into name:line errors, one a
// line, pointing at the key at fault in data (or its table's header).
func FileErrors(name string, data []byte, bad Invalid) error {
	lines := keyLines(data)
	var out []string
	for _, p := range bad {
		key := p.Field
		if p.Where != "" {
			kind, n, _ := strings.Cut(p.Where, " ")
			key = kind + "." + n + "." + p.Field
			if _, ok := lines[key]; !ok {
				key = kind + "." + n
			}
		}
		if line, ok := lines[key]; ok {
			out = append(out, fmt.Sprintf("%s:%d: %s", name, line, p.Error()))
		} else {
			out = append(out, fmt.Sprintf("%s: %s", name, p.Error()))
		}
	}
	return errors.New(strings.Join(out, "\n"))
}

// keyLines maps the keys of a codebook file to their lines: "choice",
// "label.2" (the header of the second [[label]]), "label.2.key".
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	keyOf := func(n *unstable.Node) (string, int) {
		var parts []string
		line := 0
		it := n.Key()
		for it.Next() {
			k := it.Node()
			if line == 0 {
				line = p.Shape(k.Raw).Start.Line
			}
			parts = append(parts, string(k.Data))
		}
		return strings.Join(parts, "."), line
	}
	count := map[string]int{}
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.ArrayTable:
			k, line := keyOf(e)
			count[k]++
			table = k + "." + strconv.Itoa(count[k])
			lines[table] = line
		case unstable.Table:
			table, _ = keyOf(e)
		case unstable.KeyValue:
			k, line := keyOf(e)
			if table != "" {
				k = table + "." + k
			}
			if _, seen := lines[k]; !seen {
				lines[k] = line
			}
		}
	}
	return lines
}
