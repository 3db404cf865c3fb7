package stdlib_test

import "fmt"

// panicError is an interpreter panic turned into an error.
type panicError struct{ value any }

func (p panicError) Error() string { return fmt.Sprint("panic: ", p.value) }

func sprint(v any) string { return fmt.Sprint(v) }
