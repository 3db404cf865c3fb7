package linalign

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/policy"
)

// RewardFunc scores response, decoded for context number context of a
// batch.
type RewardFunc func(context int, response []int) (float64, error)

// BestOfN generates n responses per context with DecodeBase at cfg's
// settings and keeps the one with the highest reward (the first among
// ties). Candidate j of context i is decoded from the stream (Seed, i·n+j).
//
// The returned KL is the kept response's own step-wise KL plus
// log n − (n−1)/n, the divergence of best-of-n selection from the sampling
// policy when the reward has no ties (Stiennon et al. 2020, appendix G.3;
// an upper bound in general, Beirami et al. 2024, arXiv:2401.01879).
func BestOfN(p policy.Policy, contexts []policy.Context, n int, reward RewardFunc, cfg Config) ([]Sample, error) {
	if n < 1 {
		return nil, fmt.Errorf("linalign: best-of-n needs n ≥ 1, got %d", n)
	}
	if reward == nil {
		return nil, fmt.Errorf("linalign: best-of-n needs a reward function")
	}
	repeated := make([]policy.Context, 0, len(contexts)*n)
	for _, c := range contexts {
		for j := 0; j < n; j++ {
			repeated = append(repeated, c)
		}
	}
	candidates, err := decode(p, repeated, cfg, baseOnly, fmt.Sprintf("best-of-%d", n))
	if err != nil {
		return nil, err
	}
	selection := math.Log(float64(n)) - float64(n-1)/float64(n)
	out := make([]Sample, len(contexts))
	for i := range contexts {
		best, bestReward := -1, math.Inf(-1)
		for j := 0; j < n; j++ {
			r, err := reward(i, candidates[i*n+j].Tokens)
			if err != nil {
				return nil, fmt.Errorf("linalign: reward of context %d, candidate %d: %w", i, j, err)
			}
			if best < 0 || r > bestReward {
				best, bestReward = j, r
			}
		}
		out[i] = candidates[i*n+best]
		out[i].KL += selection
	}
	return out, nil
}
