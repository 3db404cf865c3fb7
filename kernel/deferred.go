package kernel

import (
	"context"
	"fmt"
)

// Deferred is an Interpreter that is built in the background while the
// server already answers: kernel_info is served from a description known
// in advance, and every other call waits until the interpreter is ready.
// It lets a kernel whose interpreter is slow to set up reply to the
// frontend's first kernel_info_request at once.
type Deferred struct {
	info   Info
	ready  chan struct{}
	interp Interpreter
	err    error
}

// NewDeferred starts build on its own goroutine and returns at once. info
// is what Info reports, before and after the interpreter exists. If build
// fails, executions report its error and introspection finds nothing.
func NewDeferred(info Info, build func() (Interpreter, error)) *Deferred {
	d := &Deferred{info: info, ready: make(chan struct{})}
	go func() {
		defer close(d.ready)
		defer func() {
			if r := recover(); r != nil {
				d.err = fmt.Errorf("starting the interpreter panicked: %v", r)
			}
		}()
		d.interp, d.err = build()
		if d.err == nil && d.interp == nil {
			d.err = fmt.Errorf("starting the interpreter returned no interpreter")
		}
	}()
	return d
}

// Wait blocks until the interpreter is built and returns it, or the error
// that prevented it.
func (d *Deferred) Wait() (Interpreter, error) {
	<-d.ready
	return d.interp, d.err
}

// Info implements Interpreter without waiting.
func (d *Deferred) Info() Info { return d.info }

// Execute implements Interpreter. An interrupt while the interpreter is
// still being built abandons the execution.
func (d *Deferred) Execute(ctx context.Context, req ExecuteRequest, out Publisher) ExecuteReply {
	select {
	case <-d.ready:
	case <-ctx.Done():
		return ExecuteReply{Status: StatusError, Error: &Error{Name: "Interrupted", Value: "interrupted while the interpreter was starting"}}
	}
	if d.err != nil {
		return ExecuteReply{Status: StatusError, Error: &Error{Name: "KernelStartError", Value: d.err.Error(), Traceback: []string{"KernelStartError: " + d.err.Error()}}}
	}
	return d.interp.Execute(ctx, req, out)
}

// Complete implements Interpreter.
func (d *Deferred) Complete(code string, cursor int) CompleteReply {
	if in, err := d.Wait(); err == nil {
		return in.Complete(code, cursor)
	}
	return CompleteReply{CursorStart: cursor, CursorEnd: cursor}
}

// Inspect implements Interpreter.
func (d *Deferred) Inspect(code string, cursor, detail int) InspectReply {
	if in, err := d.Wait(); err == nil {
		return in.Inspect(code, cursor, detail)
	}
	return InspectReply{}
}

// IsComplete implements Interpreter.
func (d *Deferred) IsComplete(code string) IsCompleteReply {
	if in, err := d.Wait(); err == nil {
		return in.IsComplete(code)
	}
	return IsCompleteReply{Status: Unknown}
}

// Shutdown implements Interpreter: it waits for the build to finish, then
// shuts the interpreter down.
func (d *Deferred) Shutdown(restart bool) {
	if in, err := d.Wait(); err == nil {
		in.Shutdown(restart)
	}
}
