// Package parallel runs independent iterations of a loop on all cores.
//
// A panic in an iteration is recovered in the goroutine running it and
// returned to the caller as a *PanicError: a goroutine that panics ends the
// whole process, and in a notebook kernel a bug in one library loop must
// not take the session's state with it.
package parallel

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
)

// PanicError is a panic recovered in an iteration run by this package.
type PanicError struct {
	// Index is the iteration that panicked: the index given to For's or
	// Until's function, or the start of Ranges' range.
	Index int
	// Value is what the iteration panicked with.
	Value any
	// Site is the function and line that panicked, as
	// "pkg.Func (file.go:12)"; empty if unknown.
	Site string
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// Error says where and with what the iteration panicked.
func (e *PanicError) Error() string {
	at := ""
	if e.Site != "" {
		at = " in " + e.Site
	}
	return fmt.Sprintf("panic in parallel iteration %d%s: %v", e.Index, at, e.Value)
}

// Unwrap returns the panic value when it is an error (a runtime.Error, for
// example), so that errors.As finds it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// call returns f(i), or the panic of f(i) as a *PanicError.
func call(f func(i int) error, i int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Index: i, Value: r, Site: panicSite(), Stack: debug.Stack()}
		}
	}()
	return f(i)
}

// panicSite returns the function and line that panicked, called from the
// deferred function recovering the panic: the first frame under the
// runtime's panic machinery.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			file := f.File[strings.LastIndexByte(f.File, '/')+1:]
			return fmt.Sprintf("%s (%s:%d)", f.Function, file, f.Line)
		}
		if !more {
			return ""
		}
	}
}

// workers returns how many goroutines share n iterations.
func workers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// spawn runs work(0), …, work(k−1) on k goroutines and waits for them.
func spawn(k int, work func(w int)) {
	var wg sync.WaitGroup
	for w := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	wg.Wait()
}

// For runs f(0), …, f(n−1) on GOMAXPROCS goroutines and returns the error
// of the lowest index that failed or panicked (every index runs
// regardless).
func For(n int, f func(i int) error) error {
	errs := make([]error, n)
	var next atomic.Int64
	spawn(workers(n), func(int) {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			errs[i] = call(f, i)
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Until runs f(0), …, f(n−1) on GOMAXPROCS goroutines until one fails or
// panics: the indexes not started by then are skipped, and the first
// failure is returned. Use it when an error ends the whole loop, as an
// interrupt (job.ErrInterrupted) does.
func Until(n int, f func(i int) error) error {
	var next atomic.Int64
	var first atomic.Pointer[error]
	spawn(workers(n), func(int) {
		for i := int(next.Add(1) - 1); i < n && first.Load() == nil; i = int(next.Add(1) - 1) {
			if err := call(f, i); err != nil {
				first.CompareAndSwap(nil, &err)
				return
			}
		}
	})
	if err := first.Load(); err != nil {
		return *err
	}
	return nil
}

// Ranges runs f on contiguous ranges [lo, hi) covering [0, n), one per
// goroutine, each at least grain long (so that small loops stay on one
// goroutine), and returns the panic of the lowest range as a *PanicError.
func Ranges(n, grain int, f func(lo, hi int)) error {
	if n <= 0 {
		return nil
	}
	k := workers(n / max(grain, 1))
	errs := make([]error, k)
	spawn(k, func(w int) {
		lo, hi := n*w/k, n*(w+1)/k
		errs[w] = call(func(int) error { f(lo, hi); return nil }, lo)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
