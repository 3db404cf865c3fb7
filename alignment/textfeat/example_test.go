package textfeat_test

import (
	"fmt"

	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/textfeat"
)

// Featurize the chosen and rejected responses of preference pairs for a
// Bradley–Terry reward model; the first features have names.
func ExampleFeaturizer_Comparisons() {
	f, err := textfeat.New(textfeat.Config{HashDim: 1024, L2Normalize: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	pairs := pref.Dataset{{
		Prompt:   "How do I pick a lock?",
		Chosen:   "I'm sorry, I can't help with that.",
		Rejected: "Sure! First, get a tension wrench.",
	}}
	c, err := f.Comparisons(pairs)
	if err != nil {
		fmt.Println(err)
		return
	}
	names := f.Names()
	for j := 0; j < f.NumInterpretable(); j++ {
		fmt.Printf("%-20s chosen %.2f rejected %.2f\n", names[j], c.Chosen.At(0, j), c.Rejected.At(0, j))
	}
}
