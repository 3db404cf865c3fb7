package kernel

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDeferred(t *testing.T) {
	release := make(chan struct{})
	fake := &fakeInterpreter{}
	d := NewDeferred(Info{Banner: "known in advance"}, func() (Interpreter, error) {
		<-release
		return fake, nil
	})
	if d.Info().Banner != "known in advance" {
		t.Errorf("Info before the build: %+v", d.Info())
	}

	// An interrupt while building abandons the execution.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if rep := d.Execute(ctx, ExecuteRequest{Code: "print x"}, nil); rep.Status != StatusError || rep.Error.Name != "Interrupted" {
		t.Errorf("interrupted while building: %+v", rep)
	}

	close(release)
	if got := d.IsComplete("func f() {"); got.Status != Incomplete {
		t.Errorf("IsComplete after the build: %+v", got)
	}
	d.Shutdown(true)
	if len(fake.shutdownCalls()) != 1 || !fake.shutdownCalls()[0] {
		t.Errorf("Shutdown not passed on: %v", fake.shutdownCalls())
	}

	failing := NewDeferred(Info{}, func() (Interpreter, error) { return nil, errors.New("no symbols") })
	rep := failing.Execute(context.Background(), ExecuteRequest{}, nil)
	if rep.Status != StatusError || rep.Error.Name != "KernelStartError" || rep.Error.Value != "no symbols" {
		t.Errorf("failed build: %+v", rep)
	}
	if got := failing.Complete("ab", 2); got.CursorStart != 2 || len(got.Matches) != 0 {
		t.Errorf("Complete after a failed build: %+v", got)
	}
	panicking := NewDeferred(Info{}, func() (Interpreter, error) { panic("bad init") })
	if _, err := panicking.Wait(); err == nil {
		t.Errorf("a panicking build reported no error")
	}
}
