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

// Optimizer is AdamW (Kingma & Ba 2015, Algorithm 1, with the decoupled
// weight decay of Loshchilov & Hutter 2019) over a model's flat
// parameters, with gradient clipping, linear warm-up and cosine decay as
// configured by a TrainConfig. Train uses it for language modelling; a
// method with its own loss (pairwise preference losses, reward-weighted
// likelihood) computes a gradient (e.g. with BatchGradient) and calls Step.
type Optimizer struct {
	m        *Model
	cfg      TrainConfig
	decay    []bool
	mom, vel []float64
	steps    int
}

// NewOptimizer returns an optimiser of m's parameters; cfg.Steps sets the
// length of the learning-rate schedule (after it, the rate stays at a
// tenth of the peak).
func NewOptimizer(m *Model, cfg TrainConfig) (*Optimizer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := len(m.params)
	return &Optimizer{m: m, cfg: cfg, decay: decayMask(m), mom: make([]float64, n), vel: make([]float64, n)}, nil
}

// Steps returns the number of updates applied so far.
func (o *Optimizer) Steps() int { return o.steps }

// Step applies one update for grad, the gradient of the loss to minimise
// laid out as Params, and returns its Euclidean norm before clipping.
func (o *Optimizer) Step(grad []float64) (float64, error) {
	if len(grad) != len(o.m.params) {
		return 0, fmt.Errorf("transformer: gradient of %d values for %d parameters", len(grad), len(o.m.params))
	}
	var norm float64
	for _, g := range grad {
		norm += g * g
	}
	norm = math.Sqrt(norm)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("transformer: gradient norm is %v; parameters left unchanged", norm)
	}
	cfg := o.cfg
	scale := 1.0
	if cfg.ClipNorm > 0 && norm > cfg.ClipNorm {
		scale = cfg.ClipNorm / norm
	}
	lr := cfg.learningRate(o.steps)
	o.steps++
	c1 := 1 - math.Pow(cfg.Beta1, float64(o.steps))
	c2 := 1 - math.Pow(cfg.Beta2, float64(o.steps))
	for i, p := range o.m.params {
		g := grad[i] * scale
		o.mom[i] = cfg.Beta1*o.mom[i] + (1-cfg.Beta1)*g
		o.vel[i] = cfg.Beta2*o.vel[i] + (1-cfg.Beta2)*g*g
		upd := (o.mom[i] / c1) / (math.Sqrt(o.vel[i]/c2) + cfg.Epsilon)
		if o.decay[i] {
			upd += cfg.WeightDecay * p
		}
		o.m.params[i] = p - lr*upd
	}
	return norm, nil
}

// BatchGradient returns the gradient of Σ_s Σ_t w_{s,t}·(−log p(y_{s,t} |
// y_{s,<t})) over seqs (laid out as Params), the summed weighted loss and
// the total weight, computed on all cores. Weights may be negative: a
// pairwise loss such as DPO's, whose gradient is c·(∇log π(y_l) −
// ∇log π(y_w)) per pair, is one call with weight c on the chosen
// response's tokens and −c on the rejected one's.
func (m *Model) BatchGradient(seqs []Sequence) (grad []float64, loss, weight float64, err error) {
	if err := m.validateAll(seqs); err != nil {
		return nil, 0, 0, err
	}
	return m.batchGradient(seqs)
}

// batchGradient is BatchGradient on valid sequences: the batch is split
// into one part per core, each with its own gradient buffer. Its error is
// that of a part that panicked.
func (m *Model) batchGradient(seqs []Sequence) ([]float64, float64, float64, error) {
	workers := min(runtime.GOMAXPROCS(0), len(seqs))
	grads := make([][]float64, workers)
	losses, weights := make([]float64, workers), make([]float64, workers)
	err := parallel.For(workers, func(w int) error {
		grads[w] = make([]float64, len(m.params))
		g, _, _, _ := bind(m.cfg, grads[w])
		lo, hi := w*len(seqs)/workers, (w+1)*len(seqs)/workers
		_, losses[w], weights[w] = m.lossGrad(seqs[lo:hi], g, nil)
		return nil
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("transformer: computing the gradient: %w", err)
	}
	grad := grads[0]
	for _, g := range grads[1:] {
		for i, v := range g {
			grad[i] += v
		}
	}
	var loss, weight float64
	for w := range losses {
		loss += losses[w]
		weight += weights[w]
	}
	return grad, loss, weight, nil
}

// Train fits the model to seqs by minimising the mean weighted next-token
// negative log-likelihood with the Optimizer (AdamW, clipping, warm-up,
// cosine decay). Each step draws BatchSize sequences at random. Progress
// goes to job; an interrupt stops training between two steps and returns
// the steps done with job.ErrInterrupted, leaving the model valid (as after
// its last complete step).
func Train(m *Model, seqs []Sequence, cfg TrainConfig) (*TrainResult, error) {
	opt, err := NewOptimizer(m, cfg)
	if err != nil {
		return nil, err
	}
	cfg = opt.cfg
	if len(seqs) == 0 {
		return nil, fmt.Errorf("transformer: no training sequences")
	}
	for i, s := range seqs {
		if err := s.validate(m.cfg.Vocab, math.MaxInt32); err != nil {
			return nil, fmt.Errorf("training sequence %d: %w", i, err)
		}
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
		grad, loss, weight, err := m.batchGradient(batch)
		if err != nil {
			t.Done(err)
			return res, err
		}
		if weight <= 0 {
			err := fmt.Errorf("transformer: batch of step %d has total weight %v; training needs positive weights", step, weight)
			t.Done(err)
			return res, err
		}
		for i := range grad {
			grad[i] /= weight
		}
		norm, err := opt.Step(grad)
		if err != nil {
			t.Done(err)
			return res, err
		}
		res.Losses = append(res.Losses, loss/weight)
		res.GradNorms = append(res.GradNorms, norm)
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
