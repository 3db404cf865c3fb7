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
	tb := &traceback{lines: strings.Split(code, "\n"), declared: s.declaredSource(code)}
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
	if strings.Contains(msg, "nil type") || strings.Contains(msg, "nil pointer") || strings.Contains(msg, "nil reflect type") {
		return "the interpreter failed (" + msg + "). Known causes: a range over a function or an integer " +
			"whose type golign could not tell (write an explicit loop: for i := 0; i < n; i++, or call the " +
			"iterator with a yield function); the result of a generic function over a type a cell declared, " +
			"used at a cell's top level, as in best := slices.MaxFunc(points, byX) (do it inside a function " +
			"and call that)"
	}
	return "the interpreter failed: " + msg
}

// traceback builds the traceback of an error: for each position, its
// place and the line of the cell with a caret under the column.
type traceback struct {
	lines []string
	out   []string
	// declared returns the source lines of the earlier cell that declared
	// a function or method (main.f, main.(*T).M), or nil when the
	// function is the running cell's.
	declared func(frame string) []string
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
		where := strings.TrimSpace(f[len(m[0]):])
		if lines := t.declared(where); lines != nil {
			t.out = append(t.out, fmt.Sprintf("line %d of an earlier cell, %s", line, where))
			if line >= 1 && line <= len(lines) {
				t.out = append(t.out, fmt.Sprintf("%5d | %s", line, lines[line-1]))
			}
			continue
		}
		t.out = append(t.out, fmt.Sprintf("cell line %d %s", line, where))
		t.source(line, 0)
	}
}

// frameFunc matches the function of a panic frame: main.f, main.T.M,
// main.(*T).M, with a suffix for the function literals inside it.
var frameFunc = regexp.MustCompile(`^in main\.(?:\(\*(\w+)\)\.(\w+)|(\w+)(?:\.(\w+))?)`)

// declaredSource returns the lookup of traceback.declared: the cell lines
// of the piece that declared a frame's function, when that piece is not
// part of code, the running cell.
func (s *Session) declaredSource(code string) func(frame string) []string {
	return func(frame string) []string {
		m := frameFunc.FindStringSubmatch(frame)
		if m == nil {
			return nil
		}
		names := []string{m[1] + "." + m[2]}
		if m[1] == "" {
			names = []string{m[3] + "." + m[4], m[3]}
		}
		for _, n := range names {
			p, ok := s.declPiece[n]
			if !ok {
				continue
			}
			if strings.Contains(code, p.src) {
				return nil
			}
			// The piece starts at line p.line of its cell: pad so that
			// index line-1 is the cell's line.
			return append(make([]string, p.line-1), strings.Split(p.src, "\n")...)
		}
		return nil
	}
}

func (t *traceback) error(name, value string) *kernel.Error {
	return &kernel.Error{Name: name, Value: value, Traceback: append([]string{name + ": " + value}, t.out...)}
}
