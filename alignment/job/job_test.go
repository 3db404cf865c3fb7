package job

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

type record struct {
	mu      sync.Mutex
	begun   []string
	updates []int
	ended   []error
}

func (r *record) Begin(label string, total int) Meter {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.begun = append(r.begun, label)
	return meter{r}
}

type meter struct{ r *record }

func (m meter) Update(done int) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	m.r.updates = append(m.r.updates, done)
}

func (m meter) End(done int, err error) {
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	m.r.ended = append(m.r.ended, err)
}

func TestProgressShownOnlyForLongTasks(t *testing.T) {
	tests := []struct {
		name  string
		steps int
		pause time.Duration
		shown bool
	}{
		{"short task leaves no trace", 100, 0, false},
		{"long task shows progress and ends", 8, 100 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &record{}
			unbind := Bind(context.Background(), r)
			defer unbind()
			task := Start(tt.name, tt.steps)
			for i := 0; i < tt.steps; i++ {
				time.Sleep(tt.pause)
				if err := task.Step(1); err != nil {
					t.Fatal(err)
				}
			}
			task.Done(nil)
			task.Done(nil)
			if got := len(r.begun) == 1; got != tt.shown {
				t.Fatalf("begun %v, want shown=%v", r.begun, tt.shown)
			}
			if tt.shown {
				if len(r.ended) != 1 || r.ended[0] != nil {
					t.Fatalf("ended %v, want one nil", r.ended)
				}
				for i := 1; i < len(r.updates); i++ {
					if r.updates[i] <= r.updates[i-1] {
						t.Fatalf("updates not increasing: %v", r.updates)
					}
				}
			} else if len(r.updates)+len(r.ended) != 0 {
				t.Fatalf("short task updated %v ended %v", r.updates, r.ended)
			}
		})
	}
}

func TestCancellationReachesSteps(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	unbind := Bind(ctx, nil)
	task := Start("loop", 0)
	if err := task.Step(1); err != nil {
		t.Fatalf("before cancel: %v", err)
	}
	cancel()
	deadline := time.Now().Add(time.Second)
	for task.Step(1) == nil {
		if time.Now().After(deadline) {
			t.Fatal("Step did not report the cancellation within a second")
		}
	}
	if !errors.Is(Err(), ErrInterrupted) {
		t.Fatalf("Err() = %v, want ErrInterrupted", Err())
	}
	unbind()
	if Err() != nil || Context().Err() != nil {
		t.Fatalf("after unbind: Err %v, Context().Err %v", Err(), Context().Err())
	}
	if Start("after", 1).Step(1) != nil {
		t.Fatal("a task started after unbind sees the old cancellation")
	}
}

func TestBindCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	defer Bind(ctx, nil)()
	if Start("x", 1).Step(1) == nil {
		t.Fatal("a task under an already-cancelled context must stop")
	}
}
