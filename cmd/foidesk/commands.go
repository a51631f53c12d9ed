package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// A command is one "foidesk NAME …" invocation. Each lives in its own file:
// a type holding its flags, a named function doing its work, and a
// register call in init naming both (newCommand), so adding a command
// touches one file. What commands share (config, the store, the
// extractor, a campaign by name) is the env's preamble (env.go,
// preamble.go), opened on demand and closed after the command returns.
type command struct {
	name     string // words after "foidesk", e.g. "authorities import"
	synopsis string // arguments after the flags, e.g. "FILE.csv"
	summary  string // one line for "foidesk help"
	help     string // paragraphs for "foidesk NAME --help"
	// args is how many positional arguments the command takes; anyArgs
	// for any number. A wrong count is a usage error quoting the synopsis.
	args int
	// setup declares the command's flags on fs and returns the function that
	// runs it with the positional arguments: newCommand fills it in.
	setup func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

// anyArgs: a command that counts its own arguments.
const anyArgs = -1

// flagSet is a command's flags: define declares them on fs, bound to the
// fields of the value.
type flagSet[F any] interface {
	*F
	define(fs *flag.FlagSet)
}

// newCommand completes c with its flags type F and its run function.
func newCommand[F any, PF flagSet[F]](c command, run func(ctx context.Context, e *env, f *F, args []string) error) *command {
	c.setup = func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
		f := new(F)
		PF(f).define(fs)
		return func(ctx context.Context, e *env, args []string) error { return run(ctx, e, f, args) }
	}
	return &c
}

// noFlags is the flags type of a command without flags of its own.
type noFlags struct{}

func (*noFlags) define(*flag.FlagSet) {}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

func addGlobalFlags(fs *flag.FlagSet, g *globals) {
	fs.StringVar(&g.configPath, "config", g.configPath, "config `FILE` (default $FOIDESK_CONFIG, else ./foidesk.toml if present)")
	fs.StringVar(&g.dbPath, "db", g.dbPath, "database `FILE` (default [store] path, else ./foidesk.db)")
	fs.StringVar(&g.logFormat, "log-format", g.logFormat, "log format: text or json")
}

// parseCommandLine reads leading global flags, then finds the longest
// registered command name at the start of the remaining words. A nil command
// means general help was asked for; rest then holds the topic words.
func parseCommandLine(args []string, g *globals) (*command, []string, error) {
	fs := flag.NewFlagSet("foidesk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addGlobalFlags(fs, g)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, nil
		}
		return nil, nil, &usageError{msg: err.Error(), hint: "Run 'foidesk help' for the commands."}
	}
	words := fs.Args()
	if len(words) == 0 || words[0] == "help" {
		if len(words) > 0 {
			words = words[1:]
		}
		return nil, words, nil
	}
	for n := len(words); n > 0; n-- {
		if c, ok := commands[strings.Join(words[:n], " ")]; ok {
			return c, words[n:], nil
		}
	}
	if subs := subcommands(words[0]); len(subs) > 0 {
		return nil, nil, &usageError{
			msg:  fmt.Sprintf("%q needs a subcommand: %s", words[0], strings.Join(subs, ", ")),
			hint: fmt.Sprintf("Run 'foidesk help %s' for details.", words[0]),
		}
	}
	return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q", words[0]), hint: "Run 'foidesk help' for the commands."}
}

// subcommands lists the second words of commands starting with group.
func subcommands(group string) []string {
	var out []string
	for name := range commands {
		if g, sub, ok := strings.Cut(name, " "); ok && g == group {
			out = append(out, sub)
		}
	}
	sort.Strings(out)
	return out
}

// exec parses the command's flags (they may appear among the positional
// arguments) and runs it.
func (c *command) exec(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("foidesk "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addGlobalFlags(fs, &e.globals)
	runner := c.setup(fs)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printHelp(e.stdout, fs)
				return errHelpShown
			}
			return &usageError{msg: flagErrorText(fs, err), hint: fmt.Sprintf("Run 'foidesk %s --help' for usage.", c.name)}
		}
		if fs.NArg() == 0 {
			break
		}
		// A "--" ends flags; everything after is positional.
		if len(args) > len(fs.Args()) && args[len(args)-len(fs.Args())-1] == "--" {
			positional = append(positional, fs.Args()...)
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	// The logger may have changed with a --log-format given after the command.
	l, err := newLogger(e.stderr, e.logFormat)
	if err != nil {
		return err
	}
	e.log = l
	if c.args != anyArgs && len(positional) != c.args {
		return usagef("usage: foidesk %s %s", c.name, strings.TrimSpace("[flags] "+c.synopsis))
	}
	defer e.close()
	return runner(ctx, e, positional)
}

func (c *command) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: foidesk %s [flags]", c.name)
	if c.synopsis != "" {
		fmt.Fprintf(w, " %s", c.synopsis)
	}
	fmt.Fprintf(w, "\n\n%s\n", c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

const helpHeader = `foidesk sends one Freedom of Information request to many public authorities,
collects their replies, and tracks each one's statutory deadline.

Usage: foidesk [--config FILE] [--db FILE] [--log-format text|json] COMMAND [flags] [args]

Commands:
`

const helpFooter = `
Run 'foidesk COMMAND --help' for a command's flags.
Exit status: 0 success, 1 the command failed, 2 bad usage.

The UK council register shipped with foidesk is mySociety's "UK Local
Authority Names and Codes" (CC BY 4.0). Bank holidays are from GOV.UK
(Open Government Licence v3.0).
`

func printHelp(w io.Writer, topic []string) {
	if len(topic) > 0 {
		prefix := strings.Join(topic, " ")
		if c, ok := commands[prefix]; ok {
			fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
			addGlobalFlags(fs, &globals{})
			c.setup(fs)
			c.printHelp(w, fs)
			return
		}
		printList(w, prefix+" ")
		return
	}
	fmt.Fprint(w, helpHeader)
	printList(w, "")
	fmt.Fprint(w, helpFooter)
}

func printList(w io.Writer, prefix string) {
	var names []string
	width := 0
	for name := range commands {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
			width = max(width, len(name))
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
}

// flagValueError is how package flag words a value it could not parse:
// `invalid value "abc" for flag -after: parse error`.
var flagValueError = regexp.MustCompile(`^invalid value "(.*)" for flag -([\w-]+): (.*)$`)

// flagErrorText says what was wrong with a flag in the user's words: the
// flag as they typed it, what they gave, and what it takes.
func flagErrorText(fs *flag.FlagSet, err error) string {
	text := err.Error()
	if name, ok := strings.CutPrefix(text, "flag provided but not defined: -"); ok {
		return fmt.Sprintf("--%s: no such flag", strings.TrimPrefix(name, "-"))
	}
	if name, ok := strings.CutPrefix(text, "flag needs an argument: -"); ok {
		return fmt.Sprintf("--%s needs a value", strings.TrimPrefix(name, "-"))
	}
	m := flagValueError.FindStringSubmatch(text)
	if m == nil {
		return text
	}
	value, name, why := m[1], m[2], m[3]
	want := why
	if f := fs.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case int, int64, uint, uint64:
				want = "want a whole number"
			case float64:
				want = "want a number"
			case time.Duration:
				want = "want a duration such as 30s or 5m"
			case bool:
				want = "want true or false"
			}
		}
	}
	if strings.Contains(why, "out of range") {
		want = "that number is out of range"
	}
	return fmt.Sprintf("--%s %q: %s", name, value, want)
}
