// Command foidesk sends one Freedom of Information request to many public
// authorities, collects and sorts their replies, and tracks statutory
// deadlines. This package holds the CLI, config loading and wiring only; the
// work is done by the packages it calls.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// Exit statuses: 0 success, 1 the command failed, 2 it was used wrongly.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	cmd, rest, err := parseCommandLine(args, &e.globals)
	if err != nil {
		return report(stderr, err)
	}
	if cmd == nil { // "foidesk", "foidesk help", "foidesk --help"
		printHelp(stdout, rest)
		return exitOK
	}
	e.log, err = newLogger(stderr, e.globals.logFormat)
	if err != nil {
		return report(stderr, err)
	}
	if err := e.readClock(); err != nil {
		return report(stderr, err)
	}
	return report(stderr, cmd.exec(ctx, e, rest))
}

// report prints err (if any) as one line on stderr and picks the exit status.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelpShown) {
		return exitOK
	}
	if errors.Is(err, errSilentFailure) {
		return exitFailure
	}
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintf(stderr, "foidesk: %s\n", u.msg)
		if u.hint != "" {
			fmt.Fprintf(stderr, "%s\n", u.hint)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "foidesk: %v\n", err)
	return exitFailure
}

// usageError is a mistake in how foidesk was called: exit status 2.
type usageError struct {
	msg  string
	hint string
}

func (u *usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...)}
}

// errSilentFailure ends a command with exit status 1 when it has already
// printed what went wrong (a list of validation problems, say).
var errSilentFailure = errors.New("failed")

// errHelpShown ends a command after --help.
var errHelpShown = errors.New("help shown")

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usagef("--log-format must be text or json, not %q", format)
}
