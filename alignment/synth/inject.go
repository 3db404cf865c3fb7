package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/golign/golign/alignment/pref"
)

// ChosenLower marks the pairs whose chosen response has a lower value of
// feature than the rejected one: with feature LengthFeature, the "concise"
// pairs whose preferred response is the shorter — the targeted validation
// set of the length-bias experiment.
func ChosenLower(c *pref.Comparisons, feature int) ([]bool, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if feature < 0 || feature >= c.Dim() {
		return nil, fmt.Errorf("synth: feature %d outside 0…%d", feature, c.Dim()-1)
	}
	out := make([]bool, c.Len())
	for i := range out {
		out[i] = c.Chosen.At(i, feature) < c.Rejected.At(i, feature)
	}
	return out, nil
}

// FlipMask draws which of the eligible pairs a biased labeler flips: each
// eligible pair independently with probability rate, seeded by seed. To
// inject length bias into real data, pass the pairs whose chosen response is
// the shorter (pref.Dataset.ChosenShorter) and flip the result with
// pref.Comparisons.Flip or pref.Dataset.Flip.
func FlipMask(eligible []bool, rate float64, seed uint64) ([]bool, error) {
	if !(rate >= 0 && rate <= 1) {
		return nil, fmt.Errorf("synth: flip rate %v is not a probability", rate)
	}
	rng := rand.New(rand.NewPCG(seed, 0xf11b))
	out := make([]bool, len(eligible))
	for i, e := range eligible {
		u := rng.Float64() // drawn for every pair, so masks of nested eligible sets nest
		out[i] = e && u < rate
	}
	return out, nil
}
