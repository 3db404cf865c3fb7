package reward_test

import (
	"fmt"
	"testing"

	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
)

// BenchmarkTrainLinear trains the linear model with Newton's method to a
// gradient norm of 1e-10 on 10k and 100k pairs of 64 features.
func BenchmarkTrainLinear(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		c, _ := rewardtest.Synthetic(n, 64, 3, 1)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := reward.TrainLinear(c, reward.LinearConfig{Solver: reward.Newton}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrainMLPEpoch runs one Adam epoch (mini-batches of 64) of an MLP
// with one hidden layer of 64 on 10k and 100k pairs of 64 features.
func BenchmarkTrainMLPEpoch(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		c, _ := rewardtest.Synthetic(n, 64, 3, 1)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := reward.TrainMLP(c, reward.MLPConfig{Epochs: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
