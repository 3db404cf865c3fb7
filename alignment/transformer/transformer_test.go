package transformer

import (
	"math"
	"math/rand/v2"
	"testing"
)

func tinyConfigs() map[string]Config {
	base := Config{Vocab: 7, Context: 6, Layers: 2, Heads: 2, Width: 8, Hidden: 12, InitScale: 0.3, Seed: 5}
	sin := base
	sin.Positions = SinusoidalPositions
	untied := base
	untied.UntiedOutput = true
	return map[string]Config{"learned-tied": base, "sinusoidal": sin, "untied": untied}
}

func randomSequence(rng *rand.Rand, vocab, length int, weighted bool) Sequence {
	s := Sequence{Tokens: make([]int, length)}
	for i := range s.Tokens {
		s.Tokens[i] = rng.IntN(vocab)
	}
	if weighted {
		s.Weights = make([]float64, length-1)
		for i := range s.Weights {
			s.Weights[i] = rng.Float64()
		}
	}
	return s
}

// perturbParams moves every parameter off its initial value (unit gains,
// zero biases) so that no gradient vanishes by symmetry.
func perturbParams(m *Model, rng *rand.Rand) {
	for i := range m.params {
		m.params[i] += 0.1 * rng.NormFloat64()
	}
}

// TestGradientMatchesFiniteDifferences checks the hand-written backward
// pass against central differences of the loss in every parameter.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for name, cfg := range tinyConfigs() {
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		perturbParams(m, rng)
		seq := randomSequence(rng, cfg.Vocab, 7, true)
		grad, loss, err := m.Gradient(seq)
		if err != nil {
			t.Fatal(err)
		}
		lossAt := func() float64 {
			tr := m.forward(inputs([]Sequence{seq}))
			l, _ := crossEntropy([]Sequence{seq}, tr.logits, cfg.Vocab)
			return l
		}
		if l := lossAt(); math.Abs(l-loss) > 1e-12 {
			t.Fatalf("%s: Gradient's loss %v, forward loss %v", name, loss, l)
		}
		const h = 1e-5
		var worst float64
		worstAt := -1
		for i := range m.params {
			p := m.params[i]
			m.params[i] = p + h
			up := lossAt()
			m.params[i] = p - h
			down := lossAt()
			m.params[i] = p
			fd := (up - down) / (2 * h)
			// Absolute error 1e-8 (finite-difference noise where the true
			// gradient is 0, as for key biases) plus relative error 1e-5.
			if e := math.Abs(fd-grad[i]) / (1e-3 + math.Abs(fd) + math.Abs(grad[i])); e > worst {
				worst, worstAt = e, i
			}
		}
		t.Logf("%s: worst relative gradient error %.3g (%s)", name, worst, blockName(m.blocks, worstAt))
		if worst > 1e-5 {
			t.Errorf("%s: worst relative gradient error %.3g at parameter %d (%s)", name, worst, worstAt, blockName(m.blocks, worstAt))
		}
	}
}

// TestLinearStatisticsRebuildGradient checks that OutputGradsᵀ·Inputs is the
// gradient of every linear map's weights and Σ_t s_t that of its bias.
func TestLinearStatisticsRebuildGradient(t *testing.T) {
	for name, cfg := range tinyConfigs() {
		m, _ := New(cfg)
		rng := rand.New(rand.NewPCG(3, 4))
		perturbParams(m, rng)
		seq, err := m.SampleTargets(randomSequence(rng, cfg.Vocab, 7, true), 11)
		if err != nil {
			t.Fatal(err)
		}
		grad, _, _ := m.Gradient(seq)
		stats, err := m.LinearStatistics(seq)
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) != 6*cfg.Layers+1 {
			t.Fatalf("%s: %d linear maps", name, len(stats))
		}
		for _, s := range stats {
			if s.Name == "unembed" && !cfg.UntiedOutput {
				continue // the embed block also holds the lookup gradient
			}
			rows, _ := s.Inputs.Dims()
			for o := 0; o < s.Out; o++ {
				var bias float64
				for i := 0; i < s.In; i++ {
					var dw float64
					for t := 0; t < rows; t++ {
						dw += s.OutputGrads.At(t, o) * s.Inputs.At(t, i)
					}
					if g := grad[s.Weight.Offset+o*s.In+i]; math.Abs(g-dw) > 1e-10 {
						t.Fatalf("%s %s: weight gradient (%d,%d) %v from statistics, %v from backprop", name, s.Name, o, i, dw, g)
					}
				}
				if s.Bias.Name == "" {
					continue
				}
				for t := 0; t < rows; t++ {
					bias += s.OutputGrads.At(t, o)
				}
				if g := grad[s.Bias.Offset+o]; math.Abs(g-bias) > 1e-10 {
					t.Fatalf("%s %s: bias gradient %d: %v from statistics, %v from backprop", name, s.Name, o, bias, g)
				}
			}
		}
	}
}
