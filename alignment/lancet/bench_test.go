package lancet

import (
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/transformer"
)

// benchSetup returns the study's model size (2 layers, width 32, 400-token
// vocabulary) with 64 random 48-token training sequences and 8 queries.
func benchSetup(b *testing.B) (*transformer.Model, []transformer.Sequence, []transformer.Sequence) {
	m, err := transformer.New(transformer.Config{Vocab: 400, Width: 32, Layers: 2, UntiedOutput: true, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	seqs := make([]transformer.Sequence, 72)
	for i := range seqs {
		toks := make([]int, 48)
		for j := range toks {
			toks[j] = rng.IntN(400)
		}
		seqs[i] = transformer.Sequence{Tokens: toks}
	}
	return m, seqs[:64], seqs[64:]
}

// BenchmarkFitEKFAC fits EK-FAC factors on 64 sequences (two passes).
func BenchmarkFitEKFAC(b *testing.B) {
	m, train, _ := benchSetup(b)
	for b.Loop() {
		if _, err := FitLinFAC(m, train, LinFACConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScores scores 64 training sequences against 8 queries.
func BenchmarkScores(b *testing.B) {
	m, train, queries := benchSetup(b)
	f, err := FitLinFAC(m, train, LinFACConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.Scores(queries, train); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIBOStep runs IBO steps of 8 pairs.
func BenchmarkIBOStep(b *testing.B) {
	m, train, _ := benchSetup(b)
	pairs := make([]Pair, 32)
	for i := range pairs {
		pairs[i] = Pair{Chosen: i, Rejected: 32 + i}
	}
	b.ResetTimer()
	if _, err := IBO(m, train, pairs, IBOConfig{StepConfig: StepConfig{Steps: b.N}}); err != nil {
		b.Fatal(err)
	}
}
