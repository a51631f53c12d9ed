package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"foidesk/store/user"
)

// What 'users add' and 'users passwd' share: reading a new password
// without it ever appearing on screen, in the shell history or in a
// process listing.

// cliActor is who the event log says made a change from the command line.
const cliActor = "command line"

// newPassword reads a new password for name: from file ("-" for the first
// line of standard input), else by asking twice on the terminal without
// echo. A password that is too short is refused with the rule.
func (e *env) newPassword(name, file string) (string, error) {
	var pw string
	switch {
	case file == "-":
		line, err := bufio.NewReader(io.LimitReader(e.stdin, maxSecretBytes+1)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		if len(line) > maxSecretBytes {
			return "", fmt.Errorf("read password from standard input: its first line is over %d bytes, more than a password can be", maxSecretBytes)
		}
		pw = strings.TrimRight(line, "\r\n")
	case file != "":
		b, err := readInput(file, "password file", maxSecretBytes)
		if err != nil {
			return "", fmt.Errorf("read password file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	default:
		f, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", usagef("no terminal to ask for %s's password on; give --password-file FILE (or - for standard input)", name)
		}
		var err error
		if pw, err = e.askPassword(int(f.Fd()), "New password for "+name+": "); err != nil {
			return "", err
		}
		if err := user.CheckPassword(pw); err != nil {
			return "", fmt.Errorf("%v; nothing was changed", err)
		}
		again, err := e.askPassword(int(f.Fd()), "The same password again: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", errors.New("the two passwords differ; nothing was changed")
		}
	}
	if err := user.CheckPassword(pw); err != nil {
		return "", fmt.Errorf("%v; nothing was changed", err)
	}
	return pw, nil
}

// askPassword prompts on stderr and reads a line from the terminal fd
// with echo off.
func (e *env) askPassword(fd int, prompt string) (string, error) {
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

// plural says "1 session" or "3 sessions".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
