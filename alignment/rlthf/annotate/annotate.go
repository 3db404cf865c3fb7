// Package annotate holds the annotators of targeted human feedback: who
// answers "which of the two responses of this pair is better?" when RLTHF
// sends a pair to a human. A simulated Oracle answers from ground truth for
// experiments; a Person answers in a notebook or terminal; a Journal keeps
// every answer in an append-only file so that an interrupted session resumes
// where it stopped.
//
// A pair has two responses, A and B: in a pref.Comparisons pool, A is the
// Chosen row and B the Rejected row (the names of the fields, not a
// judgement). An answer is true when A is preferred.
package annotate

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// Annotator answers preference questions about the pairs of a pool.
type Annotator interface {
	// Annotate returns true when response A of pair is preferred over B.
	// It returns ErrStopped when the annotator wants to stop for now.
	Annotate(pair int) (preferA bool, err error)
}

// ErrStopped is returned by an Annotator whose annotator chose to stop; the
// answers given so far are kept (see Journal).
var ErrStopped = errors.New("annotate: the annotator stopped")

// Oracle is a simulated annotator that answers from ground truth, wrong with
// probability NoiseRate. The noise is drawn independently for each pair from
// Seed and the pair index, so asking the same pair twice gives the same
// answer and the answers do not depend on the order of the questions.
type Oracle struct {
	// Truth[i] is true when response A of pair i is truly preferred.
	Truth []bool
	// NoiseRate is the probability of a wrong answer, in [0, 1]; 0 gives
	// the truth.
	NoiseRate float64
	// Seed seeds the noise.
	Seed uint64
}

// Annotate returns Truth[pair], reversed with probability NoiseRate.
func (o *Oracle) Annotate(pair int) (bool, error) {
	if pair < 0 || pair >= len(o.Truth) {
		return false, fmt.Errorf("annotate: oracle asked about pair %d but knows %d pairs", pair, len(o.Truth))
	}
	if !(o.NoiseRate >= 0 && o.NoiseRate <= 1) {
		return false, fmt.Errorf("annotate: oracle noise rate %v outside [0, 1]", o.NoiseRate)
	}
	answer := o.Truth[pair]
	if o.NoiseRate > 0 && rand.New(rand.NewPCG(o.Seed, uint64(pair))).Float64() < o.NoiseRate {
		answer = !answer
	}
	return answer, nil
}

// Func adapts a function to the Annotator interface.
type Func func(pair int) (preferA bool, err error)

// Annotate calls f(pair).
func (f Func) Annotate(pair int) (bool, error) { return f(pair) }
