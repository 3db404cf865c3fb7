// Package rewardtest generates seeded synthetic preference data for tests,
// benchmarks and examples of reward models and influence functions.
package rewardtest

import (
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/mat"
)

// Synthetic returns n pairs of d standard-normal features labelled by a
// Bradley–Terry model with utility θ*ᵀφ, θ* ~ N(0, scale²/d · I) drawn from
// the same seed: the response with the higher sampled preference becomes
// "chosen". It also returns θ*.
func Synthetic(n, d int, scale float64, seed uint64) (*pref.Comparisons, []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x62747465))
	truth := make([]float64, d)
	for j := range truth {
		truth[j] = scale / math.Sqrt(float64(d)) * rng.NormFloat64()
	}
	a := mat.NewDense(n, d, nil)
	b := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		m := 0.0
		for j := range ra {
			ra[j], rb[j] = rng.NormFloat64(), rng.NormFloat64()
			m += truth[j] * (ra[j] - rb[j])
		}
		if rng.Float64() >= 1/(1+math.Exp(-m)) {
			for j := range ra {
				ra[j], rb[j] = rb[j], ra[j]
			}
		}
	}
	return &pref.Comparisons{Chosen: a, Rejected: b}, truth
}

// Subset returns the pairs of c at the given rows (copies), keeping labelers
// and weights.
func Subset(c *pref.Comparisons, rows []int) *pref.Comparisons {
	d := c.Dim()
	out := &pref.Comparisons{Chosen: mat.NewDense(len(rows), d, nil), Rejected: mat.NewDense(len(rows), d, nil)}
	for i, r := range rows {
		mat.Row(out.Chosen.RawRowView(i), r, c.Chosen)
		mat.Row(out.Rejected.RawRowView(i), r, c.Rejected)
		if c.Labeler != nil {
			out.Labeler = append(out.Labeler, c.Labeler[r])
		}
		if c.Weight != nil {
			out.Weight = append(out.Weight, c.Weight[r])
		}
	}
	return out
}

// Without returns c without pair skip.
func Without(c *pref.Comparisons, skip int) *pref.Comparisons {
	rows := make([]int, 0, c.Len()-1)
	for i := 0; i < c.Len(); i++ {
		if i != skip {
			rows = append(rows, i)
		}
	}
	return Subset(c, rows)
}
