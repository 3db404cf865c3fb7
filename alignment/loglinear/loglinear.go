// Package loglinear is a log-linear policy over a finite set of candidate
// responses per prompt, π_θ(y|x) ∝ π_ref(y|x)·exp(θᵀφ(x, y)), with exact
// log-probabilities, gradients, Fisher information, sampling, KL
// divergences and the KL-regularised optimum in closed form. Every
// alignment method that acts on a policy can be checked exactly on it.
package loglinear

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/policy"
)

// Policy is π_θ(y|x) ∝ π_ref(y|x)·exp(θᵀφ(x, y)) over prompts x = 0..n−1,
// prompt x having the candidates y = 0..K_x−1.
type Policy struct {
	// Features holds, per prompt x, the K_x×d matrix whose row y is
	// φ(x, y).
	Features []*mat.Dense
	// RefLogProbs holds, per prompt, log π_ref(y|x) (any constant shift
	// per prompt is harmless); nil means a uniform reference.
	RefLogProbs [][]float64
	// Theta is the parameter θ of length d.
	Theta []float64
}

// Validate reports an error naming the prompt whose shapes disagree.
func (p *Policy) Validate() error {
	if len(p.Features) == 0 {
		return fmt.Errorf("loglinear: no prompts")
	}
	d := len(p.Theta)
	if p.RefLogProbs != nil && len(p.RefLogProbs) != len(p.Features) {
		return fmt.Errorf("loglinear: %d reference rows for %d prompts", len(p.RefLogProbs), len(p.Features))
	}
	for x, f := range p.Features {
		if f == nil {
			return fmt.Errorf("loglinear: prompt %d has no features", x)
		}
		k, c := f.Dims()
		if c != d {
			return fmt.Errorf("loglinear: prompt %d has %d features, θ has %d", x, c, d)
		}
		if p.RefLogProbs != nil && len(p.RefLogProbs[x]) != k {
			return fmt.Errorf("loglinear: prompt %d has %d candidates but %d reference log-probabilities", x, k, len(p.RefLogProbs[x]))
		}
	}
	return nil
}

// WithTheta returns a policy sharing p's features and reference with
// parameter theta.
func (p *Policy) WithTheta(theta []float64) *Policy {
	return &Policy{Features: p.Features, RefLogProbs: p.RefLogProbs, Theta: theta}
}

// NumPrompts returns the number of prompts.
func (p *Policy) NumPrompts() int { return len(p.Features) }

func (p *Policy) check(x int) error {
	if x < 0 || x >= len(p.Features) {
		return fmt.Errorf("loglinear: prompt %d out of range [0, %d)", x, len(p.Features))
	}
	if _, d := p.Features[x].Dims(); d != len(p.Theta) {
		return fmt.Errorf("loglinear: prompt %d has %d features, θ has %d", x, d, len(p.Theta))
	}
	return nil
}

// Logits returns log π_ref(y|x) + θᵀφ(x, y) for every candidate y.
func (p *Policy) Logits(x int) ([]float64, error) {
	if err := p.check(x); err != nil {
		return nil, err
	}
	k, _ := p.Features[x].Dims()
	out := make([]float64, k)
	s := mat.NewVecDense(k, out)
	s.MulVec(p.Features[x], mat.NewVecDense(len(p.Theta), p.Theta))
	if p.RefLogProbs != nil {
		for y, r := range p.RefLogProbs[x] {
			out[y] += r
		}
	}
	return out, nil
}

// LogProbs returns log π_θ(y|x) for every candidate y of prompt x.
func (p *Policy) LogProbs(x int) ([]float64, error) {
	l, err := p.Logits(x)
	if err != nil {
		return nil, err
	}
	return policy.LogSoftmax(l, l), nil
}

// Probs returns π_θ(·|x).
func (p *Policy) Probs(x int) ([]float64, error) {
	l, err := p.LogProbs(x)
	if err != nil {
		return nil, err
	}
	for i, v := range l {
		l[i] = math.Exp(v)
	}
	return l, nil
}

// ExpectedFeatures returns E_{y∼π_θ(·|x)}[φ(x, y)], the gradient of the
// log-partition function log Z_θ(x).
func (p *Policy) ExpectedFeatures(x int) ([]float64, error) {
	pr, err := p.Probs(x)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(p.Theta))
	mat.NewVecDense(len(out), out).MulVec(p.Features[x].T(), mat.NewVecDense(len(pr), pr))
	return out, nil
}

// GradLogProb returns ∇_θ log π_θ(y|x) = φ(x, y) − E_π[φ(x, ·)].
func (p *Policy) GradLogProb(x, y int) ([]float64, error) {
	e, err := p.ExpectedFeatures(x)
	if err != nil {
		return nil, err
	}
	k, _ := p.Features[x].Dims()
	if y < 0 || y >= k {
		return nil, fmt.Errorf("loglinear: candidate %d out of range [0, %d) for prompt %d", y, k, x)
	}
	for i := range e {
		e[i] = p.Features[x].At(y, i) - e[i]
	}
	return e, nil
}

// Fisher returns the Fisher information of π_θ(·|x), Cov_π[φ(x, y)] =
// E_π[φφᵀ] − E_π[φ]E_π[φ]ᵀ, which is also −∇²_θ log π_θ(y|x) for every y.
func (p *Policy) Fisher(x int) (*mat.SymDense, error) {
	pr, err := p.Probs(x)
	if err != nil {
		return nil, err
	}
	e, _ := p.ExpectedFeatures(x)
	d := len(p.Theta)
	f := mat.NewSymDense(d, nil)
	for y, w := range pr {
		f.SymRankOne(f, w, p.Features[x].RowView(y))
	}
	f.SymRankOne(f, -1, mat.NewVecDense(d, e))
	return f, nil
}

// Sample draws n candidates of prompt x from π_θ(·|x), seeded.
func (p *Policy) Sample(x, n int, seed uint64) ([]int, error) {
	pr, err := p.Probs(x)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, uint64(x)))
	out := make([]int, n)
	for i := range out {
		out[i] = policy.Draw(pr, rng)
	}
	return out, nil
}

// KL returns KL(π_p(·|x) ‖ π_q(·|x)) = Σ_y π_p(y|x)·log(π_p(y|x)/π_q(y|x)),
// exactly. The two policies must have the same number of candidates.
func KL(p, q *Policy, x int) (float64, error) {
	lp, err := p.LogProbs(x)
	if err != nil {
		return 0, err
	}
	lq, err := q.LogProbs(x)
	if err != nil {
		return 0, err
	}
	if len(lp) != len(lq) {
		return 0, fmt.Errorf("loglinear: prompt %d has %d candidates in one policy, %d in the other", x, len(lp), len(lq))
	}
	var kl float64
	for y := range lp {
		if pp := math.Exp(lp[y]); pp > 0 {
			kl += pp * (lp[y] - lq[y])
		}
	}
	return max(kl, 0), nil
}

// MeanKL returns the KL divergence KL(π_p ‖ π_q) averaged over prompts.
func MeanKL(p, q *Policy) (float64, error) {
	var s float64
	for x := range p.Features {
		kl, err := KL(p, q, x)
		if err != nil {
			return 0, err
		}
		s += kl
	}
	return s / float64(len(p.Features)), nil
}

// Tilted returns the maximiser over distributions π of E_π[r] −
// β·KL(π ‖ π_θ(·|x)) for the candidate rewards r of prompt x: π*(y) ∝
// π_θ(y|x)·exp(r(y)/β) (e.g. Rafailov et al. 2023, eq. 4), whose objective
// value is β·log E_{π_θ}[exp(r/β)].
func (p *Policy) Tilted(x int, rewards []float64, beta float64) ([]float64, error) {
	l, err := p.LogProbs(x)
	if err != nil {
		return nil, err
	}
	if len(rewards) != len(l) {
		return nil, fmt.Errorf("loglinear: %d rewards for %d candidates of prompt %d", len(rewards), len(l), x)
	}
	if !(beta > 0) {
		return nil, fmt.Errorf("loglinear: β %v must be positive", beta)
	}
	for y, r := range rewards {
		l[y] += r / beta
	}
	policy.LogSoftmax(l, l)
	for i, v := range l {
		l[i] = math.Exp(v)
	}
	return l, nil
}
