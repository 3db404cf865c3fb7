// Package job connects long-running computations of the alignment library to
// whoever runs them: it carries the cancellation of the cell (or script) in
// progress into native code, and reports progress.
//
// A notebook cell has no context to pass: the runtime hosting the library (the
// golign kernel, golign run) binds one for each cell with Bind, and cancels it
// when the user interrupts. Library loops call Task.Step, which returns
// ErrInterrupted soon after the cancellation, so an interrupt stops native work
// within one step:
//
//	t := job.Start("training", epochs)
//	for e := 0; e < epochs; e++ {
//		if err := t.Step(1); err != nil {
//			t.Done(err)
//			return err
//		}
//		...
//	}
//	t.Done(nil)
//
// Progress is shown only for tasks still running after half a second. Outside
// a runtime (a Go program, go test) the context is Background and no progress
// is shown.
package job

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrInterrupted is returned by long-running library calls that stopped
// because the user interrupted them.
var ErrInterrupted = errors.New("interrupted")

// Reporter shows the progress of computations.
type Reporter interface {
	// Begin starts showing a computation of total steps (0 when unknown).
	Begin(label string, total int) Meter
}

// Meter shows the progress of one computation.
type Meter interface {
	// Update shows that done steps are finished. Calls are rate-limited by
	// the caller: at most a few per second.
	Update(done int)
	// End shows that the computation finished, with err nil on success.
	End(done int, err error)
}

type binding struct {
	ctx       context.Context
	reporter  Reporter
	cancelled atomic.Bool
}

var (
	mu      sync.Mutex
	current atomic.Pointer[binding]
)

func init() { current.Store(&binding{ctx: context.Background()}) }

// Bind makes ctx the context of the computations that start until unbind is
// called, and r (which may be nil) their progress reporter. Bindings do not
// nest: Bind replaces the previous one and unbind restores it.
func Bind(ctx context.Context, r Reporter) (unbind func()) {
	mu.Lock()
	defer mu.Unlock()
	prev := current.Load()
	b := &binding{ctx: ctx, reporter: r}
	stop := context.AfterFunc(ctx, func() { b.cancelled.Store(true) })
	if ctx.Err() != nil {
		b.cancelled.Store(true)
	}
	current.Store(b)
	return func() {
		stop()
		mu.Lock()
		defer mu.Unlock()
		if current.Load() == b {
			current.Store(prev)
		}
	}
}

// Context returns the context bound by the runtime: the running cell's in a
// kernel, Background otherwise.
func Context() context.Context { return current.Load().ctx }

// Err returns ErrInterrupted if the bound context was cancelled, nil
// otherwise. It costs one atomic load.
func Err() error {
	if current.Load().cancelled.Load() {
		return ErrInterrupted
	}
	return nil
}

// minInterval is the shortest time between two progress updates, and
// showDelay how long a task runs before its progress is shown at all: a
// computation that ends sooner leaves no trace in the output.
const (
	minInterval = 200 * time.Millisecond
	showDelay   = 500 * time.Millisecond
)

// Task is one long-running computation: it counts steps, shows progress at
// most five times a second once it has run for half a second, and tells when
// to stop.
type Task struct {
	b     *binding
	label string
	total int
	start time.Time
	done  atomic.Int64
	last  atomic.Int64 // UnixNano of the last update
	mu    sync.Mutex   // guards meter and ended
	meter Meter
	ended bool
}

// Start begins a task of total steps (0 when unknown) named label.
func Start(label string, total int) *Task {
	t := &Task{b: current.Load(), label: label, total: total, start: time.Now()}
	t.last.Store(t.start.UnixNano())
	return t
}

// Step records n more finished steps and returns ErrInterrupted when the
// computation should stop. It is safe for concurrent use.
func (t *Task) Step(n int) error {
	d := t.done.Add(int64(n))
	if t.b.reporter != nil {
		now := time.Now().UnixNano()
		last := t.last.Load()
		if now-last >= int64(minInterval) && now-t.start.UnixNano() >= int64(showDelay) &&
			t.last.CompareAndSwap(last, now) {
			t.update(int(d))
		}
	}
	return t.Err()
}

// update shows d finished steps, starting the display on first use.
func (t *Task) update(d int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return
	}
	if t.meter == nil {
		t.meter = t.b.reporter.Begin(t.label, t.total)
	}
	t.meter.Update(d)
}

// Err returns ErrInterrupted when the computation should stop, without
// counting a step.
func (t *Task) Err() error {
	if t.b.cancelled.Load() {
		return ErrInterrupted
	}
	return nil
}

// Done ends the task; err is the computation's outcome, nil on success.
// Calling Done more than once has no further effect.
func (t *Task) Done(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended {
		return
	}
	t.ended = true
	if t.meter != nil {
		t.meter.End(int(t.done.Load()), err)
	}
}
