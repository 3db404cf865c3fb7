package transformer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
)

// TrainConfig configures Train. The zero value trains 300 steps of 16
// sequences with AdamW at a peak learning rate of 1e-2, which takes the
// default model on the tasks corpus (BPE tokens) from 6 to about 0.2 nats
// per token.
type TrainConfig struct {
	// Steps is the number of optimiser steps; 0 means 300.
	Steps int
	// BatchSize is the number of sequences per step; 0 means 16.
	// Sequences longer than the context+1 tokens are cut to a random
	// window of context+1 tokens.
	BatchSize int
	// LearningRate is the peak learning rate; 0 means 1e-2. It rises
	// linearly over WarmupSteps, then decays along a cosine to a tenth of
	// the peak at the last step.
	LearningRate float64
	// WarmupSteps is the length of the linear warm-up; 0 means Steps/20,
	// negative means none.
	WarmupSteps int
	// WeightDecay is the decoupled weight decay of AdamW (Loshchilov &
	// Hutter 2019) applied to weight matrices and embeddings, not to
	// biases and LayerNorm gains; 0 means none.
	WeightDecay float64
	// ClipNorm rescales the gradient when its Euclidean norm exceeds it;
	// 0 means 1, negative disables clipping.
	ClipNorm float64
	// Beta1 and Beta2 are Adam's moment decay rates; 0 means 0.9 and
	// 0.99. Epsilon is its denominator offset; 0 means 1e-8.
	Beta1, Beta2, Epsilon float64
	// Seed seeds the choice of batches and windows.
	Seed uint64
}

func (c TrainConfig) withDefaults() (TrainConfig, error) {
	if c.Steps == 0 {
		c.Steps = 300
	}
	if c.BatchSize == 0 {
		c.BatchSize = 16
	}
	if c.LearningRate == 0 {
		c.LearningRate = 1e-2
	}
	if c.WarmupSteps == 0 {
		c.WarmupSteps = c.Steps / 20
	}
	if c.WarmupSteps < 0 {
		c.WarmupSteps = 0
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.99
	}
	if c.Epsilon == 0 {
		c.Epsilon = 1e-8
	}
	switch {
	case c.Steps < 0 || c.BatchSize < 0:
		return c, fmt.Errorf("transformer: Steps %d and BatchSize %d must be positive", c.Steps, c.BatchSize)
	case !(c.LearningRate > 0):
		return c, fmt.Errorf("transformer: LearningRate %v must be positive", c.LearningRate)
	case !(c.WeightDecay >= 0):
		return c, fmt.Errorf("transformer: WeightDecay %v must be ≥ 0", c.WeightDecay)
	case !(c.Beta1 > 0 && c.Beta1 < 1 && c.Beta2 > 0 && c.Beta2 < 1):
		return c, fmt.Errorf("transformer: Adam betas %v, %v must be in (0, 1)", c.Beta1, c.Beta2)
	case !(c.Epsilon > 0):
		return c, fmt.Errorf("transformer: Epsilon %v must be positive", c.Epsilon)
	}
	return c, nil
}

// learningRate returns the rate of step s (0-based): linear warm-up, then
// cosine decay to a tenth of the peak.
func (c TrainConfig) learningRate(s int) float64 {
	if s < c.WarmupSteps {
		return c.LearningRate * float64(s+1) / float64(c.WarmupSteps)
	}
	span := max(c.Steps-c.WarmupSteps-1, 1)
	frac := float64(s-c.WarmupSteps) / float64(span)
	return c.LearningRate * (0.1 + 0.9*0.5*(1+math.Cos(math.Pi*min(frac, 1))))
}

// TrainResult reports a training run.
type TrainResult struct {
	// Losses holds the mean loss (nats per weighted token) of each step's
	// batch, measured before the step's update.
	Losses []float64
	// GradNorms holds each step's gradient norm before clipping.
	GradNorms []float64
}

// Train fits the model to seqs by minimising the mean weighted next-token
// negative log-likelihood with AdamW (Kingma & Ba 2015, Algorithm 1, with
// decoupled weight decay), gradient clipping, warm-up and cosine decay.
// Each step's batch is split across all cores. Progress goes to job; an
// interrupt stops training between two steps and returns the steps done
// with job.ErrInterrupted, leaving the model valid (as after its last
// complete step).
func Train(m *Model, seqs []Sequence, cfg TrainConfig) (*TrainResult, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(seqs) == 0 {
		return nil, fmt.Errorf("transformer: no training sequences")
	}
	for i, s := range seqs {
		if err := s.validate(m.cfg.Vocab, math.MaxInt32); err != nil {
			return nil, fmt.Errorf("training sequence %d: %w", i, err)
		}
	}
	decay := decayMask(m)
	adamM, adamV := make([]float64, len(m.params)), make([]float64, len(m.params))
	workers := min(runtime.GOMAXPROCS(0), cfg.BatchSize)
	grads := make([][]float64, workers)
	for i := range grads {
		grads[i] = make([]float64, len(m.params))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7ea1))
	res := &TrainResult{}
	t := job.Start("training", cfg.Steps)
	for step := 0; step < cfg.Steps; step++ {
		if err := t.Step(1); err != nil {
			t.Done(err)
			return res, err
		}
		batch := make([]Sequence, cfg.BatchSize)
		for i := range batch {
			batch[i] = window(seqs[rng.IntN(len(seqs))], m.cfg.Context, rng)
		}
		losses, weights := make([]float64, workers), make([]float64, workers)
		parallel.For(workers, func(w int) error {
			clear(grads[w])
			g, _, _, _ := bind(m.cfg, grads[w])
			lo, hi := w*len(batch)/workers, (w+1)*len(batch)/workers
			_, losses[w], weights[w] = m.lossGrad(batch[lo:hi], g, nil)
			return nil
		})
		var loss, weight float64
		for w := range losses {
			loss += losses[w]
			weight += weights[w]
		}
		if weight == 0 {
			res.Losses = append(res.Losses, 0)
			res.GradNorms = append(res.GradNorms, 0)
			continue
		}
		grad := grads[0]
		for _, g := range grads[1:] {
			for i, v := range g {
				grad[i] += v
			}
		}
		var norm float64
		for i := range grad {
			grad[i] /= weight
			norm += grad[i] * grad[i]
		}
		norm = math.Sqrt(norm)
		res.Losses = append(res.Losses, loss/weight)
		res.GradNorms = append(res.GradNorms, norm)
		scale := 1.0
		if cfg.ClipNorm > 0 && norm > cfg.ClipNorm {
			scale = cfg.ClipNorm / norm
		}
		lr := cfg.learningRate(step)
		c1 := 1 - math.Pow(cfg.Beta1, float64(step+1))
		c2 := 1 - math.Pow(cfg.Beta2, float64(step+1))
		for i, p := range m.params {
			g := grad[i] * scale
			adamM[i] = cfg.Beta1*adamM[i] + (1-cfg.Beta1)*g
			adamV[i] = cfg.Beta2*adamV[i] + (1-cfg.Beta2)*g*g
			upd := (adamM[i] / c1) / (math.Sqrt(adamV[i]/c2) + cfg.Epsilon)
			if decay[i] {
				upd += cfg.WeightDecay * p
			}
			m.params[i] = p - lr*upd
		}
	}
	t.Done(nil)
	return res, nil
}

// decayMask marks the parameters weight decay applies to: every block but
// biases and LayerNorm gains.
func decayMask(m *Model) []bool {
	mask := make([]bool, len(m.params))
	for _, b := range m.blocks {
		if strings.HasSuffix(b.Name, ".bias") || strings.HasSuffix(b.Name, ".gain") {
			continue
		}
		for i := b.Offset; i < b.Offset+b.Rows*b.Cols; i++ {
			mask[i] = true
		}
	}
	return mask
}

// window returns s cut to a random window of at most context+1 tokens.
func window(s Sequence, context int, rng *rand.Rand) Sequence {
	if len(s.Tokens) <= context+1 {
		return s
	}
	start := rng.IntN(len(s.Tokens) - context)
	w := Sequence{Tokens: s.Tokens[start : start+context+1]}
	if s.Weights != nil {
		w.Weights = s.Weights[start : start+context]
	}
	if s.Targets != nil {
		w.Targets = s.Targets[start : start+context]
	}
	return w
}
