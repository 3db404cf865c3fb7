package kfac

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are a block of preference pairs through a 64×64 layer (the
// pairwise path) and one 48-token sequence through a 400×33 unembedding and
// a 128×33 MLP input map (per-example paths).
var benchShapes = []struct{ n, terms, in, out int }{
	{1024, 2, 64, 64}, {1, 48, 33, 400}, {1, 48, 33, 128},
}

// BenchmarkCorrectionAdd adds one batch to an EK-FAC correction.
func BenchmarkCorrectionAdd(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(fmt.Sprintf("n%d-terms%d-%dx%d", sh.n, sh.terms, sh.out, sh.in), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			bt := randomBatch(rng, sh.n, sh.terms, sh.in, sh.out)
			e := benchBasis(b, bt, sh.in, sh.out)
			corr := NewCorrection(e)
			for b.Loop() {
				if err := corr.Add(bt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelfInfluence computes the self-influences of one batch.
func BenchmarkSelfInfluence(b *testing.B) {
	for _, sh := range benchShapes {
		b.Run(fmt.Sprintf("n%d-terms%d-%dx%d", sh.n, sh.terms, sh.out, sh.in), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			bt := randomBatch(rng, sh.n, sh.terms, sh.in, sh.out)
			e := benchBasis(b, bt, sh.in, sh.out)
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
}

// benchBasis fits the eigenbasis of a batch's rows.
func benchBasis(b *testing.B, bt Batch, in, out int) *Eigenbasis {
	c, err := NewCovariances(in, out)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.AddInputs(bt.Inputs, nil); err != nil {
		b.Fatal(err)
	}
	if err := c.AddOutputGrads(bt.OutputGrads, nil); err != nil {
		b.Fatal(err)
	}
	e, err := c.Eigenbasis()
	if err != nil {
		b.Fatal(err)
	}
	return e
}
