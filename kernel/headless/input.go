package headless

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// ErrNoTerminal is returned by Console.TerminalInput when the console's
// input is not a terminal.
var ErrNoTerminal = errors.New("the notebook asked for input, but standard input is not a terminal: run it interactively or remove the input request")

// ErrNoInput answers input requests when a run has no input function.
var ErrNoInput = errors.New("the code asked for input, but this run has no input")

// Console answers input requests from a file — the process's standard
// input, or a copy of its file descriptor made before a session took file
// descriptor 0 over — showing prompts on a writer.
type Console struct {
	mu      sync.Mutex
	in      *os.File
	lines   *bufio.Reader
	prompts io.Writer
}

// NewConsole returns a Console reading lines from in and writing prompts to
// prompts.
func NewConsole(in *os.File, prompts io.Writer) *Console {
	return &Console{in: in, lines: bufio.NewReader(in), prompts: prompts}
}

// TerminalInput answers an input request when the console's input is a
// terminal, and returns ErrNoTerminal otherwise: a notebook run from a
// script or CI must not wait for input nobody gives.
func (c *Console) TerminalInput(prompt string, password bool) (string, error) {
	if !isTerminal(c.in) {
		return "", ErrNoTerminal
	}
	return c.ReadLine(prompt, password)
}

// ReadLine shows prompt and reads one line, without its line ending. With
// password set and a terminal as input, the typed text is not echoed. At
// the end of the input it returns an error wrapping io.EOF.
func (c *Console) ReadLine(prompt string, password bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.prompts, prompt)
	if password && isTerminal(c.in) && c.stty("-echo") == nil {
		defer func() {
			c.stty("echo")
			fmt.Fprintln(c.prompts)
		}()
	}
	line, err := c.lines.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// stty changes the settings of the console's terminal.
func (c *Console) stty(setting string) error {
	cmd := exec.Command("stty", setting)
	cmd.Stdin = c.in
	return cmd.Run()
}
