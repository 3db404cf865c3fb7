package irl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/transformer"
)

// Demonstrations are SFT data for a language model: response Responses[i]
// (its stop token included) to context Contexts[i].
type Demonstrations struct {
	Contexts  []policy.Context
	Responses [][]int
}

// validate reports mismatched or empty demonstrations.
func (d *Demonstrations) validate() error {
	if d == nil || len(d.Contexts) == 0 {
		return fmt.Errorf("irl: no demonstrations")
	}
	if len(d.Contexts) != len(d.Responses) {
		return fmt.Errorf("irl: %d contexts but %d responses", len(d.Contexts), len(d.Responses))
	}
	for i := range d.Contexts {
		if len(d.Contexts[i].Tokens()) == 0 || len(d.Responses[i]) == 0 {
			return fmt.Errorf("irl: demonstration %d has an empty context or response", i)
		}
	}
	return nil
}

// Config configures the methods on a transformer. The zero value takes 60
// steps of 16 demonstrations at learning rate 1e-3, with β 0.1, one IRFT
// stage, KL penalty 0.05, reward learning rate 0.5, 4 RFT samples and 1
// IRFT sample per demonstration, and samples y′ at temperature 1 (at most
// 64 tokens).
type Config struct {
	// Steps is the number of optimiser steps (IRFT: in all, split evenly
	// over the stages); 0 means 60.
	Steps int
	// BatchSize is the number of demonstrations per step; 0 means 16.
	BatchSize int
	// LearningRate is AdamW's peak learning rate (package transformer's
	// schedule); 0 means 1e-3.
	LearningRate float64
	// Beta is IRFT's β; 0 means 0.1.
	Beta float64
	// Stages is IRFT's T; 0 means 1.
	Stages int
	// KLPenalty is RFT's λ; 0 means 0.05.
	KLPenalty float64
	// RewardLearningRate is the step size of RFT's Bradley–Terry step on
	// the reward weights; 0 means 0.5.
	RewardLearningRate float64
	// Samples is the number K of responses drawn per demonstration: RFT
	// draws K in each step and baselines each against the mean reward of
	// the other K−1 (0 means 4); IRFT draws K per stage and contrasts the
	// demonstration with each (0 means 1, SPIN's choice).
	Samples int
	// Sampling draws y′ from the policy; its Temperature 0 means 1. Its
	// first stop token is appended to a sampled response that stopped, as
	// demonstrations end with it. Its Seed is ignored: Seed below is used.
	Sampling policy.SampleConfig
	// Seed seeds batches and sampling.
	Seed uint64
}

func (c Config) steps() int            { return orInt(c.Steps, 60) }
func (c Config) batchSize() int        { return orInt(c.BatchSize, 16) }
func (c Config) learningRate() float64 { return orFloat(c.LearningRate, 1e-3) }
func (c Config) beta() float64         { return orFloat(c.Beta, 0.1) }
func (c Config) stages() int           { return orInt(c.Stages, 1) }
func (c Config) klPenalty() float64    { return orFloat(c.KLPenalty, 0.05) }
func (c Config) rewardRate() float64   { return orFloat(c.RewardLearningRate, 0.5) }

// samples returns Samples, or def when it is 0.
func (c Config) samples(def int) int { return orInt(c.Samples, def) }

func (c Config) validate() error {
	lin := LinearConfig{Steps: c.Steps, LearningRate: c.LearningRate, Beta: c.Beta, Stages: c.Stages, KLPenalty: c.KLPenalty}
	if err := lin.validate(); err != nil {
		return err
	}
	switch {
	case c.BatchSize < 0:
		return fmt.Errorf("irl: BatchSize %d must be ≥ 0", c.BatchSize)
	case c.Samples < 0:
		return fmt.Errorf("irl: Samples %d must be ≥ 0", c.Samples)
	case !(c.RewardLearningRate >= 0) || math.IsInf(c.RewardLearningRate, 0):
		return fmt.Errorf("irl: RewardLearningRate %v must be finite and ≥ 0", c.RewardLearningRate)
	case c.Stages > c.steps():
		return fmt.Errorf("irl: %d stages but only %d steps", c.Stages, c.steps())
	}
	return c.Sampling.Validate()
}

func (c Config) trainConfig() transformer.TrainConfig {
	return transformer.TrainConfig{Steps: c.steps(), BatchSize: c.batchSize(), LearningRate: c.learningRate(), Seed: c.Seed}
}

// Result reports a training run on a transformer.
type Result struct {
	// Losses holds each step's loss before the update: SFT's negative
	// log-likelihood per response token, RFT's Bradley–Terry loss of
	// (demonstration ≻ y′), IRFT's self-play loss.
	Losses []float64
	// Reward is RFT's learnt reward weights ψ over the features; nil for
	// the other methods.
	Reward []float64
}

// responseSequence returns context ++ response with loss weight w on the
// response's tokens and 0 on the context's.
func responseSequence(ctx policy.Context, response []int, w float64) transformer.Sequence {
	x := ctx.Tokens()
	s := transformer.Sequence{Tokens: append(x, response...), Weights: make([]float64, len(x)+len(response)-1)}
	for j := len(x) - 1; j < len(s.Weights); j++ {
		s.Weights[j] = w
	}
	return s
}

// checkInputs reports an error when a training call has no model, or bad
// demonstrations or configuration.
func checkInputs(m *transformer.Model, demos *Demonstrations, cfg Config) error {
	if m == nil {
		return fmt.Errorf("irl: nil model")
	}
	if err := demos.validate(); err != nil {
		return err
	}
	return cfg.validate()
}

// SFT fine-tunes m in place by maximum likelihood of the demonstrations'
// responses (loss on response tokens only) with package transformer's
// AdamW schedule.
func SFT(m *transformer.Model, demos *Demonstrations, cfg Config) (*Result, error) {
	if err := checkInputs(m, demos, cfg); err != nil {
		return nil, err
	}
	seqs := make([]transformer.Sequence, len(demos.Contexts))
	for i := range seqs {
		seqs[i] = responseSequence(demos.Contexts[i], demos.Responses[i], 1)
	}
	res, err := transformer.Train(m, seqs, cfg.trainConfig())
	if err != nil {
		return nil, err
	}
	return &Result{Losses: res.Losses}, nil
}

// sampleResponses draws one response per context from p (the stream
// (seed, i) for context i) and appends the first stop token to the
// responses that stopped at it.
func sampleResponses(p policy.Policy, contexts []policy.Context, cfg Config, seed uint64) ([][]int, error) {
	sc := cfg.Sampling
	sc.Seed = seed
	out, err := policy.Sample(p, contexts, sc)
	if err != nil {
		return nil, err
	}
	if len(sc.StopTokens) == 0 {
		return out, nil
	}
	maxTokens := orInt(sc.MaxTokens, 64)
	window := p.ContextLength()
	for i, r := range out {
		n := len(contexts[i].Tokens()) + len(r)
		if len(r) < maxTokens && (window == 0 || n <= window) {
			out[i] = append(r, sc.StopTokens[0])
		}
	}
	return out, nil
}

// batchIndices draws n indices of 0..size−1 without replacement (all when
// n ≥ size).
func batchIndices(rng *rand.Rand, size, n int) []int {
	perm := rng.Perm(size)
	if n < size {
		perm = perm[:n]
	}
	return perm
}

func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}

// IRFT fine-tunes m in place with implicit reward learning (Li et al. 2024,
// Algorithm 2). Stage t = 0..T−1 copies the current model as the reference
// π_t, samples K = Samples responses y′_i1..y′_iK ∼ π_t per demonstration,
// and takes Steps/T AdamW steps on batches of B demonstrations of the
// self-play loss
//
//	L = (1/BK)·Σ_ij −log σ(m_ij),  m_ij = β·[(log π_θ(y_i) − log π_t(y_i)) − (log π_θ(y′_ij) − log π_t(y′_ij))],
//
// log-probabilities summed over each response's tokens. Its gradient
// −(β/BK)·Σ_ij (1 − σ(m_ij))·(∇log π_θ(y_i) − ∇log π_θ(y′_ij)) is one
// weighted batch gradient (weight c_ij = β(1−σ(m_ij))/BK summed over j on
// the demonstration's tokens, −c_ij on y′_ij's). At the start of a stage
// E_{y′∼π_t}[∇log π_θ(y′)] = 0: the negatives' term is noise until the
// policy has moved, then a push away from π_t. Averaging over K samples
// divides the noise's variance by K and sharpens the push alike. T = 1,
// K = 1 is SPIN (Chen et al. 2024).
func IRFT(m *transformer.Model, demos *Demonstrations, cfg Config) (*Result, error) {
	if err := checkInputs(m, demos, cfg); err != nil {
		return nil, err
	}
	opt, err := transformer.NewOptimizer(m, cfg.trainConfig())
	if err != nil {
		return nil, err
	}
	beta, stages, k := cfg.beta(), cfg.stages(), cfg.samples(1)
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	negContexts := repeatEach(demos.Contexts, k)
	res := &Result{}
	t := job.Start("IRFT", cfg.steps())
	fail := func(err error) (*Result, error) {
		t.Done(err)
		return nil, err
	}
	for stage := 0; stage < stages; stage++ {
		ref := m.Clone()
		// Negative j of demonstration i is entry i·K + j.
		negatives, err := sampleResponses(ref, negContexts, cfg, cfg.Seed+uint64(stage)+1)
		if err != nil {
			return fail(err)
		}
		refDemo, err := policy.LogProbs(ref, demos.Contexts, demos.Responses)
		if err != nil {
			return fail(err)
		}
		refNeg, err := policy.LogProbs(ref, negContexts, negatives)
		if err != nil {
			return fail(err)
		}
		n := cfg.steps()/stages + boolInt(stage < cfg.steps()%stages)
		for s := 0; s < n; s++ {
			if err := t.Step(1); err != nil {
				return fail(err)
			}
			idx := batchIndices(rng, len(demos.Contexts), cfg.batchSize())
			negIdx := groupIndices(idx, k)
			loss, grad, err := spinGradient(m, pick(demos.Contexts, idx), pick(demos.Responses, idx), pick(negatives, negIdx), pick(refDemo, idx), pick(refNeg, negIdx), beta)
			if err != nil {
				return fail(err)
			}
			res.Losses = append(res.Losses, loss)
			if _, err := opt.Step(grad); err != nil {
				return fail(err)
			}
		}
	}
	t.Done(nil)
	return res, nil
}

// spinGradient returns the mean self-play loss of the pairs (demos[i] ≻
// negatives[i·K + j]) given contexts[i], j = 0..K−1 with K =
// len(negatives)/len(demos), whose reference log-probabilities are refDemo
// and refNeg, and its gradient with respect to m's parameters.
func spinGradient(m *transformer.Model, contexts []policy.Context, demos, negatives [][]int, refDemo, refNeg []float64, beta float64) (float64, []float64, error) {
	if len(demos) == 0 || len(negatives)%len(demos) != 0 {
		return 0, nil, fmt.Errorf("irl: %d negatives for %d demonstrations", len(negatives), len(demos))
	}
	k := len(negatives) / len(demos)
	negContexts := repeatEach(contexts, k)
	curDemo, err := policy.LogProbs(m, contexts, demos)
	if err != nil {
		return 0, nil, err
	}
	curNeg, err := policy.LogProbs(m, negContexts, negatives)
	if err != nil {
		return 0, nil, err
	}
	n := float64(len(negatives))
	seqs := make([]transformer.Sequence, 0, len(demos)+len(negatives))
	var loss float64
	for i := range demos {
		var demoWeight float64
		for q := i * k; q < (i+1)*k; q++ {
			margin := beta * ((curDemo[i] - refDemo[i]) - (curNeg[q] - refNeg[q]))
			loss += reward.PairLoss(margin) / n
			c := beta * (1 - reward.Sigmoid(margin)) / n
			demoWeight += c
			seqs = append(seqs, responseSequence(negContexts[q], negatives[q], -c))
		}
		seqs = append(seqs, responseSequence(contexts[i], demos[i], demoWeight))
	}
	grad, _, _, err := m.BatchGradient(seqs)
	return loss, grad, err
}

// groupIndices returns the entries of groups of k laid out in a row that
// belong to the groups idx: idx[0]·k .. idx[0]·k+k−1, then idx[1]'s, and so
// on.
func groupIndices(idx []int, k int) []int {
	out := make([]int, 0, len(idx)*k)
	for _, g := range idx {
		for j := 0; j < k; j++ {
			out = append(out, g*k+j)
		}
	}
	return out
}

// FeatureFunc returns the reward features φ(x, y) of response to the
// context of demonstration number context.
type FeatureFunc func(context int, response []int) ([]float64, error)

// RFT fine-tunes m in place with explicit reward learning (Li et al. 2024,
// Algorithm 1) and a linear reward r_ψ(x, y) = ψᵀφ(x, y) over features.
// Each step draws a batch of B demonstrations and K = Samples responses
// y′_i1..y′_iK ∼ π_θ(·|x_i) for each, then
//
//   - reward step: ψ ← ψ + η_r·(1/BK)·Σ_ij (1 − σ(ψᵀΔφ_ij))·Δφ_ij with
//     Δφ_ij = φ(x_i, y_i) − φ(x_i, y′_ij), ascent on the Bradley–Terry
//     log-likelihood of (demonstration ≻ y′);
//   - policy step: one AdamW step along the policy gradient of
//     E_π[r_ψ] − λ·KL(π_θ‖π_ref) with the leave-one-out baseline of the
//     K samples of the same prompt (RLOO; Kool et al. 2019, Ahmadian et al.
//     2024): ascent on (1/BK)·Σ_ij A_ij·log π_θ(y′_ij), where
//     A_ij = R_ij − (1/(K−1))·Σ_{l≠j} R_il and
//     R_ij = ψᵀφ(x_i, y′_ij) − λ·(log π_θ(y′_ij) − log π_ref(y′_ij)),
//     π_ref the model as it was on entry and ψ the reward before its step.
//
// The baseline is unbiased because the other samples are independent of
// y′_ij; it removes the per-prompt level of the reward, which a batch-wide
// baseline leaves as noise. ψ starts at zero. RFT needs K ≥ 2.
func RFT(m *transformer.Model, demos *Demonstrations, features FeatureFunc, cfg Config) (*Result, error) {
	if features == nil {
		return nil, fmt.Errorf("irl: RFT needs a feature function")
	}
	if err := checkInputs(m, demos, cfg); err != nil {
		return nil, err
	}
	k := cfg.samples(4)
	if k < 2 {
		return nil, fmt.Errorf("irl: RFT's leave-one-out baseline needs Samples ≥ 2, not %d", k)
	}
	opt, err := transformer.NewOptimizer(m, cfg.trainConfig())
	if err != nil {
		return nil, err
	}
	ref := m.Clone()
	demoFeatures := make([][]float64, len(demos.Contexts))
	for i := range demoFeatures {
		if demoFeatures[i], err = features(i, demos.Responses[i]); err != nil {
			return nil, fmt.Errorf("irl: features of demonstration %d: %w", i, err)
		}
		if len(demoFeatures[i]) != len(demoFeatures[0]) {
			return nil, fmt.Errorf("irl: demonstration %d has %d features, demonstration 0 has %d", i, len(demoFeatures[i]), len(demoFeatures[0]))
		}
	}
	psi := make([]float64, len(demoFeatures[0]))
	lambda := cfg.klPenalty()
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	res := &Result{}
	t := job.Start("RFT", cfg.steps())
	fail := func(err error) (*Result, error) {
		t.Done(err)
		return nil, err
	}
	for s := 0; s < cfg.steps(); s++ {
		if err := t.Step(1); err != nil {
			return fail(err)
		}
		idx := batchIndices(rng, len(demos.Contexts), cfg.batchSize())
		// Sample j of demonstration idx[b] is entry b·K + j.
		owner := repeatEach(idx, k)
		ctxs := pick(demos.Contexts, owner)
		samples, err := sampleResponses(m, ctxs, cfg, cfg.Seed+uint64(s)+1)
		if err != nil {
			return fail(err)
		}
		n := float64(len(samples))
		grad := make([]float64, len(psi))
		returns := make([]float64, len(samples))
		var loss float64
		for q, i := range owner {
			phi, err := features(i, samples[q])
			if err != nil {
				return fail(fmt.Errorf("irl: features of a sample for demonstration %d: %w", i, err))
			}
			if len(phi) != len(psi) {
				return fail(fmt.Errorf("irl: a sample for demonstration %d has %d features, want %d", i, len(phi), len(psi)))
			}
			delta := append([]float64(nil), demoFeatures[i]...)
			addScaled(delta, phi, -1)
			margin := dot(psi, delta)
			loss += reward.PairLoss(margin) / n
			addScaled(grad, delta, (1-reward.Sigmoid(margin))/n)
			returns[q] = dot(psi, phi) // reward under the ψ the sample was scored with
		}
		res.Losses = append(res.Losses, loss)
		addScaled(psi, grad, cfg.rewardRate())
		cur, err := policy.LogProbs(m, ctxs, samples)
		if err != nil {
			return fail(err)
		}
		old, err := policy.LogProbs(ref, ctxs, samples)
		if err != nil {
			return fail(err)
		}
		for q := range returns {
			returns[q] -= lambda * (cur[q] - old[q])
		}
		advantages := leaveOneOut(returns, k)
		seqs := make([]transformer.Sequence, len(samples))
		for q := range samples {
			// Σ w·(−log π) has gradient −Σ w·∇log π: descent on it ascends Σ A·log π.
			seqs[q] = responseSequence(ctxs[q], samples[q], advantages[q]/n)
		}
		g, _, _, err := m.BatchGradient(seqs)
		if err != nil {
			return fail(err)
		}
		if _, err := opt.Step(g); err != nil {
			return fail(err)
		}
	}
	t.Done(nil)
	res.Reward = psi
	return res, nil
}

// repeatEach returns each element of xs k times in a row.
func repeatEach[T any](xs []T, k int) []T {
	out := make([]T, 0, len(xs)*k)
	for _, x := range xs {
		for j := 0; j < k; j++ {
			out = append(out, x)
		}
	}
	return out
}

// leaveOneOut returns, for returns laid out in consecutive groups of k
// (k ≥ 2), each return minus the mean of the other k−1 of its group.
func leaveOneOut(returns []float64, k int) []float64 {
	out := make([]float64, len(returns))
	for g := 0; g < len(returns); g += k {
		var sum float64
		for _, r := range returns[g : g+k] {
			sum += r
		}
		for q := g; q < g+k; q++ {
			out[q] = returns[q] - (sum-returns[q])/float64(k-1)
		}
	}
	return out
}
