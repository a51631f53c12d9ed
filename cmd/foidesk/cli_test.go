package main

import (
	"context"
	"flag"
	"strings"
	"testing"
)

func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{nil, {"help"}, {"--help"}} {
		out, _, code := runCLI(t, args...)
		if code != exitOK || !strings.Contains(out, "config check") || !strings.Contains(out, "Exit status") {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
	}
}

func TestCommandHelpListsFlags(t *testing.T) {
	out, _, code := runCLI(t, "config", "check", "--help")
	if code != exitOK || !strings.Contains(out, "Usage: foidesk config check") || !strings.Contains(out, "-log-format") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	out2, _, _ := runCLI(t, "help", "config", "check")
	if out2 != out {
		t.Fatalf("'help config check' differs from 'config check --help'")
	}
}

func TestBadUsageExitsTwo(t *testing.T) {
	cases := [][]string{
		{"no-such-command"},
		{"config"},                                  // group without subcommand
		{"config", "check", "--no-such-flag"},       // unknown flag
		{"config", "check", "extra"},                // unexpected argument
		{"--log-format", "xml", "config", "check"},  // bad global value
		{"config", "check", "--log-format", "yaml"}, // bad global value after the command
	}
	for _, args := range cases {
		_, errOut, code := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 1 || !strings.HasPrefix(errOut, "foidesk: ") {
			t.Errorf("%v: stderr not one clear message: %q", args, errOut)
		}
	}
}

// A flag given wrongly is named as the user typed it, with what it takes.
func TestBadFlagsSayWhatTheyTake(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"authorities", "list", "--after", "abc"}, `foidesk: --after "abc": want a whole number`},
		{[]string{"search", "x", "--limit", "1.5"}, `foidesk: --limit "1.5": want a whole number`},
		{[]string{"authorities", "list", "--limit", "99999999999999999999"}, `foidesk: --limit "99999999999999999999": that number is out of range`},
		{[]string{"authorities", "list", "--limit"}, "foidesk: --limit needs a value"},
		{[]string{"authorities", "list", "--nope"}, "foidesk: --nope: no such flag"},
	} {
		_, errOut, code := runCLI(t, c.args...)
		if code != exitUsage || !strings.HasPrefix(errOut, c.want+"\n") {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
}

type interspersedFlags struct{ x bool }

func (f *interspersedFlags) define(fs *flag.FlagSet) { fs.BoolVar(&f.x, "x", false, "") }

func TestFlagsMayFollowArguments(t *testing.T) {
	var got []string
	var flagSeen bool
	c := newCommand(command{name: "test interspersed", args: anyArgs}, func(_ context.Context, _ *env, f *interspersedFlags, args []string) error {
		got, flagSeen = args, f.x
		return nil
	})
	register(c)
	defer delete(commands, c.name)
	_, errOut, code := runCLI(t, "test", "interspersed", "a", "-x", "b", "--", "-y")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !flagSeen || strings.Join(got, ",") != "a,b,-y" {
		t.Fatalf("args %q flag %v", got, flagSeen)
	}
}
