package rlthf

import "github.com/golign/golign/alignment/job"

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
