package rlthf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/mat"
)

// Pool is the preference data RLTHF curates, with optional ground truth used
// only to report accuracies (never to choose what to do).
type Pool struct {
	// Pairs holds the features of both responses of every pair: response A
	// is the Chosen row and response B the Rejected row. The rows carry no
	// preference; labels say which response is preferred.
	Pairs *pref.Comparisons
	// Truth[i] is true when A is truly preferred in pair i; nil when
	// unknown.
	Truth []bool
	// Test holds held-out pairs oriented by ground truth (the Chosen row is
	// truly preferred), on which models are scored; nil when there is none.
	Test *pref.Comparisons
}

// validate checks the pool and labels of an experiment.
func (p *Pool) validate(ai []bool) error {
	if p == nil || p.Pairs == nil {
		return fmt.Errorf("rlthf: no pool of pairs")
	}
	if err := p.Pairs.Validate(); err != nil {
		return fmt.Errorf("rlthf: pool: %w", err)
	}
	n := p.Pairs.Len()
	if n == 0 {
		return fmt.Errorf("rlthf: the pool has no pairs")
	}
	if len(ai) != n {
		return fmt.Errorf("rlthf: %d AI labels for %d pairs", len(ai), n)
	}
	if p.Truth != nil && len(p.Truth) != n {
		return fmt.Errorf("rlthf: %d ground-truth labels for %d pairs", len(p.Truth), n)
	}
	if p.Test != nil {
		if err := p.Test.Validate(); err != nil {
			return fmt.Errorf("rlthf: test pairs: %w", err)
		}
		if p.Test.Dim() != p.Pairs.Dim() {
			return fmt.Errorf("rlthf: test pairs have %d features but the pool has %d", p.Test.Dim(), p.Pairs.Dim())
		}
	}
	return nil
}

// labelAccuracy returns the fraction of the pairs idx whose label matches
// the truth, NaN when the truth is unknown or idx is empty.
func (p *Pool) labelAccuracy(labels []bool, idx []int) float64 {
	if p.Truth == nil || len(idx) == 0 {
		return math.NaN()
	}
	right := 0
	for _, i := range idx {
		if labels[i] == p.Truth[i] {
			right++
		}
	}
	return float64(right) / float64(len(idx))
}

// testAccuracy returns the accuracy of m on the test pairs, NaN without
// them.
func (p *Pool) testAccuracy(m reward.Model) (float64, error) {
	if p.Test == nil {
		return math.NaN(), nil
	}
	return m.Accuracy(p.Test)
}

// TrainFunc trains a reward model on labelled, weighted pairs (the Chosen
// row preferred, pref.Comparisons.Weight the pair weights).
type TrainFunc func(c *pref.Comparisons) (reward.Model, error)

// DefaultTrainer fits a linear Bradley–Terry model with L2 strength 0.01.
// RLTHF trains on curated pairs whose labels mostly agree with the previous
// model, which are nearly separable; a weakly regularised fit of separable
// pairs drifts towards their maximum-margin direction, set by a few pairs near
// the boundary, and generalises worse. λ = 0.01 keeps the fits stable (the
// reward package's default is 1e-3).
var DefaultTrainer = LinearTrainer(reward.LinearConfig{L2: 0.01})

// LinearTrainer returns a TrainFunc fitting reward.TrainLinear with cfg.
func LinearTrainer(cfg reward.LinearConfig) TrainFunc {
	return func(c *pref.Comparisons) (reward.Model, error) {
		return reward.TrainLinear(c, cfg)
	}
}

// train fits a model on the pairs idx of the pool, each oriented by its
// label and weighted by weight[i] (nil weights mean 1).
func train(fit TrainFunc, pairs *pref.Comparisons, idx []int, labels []bool, weight []float64) (reward.Model, error) {
	preferA := make([]bool, len(idx))
	var w []float64
	if weight != nil {
		w = make([]float64, len(idx))
	}
	for k, i := range idx {
		preferA[k] = labels[i]
		if w != nil {
			w[k] = weight[i]
		}
	}
	return fitOriented(fit, pairs, idx, preferA, w)
}

// fitOriented fits a model on entries k = 0, 1, …: pair idx[k] of the pool
// with its preferred response (A when preferA[k]) in the Chosen row, weighted
// by w[k] (nil means 1). A pair may appear more than once.
func fitOriented(fit TrainFunc, pairs *pref.Comparisons, idx []int, preferA []bool, w []float64) (reward.Model, error) {
	if len(idx) == 0 {
		return nil, fmt.Errorf("rlthf: no labelled pairs to train on")
	}
	d := pairs.Dim()
	c := &pref.Comparisons{Chosen: mat.NewDense(len(idx), d, nil), Rejected: mat.NewDense(len(idx), d, nil)}
	for k, i := range idx {
		a, b := pairs.Chosen.RawRowView(i), pairs.Rejected.RawRowView(i)
		if !preferA[k] {
			a, b = b, a
		}
		copy(c.Chosen.RawRowView(k), a)
		copy(c.Rejected.RawRowView(k), b)
	}
	if slices.ContainsFunc(w, func(x float64) bool { return x != 1 }) {
		c.Weight = w
	}
	m, err := quietly(func() (reward.Model, error) { return fit(c) })
	if err != nil {
		return nil, fmt.Errorf("rlthf: training the reward model on %d pairs: %w", len(idx), err)
	}
	return m, nil
}

// labelledMargins returns, for the pairs idx, the margin under the current
// label: r(A) − r(B) when the label prefers A, r(B) − r(A) otherwise.
// pairMargins holds r(A) − r(B) for every pair of the pool.
func labelledMargins(pairMargins []float64, idx []int, labels []bool) []float64 {
	out := make([]float64, len(idx))
	for k, i := range idx {
		out[k] = pairMargins[i]
		if !labels[i] {
			out[k] = -out[k]
		}
	}
	return out
}

// allIndices returns 0 … n−1.
func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// PoolFromLabelled builds a Pool from labelled pairs, as data sets and the
// synth generators hold them (the Chosen row is the preferred response under
// their labelling). The two responses of each pair are put in a seeded
// random order, so that "A" carries no information, and labels returns the
// labelling in that order (true when A is the labelled choice). If correct
// is not nil, correct[i] tells whether the labelling of pair i is the true
// preference, and the pool gets its Truth; test (may be nil) becomes the
// pool's test pairs.
func PoolFromLabelled(labelled *pref.Comparisons, correct []bool, test *pref.Comparisons, seed uint64) (pool *Pool, labels []bool, err error) {
	if labelled == nil {
		return nil, nil, fmt.Errorf("rlthf: no labelled pairs")
	}
	if err := labelled.Validate(); err != nil {
		return nil, nil, fmt.Errorf("rlthf: labelled pairs: %w", err)
	}
	n := labelled.Len()
	if correct != nil && len(correct) != n {
		return nil, nil, fmt.Errorf("rlthf: %d correctness flags for %d pairs", len(correct), n)
	}
	pairs := &pref.Comparisons{Chosen: mat.DenseCopyOf(labelled.Chosen), Rejected: mat.DenseCopyOf(labelled.Rejected)}
	rng := rand.New(rand.NewPCG(seed, 0x6f72646572))
	swap := make([]bool, n)
	labels = make([]bool, n)
	for i := range n {
		swap[i] = rng.IntN(2) == 1
		labels[i] = !swap[i]
	}
	if err := pairs.Flip(swap); err != nil {
		return nil, nil, err
	}
	pool = &Pool{Pairs: pairs, Test: test}
	if correct != nil {
		pool.Truth = make([]bool, n)
		for i := range n {
			pool.Truth[i] = labels[i] == correct[i]
		}
	}
	return pool, labels, pool.validate(labels)
}

// PoolFromTruth is PoolFromLabelled for pairs whose labels are the ground
// truth (a data set's human labels used as the oracle): the pool's Truth is
// the returned labels.
func PoolFromTruth(truth *pref.Comparisons, test *pref.Comparisons, seed uint64) (*Pool, []bool, error) {
	if truth == nil {
		return nil, nil, fmt.Errorf("rlthf: no labelled pairs")
	}
	correct := make([]bool, truth.Len())
	for i := range correct {
		correct[i] = true
	}
	return PoolFromLabelled(truth, correct, test, seed)
}

// OrientTexts returns a copy of the texts of a pool's pairs in the pool's
// order of responses, for showing them to a person: texts holds the pairs as
// labelled (Chosen the labelled choice), and labels[i] is true when response
// A of pool pair i is that choice, as PoolFromLabelled returns them.
func OrientTexts(texts pref.Dataset, labels []bool) (pref.Dataset, error) {
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("rlthf: %d texts for %d labels", len(texts), len(labels))
	}
	out := slices.Clone(texts)
	for i, a := range labels {
		if !a {
			out[i].Chosen, out[i].Rejected = out[i].Rejected, out[i].Chosen
		}
	}
	return out, nil
}
