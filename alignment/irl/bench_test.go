package irl

import (
	"testing"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/transformer"
)

// benchDemos returns a model of the default width over a 64-token
// vocabulary and 16 demonstrations of 12 tokens after 6-token contexts.
func benchDemos(b *testing.B) (*transformer.Model, *Demonstrations) {
	m, err := transformer.New(transformer.Config{Vocab: 64, Context: 32, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	d := &Demonstrations{}
	for i := 0; i < 16; i++ {
		ctx := make([]int, 6)
		resp := make([]int, 12)
		for j := range ctx {
			ctx[j] = 1 + (i*7+j*3)%63
		}
		for j := range resp {
			resp[j] = 1 + (i*5+j*11)%63
		}
		resp[len(resp)-1] = 0
		d.Contexts = append(d.Contexts, policy.Context{Prompt: ctx})
		d.Responses = append(d.Responses, resp)
	}
	return m, d
}

var benchSampling = policy.SampleConfig{MaxTokens: 12, StopTokens: []int{0}}

// BenchmarkIRFTStage measures one IRFT stage of 4 steps: sampling a
// negative per demonstration, scoring both under the reference, and 4
// batch gradients of 16 pairs.
func BenchmarkIRFTStage(b *testing.B) {
	m, d := benchDemos(b)
	cfg := Config{Steps: 4, BatchSize: 16, LearningRate: 1e-4, Sampling: benchSampling, Seed: 1}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := IRFT(m.Clone(), d, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRFTStep measures one RFT step: 4 samples for each of 16
// demonstrations, the reward step and the leave-one-out policy gradient.
func BenchmarkRFTStep(b *testing.B) {
	m, d := benchDemos(b)
	features := func(_ int, r []int) ([]float64, error) {
		return []float64{float64(len(r)), float64(r[0] % 2)}, nil
	}
	cfg := Config{Steps: 1, BatchSize: 16, LearningRate: 1e-4, Sampling: benchSampling, Seed: 1}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := RFT(m.Clone(), d, features, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIRFTLinear measures 100 IRFT steps over 5 stages on 600
// log-linear demonstrations (60 prompts, 8 candidates, 5 features).
func BenchmarkIRFTLinear(b *testing.B) {
	pr, err := NewLinearProblem(60, 8, 5, 1)
	if err != nil {
		b.Fatal(err)
	}
	demos, _, err := ExpertDemos(pr.Expert, pr.Reference, 10, 0.2, 2)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := IRFTLinear(pr.Reference, demos, LinearConfig{Steps: 100, Stages: 5, Seed: 3}); err != nil {
			b.Fatal(err)
		}
	}
}
