package irl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/loglinear"
	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/reward"
)

// Demo is one demonstration on a finite candidate set: candidate Response
// of prompt Prompt.
type Demo struct {
	Prompt, Response int
}

// LinearConfig configures the methods on log-linear policies. The zero
// value takes 200 steps at learning rate 1 with β 0.1, one IRFT stage and
// KL penalty 0.05.
type LinearConfig struct {
	// Steps is the number of gradient steps (IRFT: in all, split evenly
	// over the stages); 0 means 200.
	Steps int
	// LearningRate is the step size of gradient ascent on the objective;
	// 0 means 1.
	LearningRate float64
	// Beta is IRFT's β; 0 means 0.1.
	Beta float64
	// Stages is IRFT's T; 0 means 1.
	Stages int
	// KLPenalty is RFT's λ, the weight of KL(π‖π_ref); 0 means 0.05.
	KLPenalty float64
	// Seed seeds the sampling of y′.
	Seed uint64
}

func (c LinearConfig) steps() int            { return orInt(c.Steps, 200) }
func (c LinearConfig) learningRate() float64 { return orFloat(c.LearningRate, 1) }
func (c LinearConfig) beta() float64         { return orFloat(c.Beta, 0.1) }
func (c LinearConfig) stages() int           { return orInt(c.Stages, 1) }
func (c LinearConfig) klPenalty() float64    { return orFloat(c.KLPenalty, 0.05) }

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

func (c LinearConfig) validate() error {
	switch {
	case c.Steps < 0:
		return fmt.Errorf("irl: Steps %d must be ≥ 0", c.Steps)
	case !(c.LearningRate >= 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("irl: LearningRate %v must be finite and ≥ 0", c.LearningRate)
	case !(c.Beta >= 0) || math.IsInf(c.Beta, 0):
		return fmt.Errorf("irl: Beta %v must be finite and ≥ 0", c.Beta)
	case c.Stages < 0:
		return fmt.Errorf("irl: Stages %d must be ≥ 0", c.Stages)
	case !(c.KLPenalty >= 0) || math.IsInf(c.KLPenalty, 0):
		return fmt.Errorf("irl: KLPenalty %v must be finite and ≥ 0", c.KLPenalty)
	}
	return nil
}

// LinearResult is a trained log-linear policy.
type LinearResult struct {
	// Theta is the policy's parameter: π ∝ π_ref·exp(θᵀφ).
	Theta []float64
	// Reward is RFT's explicit reward ψ, r(x, y) = ψᵀφ(x, y); nil for the
	// other methods.
	Reward []float64
	// Losses holds each step's loss before the step: the mean negative
	// log-likelihood of the demonstrations (SFT), the Bradley–Terry loss
	// of (demonstration ≻ y′) (RFT), or the self-play loss (IRFT).
	Losses []float64
}

// checkDemos validates the policy and the demonstrations.
func checkDemos(p *loglinear.Policy, demos []Demo) error {
	if p == nil {
		return fmt.Errorf("irl: nil policy")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if len(demos) == 0 {
		return fmt.Errorf("irl: no demonstrations")
	}
	for i, d := range demos {
		if d.Prompt < 0 || d.Prompt >= p.NumPrompts() {
			return fmt.Errorf("irl: demonstration %d: prompt %d outside 0..%d", i, d.Prompt, p.NumPrompts()-1)
		}
		if k, _ := p.Features[d.Prompt].Dims(); d.Response < 0 || d.Response >= k {
			return fmt.Errorf("irl: demonstration %d: response %d outside the %d candidates of prompt %d", i, d.Response, k, d.Prompt)
		}
	}
	return nil
}

// features returns φ(x, y).
func features(p *loglinear.Policy, x, y int) []float64 {
	_, d := p.Features[x].Dims()
	out := make([]float64, d)
	for k := range out {
		out[k] = p.Features[x].At(y, k)
	}
	return out
}

// SFTLinear fits θ by maximum likelihood of the demonstrations, gradient
// ascent on (1/N)·Σ_d log π_θ(y_d|x_d), whose gradient is
// (1/N)·Σ_d (φ(x_d, y_d) − E_{π_θ}[φ(x_d, ·)]). It starts from p.Theta.
func SFTLinear(p *loglinear.Policy, demos []Demo, cfg LinearConfig) (*LinearResult, error) {
	if err := checkDemos(p, demos); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	theta := append([]float64(nil), p.Theta...)
	res := &LinearResult{}
	t := job.Start("SFT", cfg.steps())
	for s := 0; s < cfg.steps(); s++ {
		if err := t.Step(1); err != nil {
			t.Done(err)
			return nil, err
		}
		cur := p.WithTheta(theta)
		grad := make([]float64, len(theta))
		var loss float64
		for _, d := range demos {
			g, err := cur.GradLogProb(d.Prompt, d.Response)
			if err != nil {
				t.Done(err)
				return nil, err
			}
			lp, err := cur.LogProbs(d.Prompt)
			if err != nil {
				t.Done(err)
				return nil, err
			}
			loss -= lp[d.Response] / float64(len(demos))
			addScaled(grad, g, 1/float64(len(demos)))
		}
		res.Losses = append(res.Losses, loss)
		addScaled(theta, grad, cfg.learningRate())
	}
	t.Done(nil)
	res.Theta = theta
	return res, nil
}

// RFTLinear is RFT on a log-linear policy with an explicit linear reward
// r_ψ = ψᵀφ. The policy step is exact: the maximiser of
// E_π[r_ψ] − λ·KL(π‖π_ref) is π ∝ π_ref·exp(r_ψ/λ), i.e. θ = ψ/λ. Each step
// samples one y′ ∼ π_θ(·|x_d) per demonstration, takes a gradient step on
// the mean Bradley–Terry log-likelihood of (y_d ≻ y′),
//
//	∇ψ = (1/N)·Σ_d (1 − σ(ψᵀΔφ_d))·Δφ_d,  Δφ_d = φ(x_d, y_d) − φ(x_d, y′_d),
//
// with step size LearningRate·λ (so that θ moves by LearningRate times the
// gradient), and sets θ = ψ/λ. ψ starts at λ·p.Theta, where the initial
// policy is already soft-optimal. At a fixed point E_demo[(1−σ)φ] balances
// E_π[(1−σ)φ]: close to maximum-likelihood IRL's moment matching
// E_demo[φ] = E_π[φ] while margins are small.
func RFTLinear(p *loglinear.Policy, demos []Demo, cfg LinearConfig) (*LinearResult, error) {
	if err := checkDemos(p, demos); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	lambda := cfg.klPenalty()
	psi := make([]float64, len(p.Theta))
	addScaled(psi, p.Theta, lambda)
	theta := append([]float64(nil), p.Theta...)
	res := &LinearResult{}
	t := job.Start("RFT", cfg.steps())
	for s := 0; s < cfg.steps(); s++ {
		if err := t.Step(1); err != nil {
			t.Done(err)
			return nil, err
		}
		negatives, err := sampleNegatives(p.WithTheta(theta), demos, cfg.Seed, uint64(s))
		if err != nil {
			t.Done(err)
			return nil, err
		}
		grad := make([]float64, len(psi))
		var loss float64
		for i, d := range demos {
			delta := features(p, d.Prompt, d.Response)
			addScaled(delta, features(p, d.Prompt, negatives[i]), -1)
			m := dot(psi, delta)
			loss += reward.PairLoss(m) / float64(len(demos))
			addScaled(grad, delta, (1-reward.Sigmoid(m))/float64(len(demos)))
		}
		res.Losses = append(res.Losses, loss)
		addScaled(psi, grad, cfg.learningRate()*lambda)
		for k := range theta {
			theta[k] = psi[k] / lambda
		}
	}
	t.Done(nil)
	res.Theta, res.Reward = theta, psi
	return res, nil
}

// IRFTLinear is IRFT on a log-linear policy. Stage t = 0..T−1 fixes the
// reference θ_t (the current policy), samples one y′ ∼ π_t(·|x_d) per
// demonstration, and takes Steps/T gradient steps on the self-play loss
//
//	L(θ) = (1/N)·Σ_d −log σ(m_d),  m_d = β·(θ − θ_t)ᵀ(φ(x_d, y_d) − φ(x_d, y′_d)),
//
// (log π_θ(y) − log π_t(y) = (θ − θ_t)ᵀφ(x, y) − log Z_θ(x)/Z_t(x), and the
// normalisers cancel within a prompt), with gradient
// −(β/N)·Σ_d (1 − σ(m_d))·Δφ_d. T = 1 is SPIN.
func IRFTLinear(p *loglinear.Policy, demos []Demo, cfg LinearConfig) (*LinearResult, error) {
	if err := checkDemos(p, demos); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	beta, stages := cfg.beta(), cfg.stages()
	if stages > cfg.steps() {
		return nil, fmt.Errorf("irl: %d stages but only %d steps", stages, cfg.steps())
	}
	theta := append([]float64(nil), p.Theta...)
	res := &LinearResult{}
	t := job.Start("IRFT", cfg.steps())
	for stage := 0; stage < stages; stage++ {
		ref := append([]float64(nil), theta...)
		negatives, err := sampleNegatives(p.WithTheta(ref), demos, cfg.Seed, uint64(stage))
		if err != nil {
			t.Done(err)
			return nil, err
		}
		deltas := make([][]float64, len(demos))
		for i, d := range demos {
			deltas[i] = features(p, d.Prompt, d.Response)
			addScaled(deltas[i], features(p, d.Prompt, negatives[i]), -1)
		}
		n := cfg.steps()/stages + boolInt(stage < cfg.steps()%stages)
		for s := 0; s < n; s++ {
			if err := t.Step(1); err != nil {
				t.Done(err)
				return nil, err
			}
			diff := append([]float64(nil), theta...)
			addScaled(diff, ref, -1)
			loss, grad := spinLoss(diff, deltas, beta)
			res.Losses = append(res.Losses, loss)
			addScaled(theta, grad, -cfg.learningRate())
		}
	}
	t.Done(nil)
	res.Theta = theta
	return res, nil
}

// spinLoss returns the mean self-play loss (1/N)·Σ −log σ(β·diffᵀΔφ_d) and
// its gradient with respect to diff = θ − θ_t.
func spinLoss(diff []float64, deltas [][]float64, beta float64) (float64, []float64) {
	grad := make([]float64, len(diff))
	var loss float64
	n := float64(len(deltas))
	for _, delta := range deltas {
		m := beta * dot(diff, delta)
		loss += reward.PairLoss(m) / n
		addScaled(grad, delta, -beta*(1-reward.Sigmoid(m))/n)
	}
	return loss, grad
}

// sampleNegatives draws y′ ∼ π(·|x_d) for each demonstration from the
// stream (seed, round).
func sampleNegatives(p *loglinear.Policy, demos []Demo, seed, round uint64) ([]int, error) {
	rng := rand.New(rand.NewPCG(seed, round))
	out := make([]int, len(demos))
	for i, d := range demos {
		probs, err := p.Probs(d.Prompt)
		if err != nil {
			return nil, err
		}
		out[i] = policy.Draw(probs, rng)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// addScaled sets dst += a·src.
func addScaled(dst, src []float64, a float64) {
	for i := range dst {
		dst[i] += a * src[i]
	}
}

// ExpertDemos draws perPrompt demonstrations for every prompt of expert:
// each comes from the expert policy with probability 1 − lowQuality and
// from the low-quality policy otherwise (both over the same candidates).
// It also returns which demonstrations are low-quality.
func ExpertDemos(expert, low *loglinear.Policy, perPrompt int, lowQuality float64, seed uint64) ([]Demo, []bool, error) {
	if expert == nil || low == nil {
		return nil, nil, fmt.Errorf("irl: nil expert or low-quality policy")
	}
	if expert.NumPrompts() != low.NumPrompts() {
		return nil, nil, fmt.Errorf("irl: expert has %d prompts, low-quality policy %d", expert.NumPrompts(), low.NumPrompts())
	}
	if perPrompt < 1 {
		return nil, nil, fmt.Errorf("irl: %d demonstrations per prompt, need ≥ 1", perPrompt)
	}
	if !(lowQuality >= 0 && lowQuality <= 1) {
		return nil, nil, fmt.Errorf("irl: low-quality fraction %v outside [0, 1]", lowQuality)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	var demos []Demo
	var bad []bool
	for x := 0; x < expert.NumPrompts(); x++ {
		pe, err := expert.Probs(x)
		if err != nil {
			return nil, nil, err
		}
		pl, err := low.Probs(x)
		if err != nil {
			return nil, nil, err
		}
		if len(pe) != len(pl) {
			return nil, nil, fmt.Errorf("irl: prompt %d: expert has %d candidates, low-quality policy %d", x, len(pe), len(pl))
		}
		for j := 0; j < perPrompt; j++ {
			isLow := rng.Float64() < lowQuality
			probs := pe
			if isLow {
				probs = pl
			}
			demos = append(demos, Demo{Prompt: x, Response: policy.Draw(probs, rng)})
			bad = append(bad, isLow)
		}
	}
	return demos, bad, nil
}
