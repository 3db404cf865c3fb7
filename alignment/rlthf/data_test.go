package rlthf

import (
	"testing"

	"github.com/golign/golign/alignment/synth"
)

// biasedProblem is a synthetic preference problem with ground truth, from
// package synth: d standard normal features per response, a linear true
// utility that ignores length, Bradley–Terry noise in the truth (sharpness
// 2), and an AI labeler that prefers the longer response, flipping 40% of the
// pairs whose truly preferred response is the shorter: about 20% errors, all
// in that region of feature space — a systematic bias a reward model learns.
type biasedProblem struct {
	pool      *Pool
	ai        []bool
	aiErrRate float64
}

func newBiasedProblem(t testing.TB, n, test, d int, seed uint64) biasedProblem {
	t.Helper()
	data, err := synth.Generate(synth.Config{Pairs: n, Validation: test, Dim: d, Seed: seed, Sharpness: 2,
		Labelers: []synth.Labeler{{ID: "ai", Bias: synth.LengthBiased, Rate: 0.4}}})
	if err != nil {
		t.Fatal(err)
	}
	correct := make([]bool, n)
	wrong := 0
	for i, f := range data.Flipped {
		correct[i] = !f
		if f {
			wrong++
		}
	}
	pool, ai, err := PoolFromLabelled(data.Train, correct, data.Validation, seed)
	if err != nil {
		t.Fatal(err)
	}
	return biasedProblem{pool: pool, ai: ai, aiErrRate: float64(wrong) / float64(n)}
}
