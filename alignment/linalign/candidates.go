package linalign

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/golign/golign/alignment/loglinear"
	"github.com/golign/golign/alignment/policy"
)

// Point is a decoder on the reward–KL plane of a finite candidate set.
type Point struct {
	// Param is the ratio of a linear-alignment point or the β of a
	// frontier point.
	Param float64
	// Reward is E_π[Q(x, y)] averaged over prompts.
	Reward float64
	// KL is KL(π(·|x) ‖ π₀(·|x)) averaged over prompts.
	KL float64
}

// CandidatePoints returns the exact reward and KL of the linear-alignment
// rule at each ratio on finite candidate sets: prompt x has candidates
// y = 0..K_x−1 with principle logits principle[x][y] (ℓ_p, e.g. log π(y|p, x)
// of whole responses), base logits base[x][y] (ℓ₀) and rewards
// rewards[x][y]. The rule's distribution over candidates is
// StepDistribution at cfg's temperature and top-p with that ratio (a ratio
// of 0 is the principle prompt alone); the KL is to π₀ = softmax(ℓ₀/T).
// When ℓ_p − ℓ₀ = c·Q and top-p is 1, the point lies on the Frontier at
// β = T/((1+ratio)·c): the aligned logits (ℓ₀ + (1+ratio)·c·Q)/T tilt
// softmax(ℓ₀/T) by exp(Q/β). A top-p below 1 removes the candidates outside
// the principle's nucleus, which no frontier distribution does: the point
// then lies on or below the frontier. FrontierAtKL measures a point's gap
// to the frontier, ShiftFit how far ℓ_p − ℓ₀ is from a multiple of Q.
func CandidatePoints(principle, base, rewards [][]float64, ratios []float64, cfg Config) ([]Point, error) {
	if err := checkCandidates(base, rewards); err != nil {
		return nil, err
	}
	if err := checkCandidates(principle, rewards); err != nil {
		return nil, fmt.Errorf("%w (principle logits)", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := make([]Point, len(ratios))
	for k, ratio := range ratios {
		if math.IsNaN(ratio) || math.IsInf(ratio, 0) {
			return nil, fmt.Errorf("linalign: ratio %d is %v", k, ratio)
		}
		out[k] = meanPoint(ratio, base, rewards, cfg.temperature(), func(x int) []float64 {
			return alignedStep(principle[x], base[x], ratio, cfg.temperature(), cfg.topP(), cfg.Greedy)
		})
	}
	return out, nil
}

// Frontier returns the exact reward–KL frontier of finite candidate sets:
// for each β > 0, π_β(y|x) ∝ π₀(y|x)·exp(Q(x, y)/β) with π₀ = softmax(ℓ₀/T)
// at cfg's temperature, the maximiser of E_π[Q] − β·KL(π‖π₀) (e.g. Rafailov
// et al. 2023, eq. 4). No distribution over the candidates reaches a higher
// mean reward at the same KL. base and rewards are as in CandidatePoints.
func Frontier(base, rewards [][]float64, betas []float64, cfg Config) ([]Point, error) {
	if err := checkFrontier(base, rewards, cfg); err != nil {
		return nil, err
	}
	out := make([]Point, len(betas))
	for k, beta := range betas {
		if !(beta > 0) {
			return nil, fmt.Errorf("linalign: β %d is %v, must be > 0", k, beta)
		}
		out[k] = frontierPoint(base, rewards, beta, cfg.temperature())
	}
	return out, nil
}

// FrontierAtKL returns the point of the Frontier whose KL equals kl: the
// highest mean reward any distribution over the candidates reaches at that
// divergence from π₀. Its β is found by bisection on log β (the frontier's
// KL falls as β grows), to a relative precision of 1e-12. A kl of 0 gives
// π₀ itself (Param +Inf). A kl beyond the frontier's largest KL, that of
// π₀ restricted to each prompt's best candidates, gives that end point,
// with its own (smaller) KL: no distribution has more reward.
//
// The reward gap to the frontier, FrontierAtKL(…, p.KL, …).Reward −
// p.Reward, measures how far a decoder's point p is from KL-optimal.
func FrontierAtKL(base, rewards [][]float64, kl float64, cfg Config) (Point, error) {
	if err := checkFrontier(base, rewards, cfg); err != nil {
		return Point{}, err
	}
	if !(kl >= 0) || math.IsInf(kl, 0) {
		return Point{}, fmt.Errorf("linalign: KL %v must be finite and ≥ 0", kl)
	}
	t := cfg.temperature()
	if kl == 0 {
		pt := meanPoint(math.Inf(1), base, rewards, t, func(x int) []float64 { return temperedSoftmax(base[x], t) })
		return pt, nil
	}
	at := func(beta float64) Point { return frontierPoint(base, rewards, beta, t) }
	// Bracket: KL(hi) ≤ kl ≤ KL(lo).
	hi := 1.0
	for i := 0; i < 200 && at(hi).KL > kl; i++ {
		hi *= 2
	}
	lo := hi
	for i := 0; i < 200 && at(lo).KL < kl; i++ {
		lo /= 2
	}
	if end := at(lo); end.KL < kl {
		return end, nil
	}
	for hi/lo > 1+1e-12 {
		mid := math.Sqrt(lo * hi)
		if at(mid).KL > kl {
			lo = mid
		} else {
			hi = mid
		}
	}
	return at(hi), nil
}

// frontierPoint is the Frontier at one β > 0 and temperature t. The
// tilted logits are ℓ₀/T + (Q − max Q)/β: the same distribution as with Q/β,
// but the best candidates keep their own logits at any β, where ℓ₀/T +
// Q/β would round them away once Q/β dwarfs ℓ₀/T.
func frontierPoint(base, rewards [][]float64, beta, t float64) Point {
	return meanPoint(beta, base, rewards, t, func(x int) []float64 {
		best := slices.Max(rewards[x])
		tilted := make([]float64, len(base[x]))
		for y, l := range base[x] {
			tilted[y] = l/t + (rewards[x][y]-best)/beta
		}
		return softmax(tilted)
	})
}

// checkFrontier validates the inputs of Frontier and FrontierAtKL.
func checkFrontier(base, rewards [][]float64, cfg Config) error {
	if err := checkCandidates(base, rewards); err != nil {
		return err
	}
	return cfg.Validate()
}

// Shift returns the principle's shift Δ(x, y) = ℓ_p(x, y) − ℓ₀(x, y) on
// finite candidate sets: the reward the principle implies, up to a scale
// and a constant per prompt. The rule at any ratio, at top-p 1, lies
// exactly on the Frontier computed for Δ as the reward (c = 1).
func Shift(principle, base [][]float64) ([][]float64, error) {
	if err := checkCandidates(base, principle); err != nil {
		return nil, err
	}
	out := make([][]float64, len(base))
	for x := range base {
		out[x] = make([]float64, len(base[x]))
		for y := range base[x] {
			out[x][y] = principle[x][y] - base[x][y]
		}
	}
	return out, nil
}

// ShiftFit measures how closely the principle's shift Δ = ℓ_p − ℓ₀ (Shift)
// on finite candidate sets is a multiple of the reward: the least squares
// fit Δ(x, y) ≈ a_x + c·Q(x, y) with one free constant a_x per prompt (a
// constant shift of a prompt's logits leaves its softmax unchanged),
// returning the slope c and the fraction r2 of the centred shift's variance
// it explains. With r2 = 1 and c > 0 the principle implies the reward
// exactly and, at top-p 1, every ratio's point lies on the Frontier at
// β = T/((1+ratio)·c); the further r2 is below 1, the more the shift
// carries beside the reward, and the further below the frontier amplifying
// it can land. r2 is 0 when the rewards or the shift do not vary within
// any prompt.
func ShiftFit(principle, base, rewards [][]float64) (c, r2 float64, err error) {
	if err := checkCandidates(base, rewards); err != nil {
		return 0, 0, err
	}
	shift, err := Shift(principle, base)
	if err != nil {
		return 0, 0, fmt.Errorf("%w (principle logits)", err)
	}
	var sqq, sdq, sdd float64
	for x := range base {
		meanShift, meanReward := stat.Mean(shift[x], nil), stat.Mean(rewards[x], nil)
		for y, d := range shift[x] {
			dq, dd := rewards[x][y]-meanReward, d-meanShift
			sqq += dq * dq
			sdq += dd * dq
			sdd += dd * dd
		}
	}
	if sqq == 0 || sdd == 0 {
		return 0, 0, nil
	}
	c = sdq / sqq
	return c, sdq * sdq / (sqq * sdd), nil
}

// meanPoint averages the reward and the KL to softmax(base/T) of the
// per-prompt distributions dist(x).
func meanPoint(param float64, base, rewards [][]float64, temperature float64, dist func(x int) []float64) Point {
	pt := Point{Param: param}
	for x := range base {
		q := dist(x)
		for y, p := range q {
			pt.Reward += p * rewards[x][y]
		}
		pt.KL += stepKL(q, base[x], temperature)
	}
	n := float64(len(base))
	pt.Reward /= n
	pt.KL /= n
	return pt
}

// temperedSoftmax returns softmax(logits/t).
func temperedSoftmax(logits []float64, t float64) []float64 {
	scaled := make([]float64, len(logits))
	for i, l := range logits {
		scaled[i] = l / t
	}
	return softmax(scaled)
}

func softmax(logits []float64) []float64 {
	p := policy.LogSoftmax(nil, logits)
	for i := range p {
		p[i] = math.Exp(p[i])
	}
	return p
}

// checkCandidates reports logits and rewards whose shapes disagree or
// that are not finite.
func checkCandidates(logits, rewards [][]float64) error {
	if len(logits) == 0 {
		return fmt.Errorf("linalign: no prompts")
	}
	if len(logits) != len(rewards) {
		return fmt.Errorf("linalign: logits for %d prompts but rewards for %d", len(logits), len(rewards))
	}
	for x := range logits {
		if len(logits[x]) == 0 || len(logits[x]) != len(rewards[x]) {
			return fmt.Errorf("linalign: prompt %d has %d logits and %d rewards", x, len(logits[x]), len(rewards[x]))
		}
		for y := range logits[x] {
			if math.IsNaN(logits[x][y]) || math.IsInf(logits[x][y], 0) || math.IsNaN(rewards[x][y]) || math.IsInf(rewards[x][y], 0) {
				return fmt.Errorf("linalign: prompt %d, candidate %d: logit %v, reward %v must be finite", x, y, logits[x][y], rewards[x][y])
			}
		}
	}
	return nil
}

// LogLinearLogits returns the logits log π_ref(y|x) + θᵀφ(x, y) of every
// candidate of every prompt of a log-linear policy, the form CandidatePoints
// and Frontier take.
func LogLinearLogits(p *loglinear.Policy) ([][]float64, error) {
	if p == nil {
		return nil, fmt.Errorf("linalign: nil log-linear policy")
	}
	out := make([][]float64, p.NumPrompts())
	for x := range out {
		l, err := p.Logits(x)
		if err != nil {
			return nil, err
		}
		out[x] = l
	}
	return out, nil
}

// SequenceLogits scores finite candidate sets with a language model:
// principle[x][y] = log π(y | Principle ++ Prompt) and
// base[x][y] = log π(y | Prompt) for candidate response y of context x,
// the sequence-level logits of CandidatePoints and Frontier (their softmax
// is π renormalised over the candidates).
func SequenceLogits(p policy.Policy, contexts []policy.Context, candidates [][][]int) (principle, base [][]float64, err error) {
	if len(contexts) != len(candidates) {
		return nil, nil, fmt.Errorf("linalign: %d contexts but %d candidate sets", len(contexts), len(candidates))
	}
	var ctxs []policy.Context
	var resp [][]int
	for x, c := range contexts {
		if len(candidates[x]) == 0 {
			return nil, nil, fmt.Errorf("linalign: context %d has no candidates", x)
		}
		for _, y := range candidates[x] {
			ctxs = append(ctxs, c, policy.Context{Prompt: c.Prompt})
			resp = append(resp, y, y)
		}
	}
	lp, err := policy.LogProbs(p, ctxs, resp)
	if err != nil {
		return nil, nil, fmt.Errorf("linalign: %w", err)
	}
	principle, base = make([][]float64, len(contexts)), make([][]float64, len(contexts))
	k := 0
	for x := range contexts {
		for range candidates[x] {
			principle[x] = append(principle[x], lp[k])
			base[x] = append(base[x], lp[k+1])
			k += 2
		}
	}
	return principle, base, nil
}
