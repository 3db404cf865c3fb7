package transformer

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/policy"
)

func TestStreamMatchesLogits(t *testing.T) {
	for name, cfg := range tinyConfigs() {
		m, _ := New(cfg)
		rng := rand.New(rand.NewPCG(8, 9))
		perturbParams(m, rng)
		tokens := randomSequence(rng, cfg.Vocab, cfg.Context, false).Tokens
		full, err := m.Logits(tokens)
		if err != nil {
			t.Fatal(err)
		}
		s := m.NewStream()
		for i, tok := range tokens {
			got, err := s.Append(tok)
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range got {
				if math.Abs(v-full.At(i, j)) > 1e-10 {
					t.Fatalf("%s: position %d logit %d: stream %v, full pass %v", name, i, j, v, full.At(i, j))
				}
			}
		}
		if _, err := s.Append(0); err == nil {
			t.Errorf("%s: stream accepted a token past the context", name)
		}
	}
}

func TestSaveLoadIdentical(t *testing.T) {
	for name, cfg := range tinyConfigs() {
		m, _ := New(cfg)
		perturbParams(m, rand.New(rand.NewPCG(1, 1)))
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		got, err := Load(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Config() != m.Config() {
			t.Fatalf("%s: config %+v after load, want %+v", name, got.Config(), m.Config())
		}
		tokens := []int{1, 4, 2, 6, 0}
		a, _ := m.Logits(tokens)
		b, _ := got.Logits(tokens)
		for i, v := range a.RawMatrix().Data {
			if b.RawMatrix().Data[i] != v {
				t.Fatalf("%s: logits differ after load", name)
			}
		}
		bad := []struct {
			name string
			data []byte
			want string
		}{
			{"magic", append([]byte("GGUF"), data[4:]...), "magic"},
			{"version", append(append([]byte("GLTR"), 9, 0, 0, 0), data[8:]...), "version 9"},
			{"truncated", data[:len(data)-3], "truncated"},
			{"header only", data[:6], "truncated"},
		}
		for _, c := range bad {
			if _, err := Load(bytes.NewReader(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %s: error %v, want one mentioning %q", name, c.name, err, c.want)
			}
		}
	}
}

// cycleData returns sequences of the repeating pattern 0, 1, …, period−1.
func cycleData(n, length, period int) []Sequence {
	seqs := make([]Sequence, n)
	for i := range seqs {
		s := make([]int, length)
		for j := range s {
			s[j] = (i + j) % period
		}
		seqs[i] = Sequence{Tokens: s}
	}
	return seqs
}

func TestTrainingLearnsACycle(t *testing.T) {
	cfg := Config{Vocab: 5, Context: 12, Layers: 1, Heads: 2, Width: 16, Seed: 1}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	data := cycleData(20, 13, 5)
	before, err := m.Loss(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Train(m, data, TrainConfig{Steps: 150, BatchSize: 4, LearningRate: 1e-2, WeightDecay: 0.01, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := m.Loss(data)
	if len(res.Losses) != 150 {
		t.Fatalf("%d losses for 150 steps", len(res.Losses))
	}
	if math.Abs(before-math.Log(5)) > 0.1 || after > 0.05 {
		t.Errorf("loss %v before (want ≈ ln 5), %v after training (want < 0.05)", before, after)
	}
	// The trained model predicts the cycle greedily through policy.Sample.
	out, err := policy.Sample(m, []policy.Context{{Prompt: []int{2, 3}}}, policy.SampleConfig{Greedy: true, MaxTokens: 6})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{4, 0, 1, 2, 3, 4}
	for i := range want {
		if out[0][i] != want[i] {
			t.Fatalf("greedy continuation %v, want %v", out[0], want)
		}
	}
}

func TestTrainingInterrupt(t *testing.T) {
	m, _ := New(Config{Vocab: 5, Context: 12, Layers: 1, Heads: 2, Width: 16})
	ctx, cancel := context.WithCancel(context.Background())
	unbind := job.Bind(ctx, nil)
	defer unbind()
	time.AfterFunc(50*time.Millisecond, cancel)
	res, err := Train(m, cycleData(10, 20, 5), TrainConfig{Steps: 1 << 30})
	if !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("error %v, want job.ErrInterrupted", err)
	}
	if len(res.Losses) == 0 {
		t.Error("no step ran before the interrupt")
	}
	unbind()
	// The model is still usable and finite.
	l, err := m.Loss(cycleData(2, 10, 5))
	if err != nil || math.IsNaN(l) {
		t.Errorf("after interrupt: loss %v, error %v", l, err)
	}
}

func TestBadInput(t *testing.T) {
	m, _ := New(Config{Vocab: 5, Context: 4, Layers: 1, Heads: 1, Width: 4})
	cases := []struct {
		name string
		err  error
	}{
		{"long context", func() error { _, err := m.Logits([]int{0, 1, 2, 3, 4}); return err }()},
		{"unknown token", func() error { _, err := m.Logits([]int{0, 9}); return err }()},
		{"short sequence", func() error { _, _, err := m.Gradient(Sequence{Tokens: []int{1}}); return err }()},
		{"weights length", func() error {
			_, _, err := m.Gradient(Sequence{Tokens: []int{1, 2}, Weights: []float64{1, 1}})
			return err
		}()},
		{"no data", func() error { _, err := Train(m, nil, TrainConfig{}); return err }()},
		{"bad rate", func() error { _, err := Train(m, cycleData(1, 3, 5), TrainConfig{LearningRate: -1}); return err }()},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	for _, cfg := range []Config{{}, {Vocab: 5, Width: 6, Heads: 4}, {Vocab: 5, Width: 3, Heads: 1, Positions: SinusoidalPositions}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

// TestBatchGradientAndPairwiseStep checks that BatchGradient sums the
// per-sequence gradients (negative weights included) and that an optimiser
// step on a DPO-style signed batch raises the chosen response's
// log-likelihood relative to the rejected one.
func TestBatchGradientAndPairwiseStep(t *testing.T) {
	cfg := tinyConfigs()["untied"]
	m, _ := New(cfg)
	rng := rand.New(rand.NewPCG(6, 6))
	perturbParams(m, rng)
	chosen := randomSequence(rng, cfg.Vocab, 6, false)
	rejected := randomSequence(rng, cfg.Vocab, 6, false)
	chosen.Weights = []float64{0, 0, 1, 1, 1}
	rejected.Weights = []float64{0, 0, -1, -1, -1}
	batch := []Sequence{chosen, rejected}
	grad, loss, weight, err := m.BatchGradient(batch)
	if err != nil {
		t.Fatal(err)
	}
	g1, l1, _ := m.Gradient(chosen)
	g2, l2, _ := m.Gradient(rejected)
	if math.Abs(loss-(l1+l2)) > 1e-12 || weight != 0 {
		t.Errorf("batch loss %v weight %v, want %v and 0", loss, weight, l1+l2)
	}
	for i := range grad {
		if math.Abs(grad[i]-(g1[i]+g2[i])) > 1e-12 {
			t.Fatalf("batch gradient %d: %v, per-sequence sum %v", i, grad[i], g1[i]+g2[i])
		}
	}
	opt, err := NewOptimizer(m, TrainConfig{LearningRate: 1e-2, WarmupSteps: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opt.Step(grad[:3]); err == nil {
		t.Error("gradient of the wrong length accepted")
	}
	// loss = −log π(chosen) + log π(rejected) over the weighted tokens.
	for range 5 {
		grad, _, _, _ := m.BatchGradient(batch)
		if _, err := opt.Step(grad); err != nil {
			t.Fatal(err)
		}
	}
	_, after, _, _ := m.BatchGradient(batch)
	if after >= loss-0.1 || opt.Steps() != 5 {
		t.Errorf("signed loss %v → %v after %d steps: the margin did not grow", loss, after, opt.Steps())
	}
}

// FuzzLoad feeds arbitrary files to Load: it must fail with an error or
// return a model that runs, never panic.
func FuzzLoad(f *testing.F) {
	m, _ := New(Config{Vocab: 3, Context: 2, Layers: 1, Heads: 1, Width: 2, Hidden: 2})
	var buf bytes.Buffer
	m.Save(&buf)
	f.Add(buf.Bytes())
	f.Add(append([]byte("GLTR\x01\x00\x00\x00\x0e\x00\x00\x00"), []byte(`{"Vocab":4000}`)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := got.Logits([]int{0}); err != nil {
			t.Fatal(err)
		}
	})
}
