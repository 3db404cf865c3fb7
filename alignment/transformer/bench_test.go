package transformer

import (
	"math/rand/v2"
	"testing"
)

// defaultBenchModel is the default model for a 50-character vocabulary,
// the size of the tasks corpus alphabet.
func defaultBenchModel(b *testing.B) (*Model, []Sequence) {
	m, err := New(Config{Vocab: 50})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	seqs := make([]Sequence, 64)
	for i := range seqs {
		seqs[i] = randomSequence(rng, 50, m.cfg.Context+1, false)
	}
	return m, seqs
}

// BenchmarkTrainStep measures training throughput of the default model
// (batches of 16 sequences of 128 predicted tokens).
func BenchmarkTrainStep(b *testing.B) {
	m, seqs := defaultBenchModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := Train(m, seqs, TrainConfig{Steps: b.N}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(16*m.cfg.Context*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkStream measures incremental decoding of the default model over
// its full context.
func BenchmarkStream(b *testing.B) {
	m, seqs := defaultBenchModel(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := m.NewStream()
		for _, tok := range seqs[0].Tokens[:m.cfg.Context] {
			if _, err := s.Append(tok); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(m.cfg.Context*b.N)/b.Elapsed().Seconds(), "tokens/s")
}
