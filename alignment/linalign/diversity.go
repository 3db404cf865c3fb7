package linalign

import (
	"fmt"
	"strconv"
	"strings"
)

// DistinctNGrams returns distinct-n (Li et al. 2016, arXiv:1510.03055): the
// number of distinct token n-grams across all responses divided by the
// total number of n-grams. It is 0 when no response has n tokens.
func DistinctNGrams(responses [][]int, n int) (float64, error) {
	if n < 1 {
		return 0, fmt.Errorf("linalign: n-gram order %d must be ≥ 1", n)
	}
	seen := make(map[string]bool)
	total := 0
	var key strings.Builder
	for _, r := range responses {
		for i := 0; i+n <= len(r); i++ {
			key.Reset()
			for _, t := range r[i : i+n] {
				key.WriteString(strconv.Itoa(t))
				key.WriteByte(' ')
			}
			seen[key.String()] = true
			total++
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(len(seen)) / float64(total), nil
}

// Responses returns the token sequences of samples.
func Responses(samples []Sample) [][]int {
	out := make([][]int, len(samples))
	for i, s := range samples {
		out[i] = s.Tokens
	}
	return out
}

// MeanKL returns the mean of the samples' KL, the estimate of the decoder's
// sequence-level KL divergence from the base policy.
func MeanKL(samples []Sample) float64 {
	if len(samples) == 0 {
		return 0
	}
	var s float64
	for _, x := range samples {
		s += x.KL
	}
	return s / float64(len(samples))
}
