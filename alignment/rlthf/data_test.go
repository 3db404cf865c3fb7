package rlthf

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/mat"
)

// biasedProblem is a synthetic preference problem with ground truth: each
// response has d standard normal features, the true preference of a pair
// follows a Bradley–Terry model P(A ≻ B) = σ(κ·w*ᵀ(φ_A − φ_B)), and the AI
// labeler is right with probability 1 − baseNoise outside one region of
// feature space (pairs whose responses both score high on feature 0), where
// it judges by feature d−1 alone — a systematic bias.
type biasedProblem struct {
	pool      *Pool
	ai        []bool
	aiErrRate float64
}

func newBiasedProblem(t testing.TB, n, test, d int, seed uint64) biasedProblem {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	w := make([]float64, d)
	for j := range w {
		w[j] = 1 / math.Sqrt(float64(d))
	}
	w[d-1] = 0
	const kappa, baseNoise = 4.0, 0.03
	draw := func(m int) (*pref.Comparisons, []bool, []bool) {
		a, b := mat.NewDense(m, d, nil), mat.NewDense(m, d, nil)
		truth, ai := make([]bool, m), make([]bool, m)
		for i := range m {
			u := 0.0
			for j := range d {
				x, y := rng.NormFloat64(), rng.NormFloat64()
				a.Set(i, j, x)
				b.Set(i, j, y)
				u += w[j] * (x - y)
			}
			truth[i] = rng.Float64() < 1/(1+math.Exp(-kappa*u))
			if a.At(i, 0)+b.At(i, 0) > 0.6 {
				ai[i] = a.At(i, d-1) > b.At(i, d-1)
			} else {
				ai[i] = truth[i] != (rng.Float64() < baseNoise)
			}
		}
		return &pref.Comparisons{Chosen: a, Rejected: b}, truth, ai
	}
	pairs, truth, ai := draw(n)
	testPairs, testTruth, _ := draw(test)
	flip := make([]bool, test)
	for i, tr := range testTruth {
		flip[i] = !tr
	}
	if err := testPairs.Flip(flip); err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for i := range ai {
		if ai[i] != truth[i] {
			wrong++
		}
	}
	return biasedProblem{pool: &Pool{Pairs: pairs, Truth: truth, Test: testPairs}, ai: ai,
		aiErrRate: float64(wrong) / float64(n)}
}
