package reward_test

import (
	"bytes"
	"fmt"

	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
)

// Train a linear and an MLP reward model on the same pairs, compare them on
// held-out pairs, and save one.
func Example() {
	train, _ := rewardtest.Synthetic(2000, 8, 4, 1)
	heldOut, _ := rewardtest.Synthetic(1000, 8, 4, 1) // same utility, new pairs
	lin, fit, err := reward.TrainLinearFit(train, reward.LinearConfig{L2: 1e-3})
	if err != nil {
		fmt.Println(err)
		return
	}
	mlp, err := reward.TrainMLP(train, reward.MLPConfig{Hidden: []int{32}, Epochs: 20, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	accLin, _ := lin.Accuracy(heldOut)
	accMLP, _ := mlp.Accuracy(heldOut)
	fmt.Printf("Newton converged: %v\n", fit.GradientNorm < 1e-10)
	fmt.Printf("held-out accuracy within 3 points: %v\n", accLin-accMLP < 0.03 && accMLP-accLin < 0.03)
	var buf bytes.Buffer
	if err := reward.Save(&buf, mlp); err != nil {
		fmt.Println(err)
		return
	}
	loaded, err := reward.Load(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	r1, _ := mlp.Score(heldOut.Chosen)
	r2, _ := loaded.Score(heldOut.Chosen)
	fmt.Println("loaded model scores identically:", r1[0] == r2[0])
	// Output:
	// Newton converged: true
	// held-out accuracy within 3 points: true
	// loaded model scores identically: true
}
