package pref

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Pair is one preference judgement in text form: for Prompt (x), the
// Chosen response (y_w) was preferred over the Rejected one (y_l) by Labeler.
type Pair struct {
	Prompt, Chosen, Rejected string
	// Labeler names who made the judgement; empty when unknown.
	Labeler string
	// Extra holds the record's other fields as decoded from the file
	// (JSON values, or strings from CSV); nil when there are none.
	Extra map[string]any
}

// Dataset is a list of preference pairs in text form.
type Dataset []Pair

// Labelers returns each pair's labeler, in order.
func (d Dataset) Labelers() []string {
	out := make([]string, len(d))
	for i, p := range d {
		out[i] = p.Labeler
	}
	return out
}

// Subset returns the pairs at the given indices, in that order. The pairs
// are copied; their Extra maps are shared.
func (d Dataset) Subset(indices []int) (Dataset, error) {
	if err := checkIndices(indices, len(d)); err != nil {
		return nil, err
	}
	out := make(Dataset, len(indices))
	for k, i := range indices {
		out[k] = d[i]
	}
	return out, nil
}

// Flip swaps Chosen and Rejected in place for every pair where mask is true:
// the label of those pairs is reversed.
func (d Dataset) Flip(mask []bool) error {
	if len(mask) != len(d) {
		return fmt.Errorf("pref: flip mask has %d entries for %d pairs", len(mask), len(d))
	}
	for i, f := range mask {
		if f {
			d[i].Chosen, d[i].Rejected = d[i].Rejected, d[i].Chosen
		}
	}
	return nil
}

func checkIndices(indices []int, n int) error {
	for k, i := range indices {
		if i < 0 || i >= n {
			return fmt.Errorf("pref: index %d (position %d) outside 0…%d", i, k, n-1)
		}
	}
	return nil
}

// Split partitions the indices 0…n−1 at random into a training, a
// validation and a test part holding about (1 − validation − test)·n,
// validation·n and test·n indices (rounded to the nearest integer), each
// part sorted increasingly. The partition depends only on n, the fractions
// and seed. The fractions must be in [0, 1] and sum to at most 1.
func Split(n int, validation, test float64, seed uint64) (trainIdx, validationIdx, testIdx []int, err error) {
	if n < 0 {
		return nil, nil, nil, fmt.Errorf("pref: split of %d items", n)
	}
	if !(validation >= 0 && test >= 0 && validation+test <= 1+1e-12) {
		return nil, nil, nil, fmt.Errorf("pref: split fractions validation %v and test %v must be non-negative and sum to at most 1", validation, test)
	}
	perm := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)).Perm(n)
	nv := int(validation*float64(n) + 0.5)
	nt := int(test*float64(n) + 0.5)
	if nv+nt > n {
		nt = n - nv
	}
	validationIdx = slices.Sorted(slices.Values(perm[:nv]))
	testIdx = slices.Sorted(slices.Values(perm[nv : nv+nt]))
	trainIdx = slices.Sorted(slices.Values(perm[nv+nt:]))
	return trainIdx, validationIdx, testIdx, nil
}

// ChosenShorter marks the pairs whose chosen response has fewer words
// (whitespace-separated) than the rejected one: the "concise" pairs of the
// length-bias experiment on text data.
func (d Dataset) ChosenShorter() []bool {
	out := make([]bool, len(d))
	for i, p := range d {
		out[i] = len(strings.Fields(p.Chosen)) < len(strings.Fields(p.Rejected))
	}
	return out
}

// Select returns the pairs where mask is true, in order.
func (d Dataset) Select(mask []bool) (Dataset, error) {
	if len(mask) != len(d) {
		return nil, fmt.Errorf("pref: selection mask has %d entries for %d pairs", len(mask), len(d))
	}
	return d.Subset(maskIndices(mask))
}
