package rlthf

import (
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/reward"
)

// progress is what the loops need of a job.Task: counting steps and telling
// when to stop.
type progress interface {
	Step(n int) error
	Err() error
}

// nested is the progress of a computation run inside another task: it shows
// nothing of its own and stops when the outer task stops.
type nested struct{ outer *job.Task }

// Step returns the outer task's Err without counting.
func (n nested) Step(int) error { return n.outer.Err() }

// Err returns the outer task's Err.
func (n nested) Err() error { return n.outer.Err() }

// quietly runs fit with the progress display of the library calls it makes
// turned off and their cancellation kept: a loop training dozens of models
// shows one progress bar, its own, instead of one per fit.
func quietly(fit func() (reward.Model, error)) (reward.Model, error) {
	unbind := job.Bind(job.Context(), nil)
	defer unbind()
	return fit()
}
