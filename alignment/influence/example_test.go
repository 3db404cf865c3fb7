package influence_test

import (
	"fmt"

	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
)

// A careless labeler swaps some of its pairs; influence on a clean
// validation set ranks those pairs first and names the labeler.
func Example() {
	train, _ := rewardtest.Synthetic(400, 10, 4, 1)
	valid, _ := rewardtest.Synthetic(200, 10, 4, 1) // same utility, other pairs
	train.Labeler = make([]string, train.Len())
	flipped := map[int]bool{}
	for i := range train.Labeler {
		train.Labeler[i] = []string{"alice", "bob", "carol", "careless"}[i%4]
		if i%4 == 3 && i%8 == 7 { // half of the careless labeler's pairs
			flipped[i] = true
			for j := 0; j < 10; j++ {
				w, l := train.Chosen.At(i, j), train.Rejected.At(i, j)
				train.Chosen.Set(i, j, l)
				train.Rejected.Set(i, j, w)
			}
		}
	}
	model, err := reward.TrainLinear(train, reward.LinearConfig{L2: 0.01})
	if err != nil {
		fmt.Println(err)
		return
	}
	factors, err := influence.Fit(influence.Problem{Model: model, Train: train, Measurement: influence.MeanQueryLoss},
		influence.Config{Method: influence.DataInf})
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, err := factors.Scores(valid) // 1×400: influence on the mean validation loss
	if err != nil {
		fmt.Println(err)
		return
	}
	hits := 0
	for _, i := range influence.Suspects(scores.RawRowView(0))[:20] {
		if flipped[i] {
			hits++
		}
	}
	fmt.Printf("flipped pairs among the 20 most suspect: %d of %d flipped in all\n", hits, len(flipped))
	byLabeler, _ := influence.ByLabeler(scores.RawRowView(0), train.Labeler)
	fmt.Println("most harmful labeler:", byLabeler[0].Labeler)
	// Output:
	// flipped pairs among the 20 most suspect: 20 of 50 flipped in all
	// most harmful labeler: careless
}
