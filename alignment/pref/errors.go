package pref

import "fmt"

// InputError reports bad input at a place in a file: a line (record) and a
// field of a text file, or a row and column of an array.
type InputError struct {
	// File names the input (a path, or a name given by the caller).
	File string
	// Line is the 1-based line of a text file or row of an array; 0 when
	// the error concerns the whole input.
	Line int
	// Field names the field, column or array; empty when not applicable.
	Field string
	// Err says what was wrong.
	Err error
}

// Error formats the error as "pref: file:line: field "name": what".
func (e *InputError) Error() string {
	s := "pref: " + e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Field != "" {
		s += fmt.Sprintf(": field %q", e.Field)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

func inputErrorf(file string, line int, field, format string, args ...any) error {
	return &InputError{File: file, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}
