package synth_test

import (
	"fmt"

	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/synth"
)

// A length-biased labeler flips 20% of the pairs whose truly preferred
// response is the shorter one; Flipped records which. Any score meant to
// flag mislabelled pairs can be checked against it, here the negated true
// margin, which finds them perfectly.
func ExampleGenerate() {
	data, err := synth.Generate(synth.Config{
		Seed:      1,
		Sharpness: 1,
		Labelers:  []synth.Labeler{{ID: "length", Bias: synth.LengthBiased, Rate: 0.2}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	suspicion := make([]float64, len(data.TrueMargin))
	for i, m := range data.TrueMargin {
		suspicion[i] = -m
	}
	auc, err := metrics.ROCAUC(suspicion, data.Flipped)
	fmt.Println(data.Train.Len(), "pairs; AUC of the true margin:", auc, err)
}
