package pref_test

import (
	"fmt"

	"github.com/golign/golign/alignment/pref"
)

// Load HH-RLHF pairs (gzip is detected), split off a validation set, and
// flip the labels of chosen-shorter training pairs, as a length-biased
// labeler would.
func ExampleLoadJSONL() {
	pairs, err := pref.LoadJSONL("../../notebooks/data/hh-rlhf-harmless-base-test.jsonl.gz")
	if err != nil {
		fmt.Println(err)
		return
	}
	trainIdx, validationIdx, _, err := pref.Split(len(pairs), 0.2, 0, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	train, _ := pairs.Subset(trainIdx)
	if err := train.Flip(train.ChosenShorter()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(train), "training and", len(validationIdx), "validation pairs")
	fmt.Printf("prompt of the first pair: %q\n", pairs[0].Prompt)
}
