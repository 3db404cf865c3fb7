package kfac

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// eachBenchShape runs f as a sub-benchmark on a random batch and its
// eigenbasis for: a block of preference pairs through a 64×64 layer (the
// pairwise path), and one 48-token sequence through a 400×33 unembedding
// and a 128×33 MLP input map (per-example paths).
func eachBenchShape(b *testing.B, f func(b *testing.B, bt Batch, e *Eigenbasis)) {
	for _, sh := range []struct{ n, terms, in, out int }{{1024, 2, 64, 64}, {1, 48, 33, 400}, {1, 48, 33, 128}} {
		b.Run(fmt.Sprintf("n%d-terms%d-%dx%d", sh.n, sh.terms, sh.out, sh.in), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			bt := randomBatch(rng, sh.n, sh.terms, sh.in, sh.out)
			f(b, bt, basisOf(b, sh.in, sh.out, bt))
		})
	}
}

// BenchmarkCorrectionAdd adds one batch to an EK-FAC correction.
func BenchmarkCorrectionAdd(b *testing.B) {
	eachBenchShape(b, func(b *testing.B, bt Batch, e *Eigenbasis) {
		corr := NewCorrection(e)
		for b.Loop() {
			if err := corr.Add(bt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSelfInfluence computes the self-influences of one batch.
func BenchmarkSelfInfluence(b *testing.B) {
	eachBenchShape(b, func(b *testing.B, bt Batch, e *Eigenbasis) {
		c, err := NewCurvature(e, e.KFACEigenvalues(), DampingConfig{})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.SelfInfluence(bt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
