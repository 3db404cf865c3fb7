package headless

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// ErrNoTerminal is returned by TerminalInput when standard input is not a
// terminal.
var ErrNoTerminal = errors.New("the notebook asked for input, but standard input is not a terminal: run it interactively or remove the input request")

// stdin reads lines of the process's standard input; all readers share it
// so that no buffered input is lost between requests.
var stdin = sync.OnceValue(func() *bufio.Reader { return bufio.NewReader(os.Stdin) })

// TerminalInput answers an input request from the process's standard input
// when it is a terminal, echoing nothing while a password is typed, and
// returns ErrNoTerminal otherwise.
func TerminalInput(prompt string, password bool) (string, error) {
	if !isTerminal(os.Stdin) {
		return "", ErrNoTerminal
	}
	return ReadLine(prompt, password)
}

// ReadLine prints prompt on standard error and reads one line of standard
// input, without its line ending. With password set and standard input a
// terminal, the typed text is not echoed.
func ReadLine(prompt string, password bool) (string, error) {
	fmt.Fprint(os.Stderr, prompt)
	if password && isTerminal(os.Stdin) {
		if stty("-echo") == nil {
			defer func() {
				stty("echo")
				fmt.Fprintln(os.Stderr)
			}()
		}
	}
	line, err := stdin().ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// stty changes the settings of the terminal on standard input.
func stty(setting string) error {
	cmd := exec.Command("stty", setting)
	cmd.Stdin = os.Stdin
	return cmd.Run()
}
