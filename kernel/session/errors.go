package session

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/kernel"
)

// Error names of the kernel.Errors a session reports.
const (
	ErrSyntax      = "SyntaxError"
	ErrCompile     = "CompileError"
	ErrPanic       = "panic"
	ErrInterrupted = "Interrupted"
	ErrUnsupported = "UnsupportedError"
	ErrInternal    = "InterpreterError"
)

// cellPos matches a position in a cell at the start of a message.
var cellPos = regexp.MustCompile(`^` + cellFile + `:(\d+):(\d+):? ?`)

// describe turns the failure of a cell into the error the frontend shows,
// with a traceback pointing at the lines of code, the cell's source.
func (s *Session) describe(ctx context.Context, err error, code string) *kernel.Error {
	tb := &traceback{lines: strings.Split(code, "\n")}
	var list scanner.ErrorList
	var pe *posError
	var pan interp.Panic
	var fault *faultError
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return &kernel.Error{Name: ErrInterrupted, Value: "the execution was interrupted; definitions made so far are kept",
			Traceback: []string{"Interrupted: the execution was interrupted"}}
	case errors.As(err, &list):
		for _, e := range list {
			tb.at(e.Pos.Line, e.Pos.Column, e.Msg)
		}
		return tb.error(ErrSyntax, list[0].Msg)
	case errors.As(err, &pe):
		p := s.in.FileSet().Position(pe.pos)
		tb.at(p.Line, p.Column, pe.msg)
		return tb.error(ErrUnsupported, pe.msg)
	case errors.As(err, &pan):
		value := fmt.Sprint(pan.Value)
		tb.frames(s.frames.take())
		return tb.error(ErrPanic, value)
	case errors.As(err, &fault):
		msg := fmt.Sprint(fault.value)
		tb.frames(s.frames.take())
		return tb.error(ErrInternal, explainFault(msg))
	}
	msg := err.Error()
	if m := cellPos.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		msg = msg[len(m[0]):]
		tb.at(line, col, msg)
		return tb.error(ErrCompile, msg)
	}
	return tb.error(ErrCompile, msg)
}

// explainFault adds what is known about some faults of the interpreter.
func explainFault(msg string) string {
	if strings.Contains(msg, "nil type") || strings.Contains(msg, "nil pointer") {
		return "the interpreter failed (" + msg + "); this happens with range over a function " +
			"that is not an iterator declared by a cell, or over an integer whose type golign could not tell: " +
			"write an explicit loop (for i := 0; i < n; i++, or a call of the iterator with a yield function) instead"
	}
	return "the interpreter failed: " + msg
}

// traceback builds the traceback of an error: for each position, its
// place and the line of the cell with a caret under the column.
type traceback struct {
	lines []string
	out   []string
}

func (t *traceback) at(line, col int, msg string) {
	t.out = append(t.out, fmt.Sprintf("cell line %d, column %d: %s", line, col, msg))
	t.source(line, col)
}

func (t *traceback) source(line, col int) {
	if line < 1 || line > len(t.lines) {
		return
	}
	text := t.lines[line-1]
	t.out = append(t.out, fmt.Sprintf("%5d | %s", line, text))
	if col >= 1 && col <= len(text)+1 {
		pad := strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, text[:col-1])
		t.out = append(t.out, "      | "+pad+"^")
	}
}

// frames adds the interpreted frames a panic unwound, innermost first.
func (t *traceback) frames(frames []string) {
	for _, f := range frames {
		m := cellPos.FindStringSubmatch(f)
		if m == nil {
			t.out = append(t.out, "  "+f)
			continue
		}
		line, _ := strconv.Atoi(m[1])
		t.out = append(t.out, fmt.Sprintf("cell line %d%s", line, " "+strings.TrimSpace(f[len(m[0]):])))
		t.source(line, 0)
	}
}

func (t *traceback) error(name, value string) *kernel.Error {
	return &kernel.Error{Name: name, Value: value, Traceback: append([]string{name + ": " + value}, t.out...)}
}
