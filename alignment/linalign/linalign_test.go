package linalign

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/golign/golign/alignment/loglinear"
	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

// markov is a policy over vocab tokens whose next-token logits depend on the
// last token and on whether the principle token (id 0) occurs in the
// sequence: logits base[last] without it and base[last] + shift[last] with it.
type markov struct {
	base, shift [][]float64
}

const principleToken = 0

func newMarkov(vocab int, seed uint64) *markov {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := &markov{}
	for i := 0; i < vocab; i++ {
		b, s := make([]float64, vocab), make([]float64, vocab)
		for j := range b {
			b[j], s[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		m.base, m.shift = append(m.base, b), append(m.shift, s)
	}
	return m
}

func (m *markov) VocabSize() int     { return len(m.base) }
func (m *markov) ContextLength() int { return 0 }

// next returns the logits following tokens.
func (m *markov) next(tokens []int) []float64 {
	last := tokens[len(tokens)-1]
	l := slices.Clone(m.base[last])
	if slices.Contains(tokens, principleToken) {
		for j := range l {
			l[j] += m.shift[last][j]
		}
	}
	return l
}

func (m *markov) Logits(tokens []int) (*mat.Dense, error) {
	if err := policy.CheckTokens(tokens, m.VocabSize(), 0); err != nil || len(tokens) == 0 {
		return nil, fmt.Errorf("bad tokens %v: %v", tokens, err)
	}
	out := mat.NewDense(len(tokens), m.VocabSize(), nil)
	for t := range tokens {
		out.SetRow(t, m.next(tokens[:t+1]))
	}
	return out, nil
}

// TestClosedFormLogLinear checks the paper's §3 identity on a log-linear
// policy whose principle shifts the logits by exactly c·Q: the rule's
// distribution is π₀·exp((1+ratio)·c·Q)/Z, the KL-regularised optimum at
// β = 1/((1+ratio)·c), and its reward–KL point lies on the frontier.
func TestClosedFormLogLinear(t *testing.T) {
	const d, prompts, cands, c = 4, 5, 7, 0.7
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, d)
	theta0 := make([]float64, d)
	for i := range w {
		w[i], theta0[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	base := &loglinear.Policy{Theta: theta0}
	var rewards [][]float64
	for x := 0; x < prompts; x++ {
		phi := mat.NewDense(cands, d, nil)
		ref := make([]float64, cands)
		q := make([]float64, cands)
		for y := 0; y < cands; y++ {
			for k := 0; k < d; k++ {
				phi.Set(y, k, rng.NormFloat64())
				q[y] += w[k] * phi.At(y, k)
			}
			ref[y] = rng.NormFloat64()
		}
		base.Features = append(base.Features, phi)
		base.RefLogProbs = append(base.RefLogProbs, ref)
		rewards = append(rewards, q)
	}
	thetaP := slices.Clone(theta0)
	for k := range thetaP {
		thetaP[k] += c * w[k]
	}
	withPrinciple := base.WithTheta(thetaP)
	l0, err := LogLinearLogits(base)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := LogLinearLogits(withPrinciple)
	if err != nil {
		t.Fatal(err)
	}
	for _, ratio := range []float64{0.5, 1, 3, 5} {
		cfg := Config{Ratio: ratio, Temperature: 1, TopP: 1}
		beta := 1 / ((1 + ratio) * c)
		for x := 0; x < prompts; x++ {
			got, err := StepDistribution(lp[x], l0[x], cfg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := base.Tilted(x, rewards[x], beta)
			if err != nil {
				t.Fatal(err)
			}
			for y := range want {
				if math.Abs(got[y]-want[y]) > 1e-9 {
					t.Errorf("ratio %v prompt %d candidate %d: rule %v, closed form %v", ratio, x, y, got[y], want[y])
				}
			}
		}
		pts, err := CandidatePoints(lp, l0, rewards, []float64{ratio}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		front, err := Frontier(l0, rewards, []float64{beta}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(pts[0].Reward-front[0].Reward) > 1e-9 || math.Abs(pts[0].KL-front[0].KL) > 1e-9 {
			t.Errorf("ratio %v: point %+v is not the frontier point %+v", ratio, pts[0], front[0])
		}
		var wantKL float64
		for x := 0; x < prompts; x++ {
			// π ∝ π₀·exp((1+r)·c·Q) is the log-linear policy θ₀ + (1+r)·c·w.
			thetaR := make([]float64, d)
			for k := range thetaR {
				thetaR[k] = theta0[k] + (1+ratio)*c*w[k]
			}
			tilted := base.WithTheta(thetaR)
			kl, err := loglinear.KL(tilted, base, x)
			if err != nil {
				t.Fatal(err)
			}
			wantKL += kl / prompts
		}
		if math.Abs(pts[0].KL-wantKL) > 1e-9 {
			t.Errorf("ratio %v: KL %v, loglinear.KL %v", ratio, pts[0].KL, wantKL)
		}
	}
}

// randomCandidates returns base logits and rewards of prompts×cands
// candidates drawn from standard normals.
func randomCandidates(rng *rand.Rand, prompts, cands int) (base, rewards [][]float64) {
	for x := 0; x < prompts; x++ {
		var l, q []float64
		for y := 0; y < cands; y++ {
			l = append(l, rng.NormFloat64())
			q = append(q, rng.NormFloat64())
		}
		base, rewards = append(base, l), append(rewards, q)
	}
	return base, rewards
}

// shifted returns base[x][y] + offset_x + c·rewards[x][y] + noise·N(0,1),
// with a random constant offset per prompt.
func shifted(rng *rand.Rand, base, rewards [][]float64, c, noise float64) [][]float64 {
	out := make([][]float64, len(base))
	for x := range base {
		offset := 3 * rng.NormFloat64()
		for y := range base[x] {
			out[x] = append(out[x], base[x][y]+offset+c*rewards[x][y]+noise*rng.NormFloat64())
		}
	}
	return out
}

// TestFrontierDominates checks that no linear-alignment point on candidate
// sets with a noisy shift beats the exact frontier: at the frontier's β
// with the same KL, reward is at least as high.
func TestFrontierDominates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	l0, q := randomCandidates(rng, 4, 6)
	lp := shifted(rng, l0, q, 0.5, 0.5)
	for _, cfg := range []Config{{Temperature: 1, TopP: 1}, {Temperature: 0.6, TopP: 0.8}} {
		pts, err := CandidatePoints(lp, l0, q, []float64{0, 1, 3}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range pts {
			f, err := FrontierAtKL(l0, q, pt.KL, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if pt.Reward > f.Reward+1e-9 {
				t.Errorf("%+v ratio %v: reward %v above the frontier's %v at KL %v", cfg, pt.Param, pt.Reward, f.Reward, pt.KL)
			}
		}
	}
}

// TestExactShiftOnFrontier checks that with ℓ_p − ℓ₀ = c·Q (plus a
// constant per prompt) the rule's points lie on the frontier at every
// temperature, at β = T/((1+ratio)·c), while the principle's nucleus
// (top-p below 1) moves them strictly below it.
func TestExactShiftOnFrontier(t *testing.T) {
	const c = 0.8
	rng := rand.New(rand.NewPCG(5, 6))
	l0, q := randomCandidates(rng, 6, 8)
	lp := shifted(rng, l0, q, c, 0)
	ratios := []float64{0, 1, 2, 3, 5}
	for _, temperature := range []float64{1, 0.6} {
		full := Config{Temperature: temperature, TopP: 1}
		pts, err := CandidatePoints(lp, l0, q, ratios, full)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range pts {
			beta := temperature / ((1 + pt.Param) * c)
			want, _ := Frontier(l0, q, []float64{beta}, full)
			if math.Abs(pt.Reward-want[0].Reward) > 1e-9 || math.Abs(pt.KL-want[0].KL) > 1e-9 {
				t.Errorf("T %v ratio %v: point %+v, frontier at β %v %+v", temperature, pt.Param, pt, beta, want[0])
			}
			at, err := FrontierAtKL(l0, q, pt.KL, full)
			if err != nil || math.Abs(at.Reward-pt.Reward) > 1e-9 || math.Abs(at.Param-beta) > 1e-6*beta {
				t.Errorf("T %v ratio %v: frontier at KL %v is %+v (%v), want reward %v at β %v", temperature, pt.Param, pt.KL, at, err, pt.Reward, beta)
			}
		}
		nucleus := Config{Temperature: temperature, TopP: 0.8}
		pts, err = CandidatePoints(lp, l0, q, ratios, nucleus)
		if err != nil {
			t.Fatal(err)
		}
		var largest float64
		for _, pt := range pts {
			at, err := FrontierAtKL(l0, q, pt.KL, nucleus)
			if err != nil {
				t.Fatal(err)
			}
			gap := at.Reward - pt.Reward
			if gap < -1e-9 {
				t.Errorf("T %v ratio %v with nucleus: reward %v above the frontier's %v", temperature, pt.Param, pt.Reward, at.Reward)
			}
			largest = max(largest, gap)
		}
		if largest < 1e-4 {
			t.Errorf("T %v: the nucleus left every point on the frontier (largest gap %v)", temperature, largest)
		}
	}
}

// TestFrontierAtKL checks the bisection against Frontier at a known β and
// its two ends: π₀ at KL 0, and the best candidates beyond the largest KL.
func TestFrontierAtKL(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	l0, q := randomCandidates(rng, 5, 7)
	cfg := Config{Temperature: 0.7, TopP: 1}
	want, _ := Frontier(l0, q, []float64{0.37}, cfg)
	got, err := FrontierAtKL(l0, q, want[0].KL, cfg)
	if err != nil || math.Abs(got.Reward-want[0].Reward) > 1e-9 || math.Abs(got.KL-want[0].KL) > 1e-9 {
		t.Errorf("at KL %v: %+v (%v), want %+v", want[0].KL, got, err, want[0])
	}
	var baseReward, bestReward float64
	for x := range l0 {
		p := temperedSoftmax(l0[x], 0.7)
		for y := range p {
			baseReward += p[y] * q[x][y] / float64(len(l0))
		}
		bestReward += slices.Max(q[x]) / float64(len(l0))
	}
	if got, err := FrontierAtKL(l0, q, 0, cfg); err != nil || math.Abs(got.Reward-baseReward) > 1e-12 || math.Abs(got.KL) > 1e-12 {
		t.Errorf("at KL 0: %+v (%v), want reward %v", got, err, baseReward)
	}
	if got, err := FrontierAtKL(l0, q, 1e3, cfg); err != nil || math.Abs(got.Reward-bestReward) > 1e-9 || got.KL >= 1e3 {
		t.Errorf("beyond the largest KL: %+v (%v), want reward %v", got, err, bestReward)
	}
	// Rewards with tied maxima, as graded rewards have: at a tiny β the
	// frontier shares each prompt's mass among its best candidates.
	tied := make([][]float64, len(q))
	var bestTied float64
	for x := range q {
		for y := range q[x] {
			tied[x] = append(tied[x], math.Min(math.Round(q[x][y]), 1))
		}
		bestTied += slices.Max(tied[x]) / float64(len(q))
	}
	for _, beta := range []float64{1e-3, 1e-17, 1e-60} {
		f, _ := Frontier(l0, tied, []float64{beta}, cfg)
		if math.Abs(f[0].Reward-bestTied) > 1e-9 {
			t.Errorf("tied rewards at β %v: reward %v, want the best %v", beta, f[0].Reward, bestTied)
		}
	}
	for _, kl := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := FrontierAtKL(l0, q, kl, cfg); err == nil {
			t.Errorf("KL %v: no error", kl)
		}
	}
}

// TestShiftFit checks the slope and explained variance against gonum's
// regression through the origin of the per-prompt centred shift on the
// centred reward, and the exact case.
func TestShiftFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	l0, q := randomCandidates(rng, 5, 6)
	if c, r2, err := ShiftFit(shifted(rng, l0, q, 0.6, 0), l0, q); err != nil || math.Abs(c-0.6) > 1e-12 || math.Abs(r2-1) > 1e-12 {
		t.Errorf("exact shift: c %v, r² %v (%v), want 0.6, 1", c, r2, err)
	}
	lp := shifted(rng, l0, q, 0.6, 0.8)
	c, r2, err := ShiftFit(lp, l0, q)
	if err != nil {
		t.Fatal(err)
	}
	var xs, ys []float64
	for x := range l0 {
		d := make([]float64, len(l0[x]))
		for y := range d {
			d[y] = lp[x][y] - l0[x][y]
		}
		md, mq := stat.Mean(d, nil), stat.Mean(q[x], nil)
		for y := range d {
			xs, ys = append(xs, q[x][y]-mq), append(ys, d[y]-md)
		}
	}
	_, slope := stat.LinearRegression(xs, ys, nil, true)
	want := stat.RSquared(xs, ys, nil, 0, slope)
	if math.Abs(c-slope) > 1e-12 || math.Abs(r2-want) > 1e-12 || !(r2 < 0.95) {
		t.Errorf("noisy shift: c %v, r² %v; regression %v, %v", c, r2, slope, want)
	}
	if _, _, err := ShiftFit(lp[:2], l0, q); err == nil {
		t.Error("mismatched prompts: no error")
	}
	// The rule lies on the frontier of the reward its own shift implies.
	implied, err := Shift(lp, l0)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Temperature: 1, TopP: 1}
	pts, _ := CandidatePoints(lp, l0, implied, []float64{0, 2}, cfg)
	for _, pt := range pts {
		want, _ := Frontier(l0, implied, []float64{1 / (1 + pt.Param)}, cfg)
		if math.Abs(pt.Reward-want[0].Reward) > 1e-9 || math.Abs(pt.KL-want[0].KL) > 1e-9 {
			t.Errorf("ratio %v: %+v off the implied reward's frontier %+v", pt.Param, pt, want[0])
		}
	}
}

// exactTwoSteps enumerates the distribution of the first two response
// tokens of Decode on the markov policy, from the step rule.
func exactTwoSteps(m *markov, ctx policy.Context, cfg Config) map[[2]int]float64 {
	out := map[[2]int]float64{}
	full := ctx.Tokens()
	q1, _ := StepDistribution(m.next(full), m.next(ctx.Prompt), cfg)
	for a, pa := range q1 {
		if pa == 0 {
			continue
		}
		q2, _ := StepDistribution(m.next(append(slices.Clone(full), a)), m.next(append(slices.Clone(ctx.Prompt), a)), cfg)
		for b, pb := range q2 {
			if pb > 0 {
				out[[2]int{a, b}] += pa * pb
			}
		}
	}
	return out
}

// TestSamplingFrequencies checks Decode's sampled two-token responses
// against the exact distribution of the lockstep rule with a chi-square
// bound (the test fails by chance with probability 1e-4 at most).
func TestSamplingFrequencies(t *testing.T) {
	m := newMarkov(5, 11)
	ctx := policy.Context{Principle: []int{principleToken}, Prompt: []int{3}}
	for _, cfg := range []Config{
		{Ratio: 3, Temperature: 0.7, TopP: 0.8, MaxTokens: 2, Seed: 5},
		{Ratio: 1, Temperature: 1, TopP: 1, MaxTokens: 2, Seed: 6},
	} {
		const n = 20000
		contexts := make([]policy.Context, n)
		for i := range contexts {
			contexts[i] = ctx
		}
		samples, err := Decode(m, contexts, cfg)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[[2]int]float64{}
		for _, s := range samples {
			if len(s.Tokens) != 2 {
				t.Fatalf("response %v: want 2 tokens", s.Tokens)
			}
			counts[[2]int{s.Tokens[0], s.Tokens[1]}]++
		}
		want := exactTwoSteps(m, ctx, cfg)
		var chi2 float64
		for k, p := range want {
			e := p * n
			chi2 += (counts[k] - e) * (counts[k] - e) / e
		}
		for k := range counts {
			if want[k] == 0 {
				t.Errorf("%+v: sampled %v outside the support", cfg, k)
			}
		}
		bound := distuv.ChiSquared{K: float64(len(want) - 1)}.Quantile(1 - 1e-4)
		if chi2 > bound {
			t.Errorf("%+v: chi-square %.1f over %d cells exceeds %.1f", cfg, chi2, len(want), bound)
		}
	}
}

func TestStepDistribution(t *testing.T) {
	lp := []float64{2, 1, 0, -1}
	l0 := []float64{1, 1, 1, 1}
	tests := []struct {
		name string
		lp   []float64
		l0   []float64
		cfg  Config
		want []float64
	}{
		// nucleus of softmax(lp/1) at 0.5 is {0}: all mass on token 0.
		{"narrow nucleus", lp, l0, Config{Temperature: 1, TopP: 0.5}, []float64{1, 0, 0, 0}},
		// ratio 0 at T=1, top-p 1 is the principle distribution.
		{"principle alone", lp, l0, Config{Ratio: -1, Temperature: 1, TopP: 1}, softmax(lp)},
		// ratio 1: ℓ* = 2ℓ_p − ℓ₀.
		{"ratio one", lp, l0, Config{Ratio: 1, Temperature: 1, TopP: 1}, softmax([]float64{3, 1, -1, -3})},
		// base logits −∞ make every aligned logit +∞: fall back to the principle distribution.
		{"fallback", lp, []float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}, Config{Temperature: 1, TopP: 1}, softmax(lp)},
		{"greedy", lp, []float64{0, -3, 0, 0}, Config{Ratio: 1, Temperature: 1, TopP: 1, Greedy: true}, []float64{0, 1, 0, 0}},
	}
	for _, tc := range tests {
		got, err := StepDistribution(tc.lp, tc.l0, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
	bad := []Config{{Ratio: math.NaN()}, {Temperature: -1}, {TopP: 1.5}, {MaxTokens: -2}}
	for _, cfg := range bad {
		if _, err := StepDistribution(lp, l0, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := StepDistribution(lp, l0[:2], Config{}); err == nil {
		t.Error("mismatched lengths: no error")
	}
}

// TestSampleKL checks Sample.KL against KL recomputed along the response
// from the step rule, and the zero divergence of untruncated base decoding.
func TestSampleKL(t *testing.T) {
	m := newMarkov(6, 13)
	ctx := policy.Context{Principle: []int{principleToken}, Prompt: []int{2, 4}}
	cfg := Config{Ratio: 2, Temperature: 0.8, TopP: 0.9, MaxTokens: 5, Seed: 1}
	samples, err := Decode(m, []policy.Context{ctx, ctx}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		full, prompt := ctx.Tokens(), slices.Clone(ctx.Prompt)
		var want float64
		for _, tok := range s.Tokens {
			q, _ := StepDistribution(m.next(full), m.next(prompt), cfg)
			kl, err := KL(q, m.next(prompt), 0.8)
			if err != nil {
				t.Fatal(err)
			}
			want += kl
			full, prompt = append(full, tok), append(prompt, tok)
		}
		if math.Abs(s.KL-want) > 1e-12 {
			t.Errorf("KL %v, recomputed %v", s.KL, want)
		}
	}
	base, err := DecodeBase(m, []policy.Context{ctx}, Config{Temperature: 0.8, TopP: 1, MaxTokens: 5})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(base[0].KL) > 1e-12 {
		t.Errorf("untruncated base decoding has KL %v to itself", base[0].KL)
	}
}

// TestDeterminism checks seeding: the same seed gives the same responses,
// and a context's response does not depend on the rest of its batch.
func TestDeterminism(t *testing.T) {
	m := newMarkov(6, 17)
	var contexts []policy.Context
	for i := 1; i < 6; i++ {
		contexts = append(contexts, policy.Context{Principle: []int{principleToken}, Prompt: []int{i}})
	}
	cfg := Config{MaxTokens: 8, StopTokens: []int{5}, Seed: 9}
	a, err := Decode(m, contexts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Decode(m, contexts, cfg)
	first, _ := Decode(m, contexts[:1], cfg)
	for i := range a {
		if !slices.Equal(a[i].Tokens, b[i].Tokens) || slices.Contains(a[i].Tokens, 5) {
			t.Errorf("context %d: %v then %v", i, a[i].Tokens, b[i].Tokens)
		}
	}
	if !slices.Equal(first[0].Tokens, a[0].Tokens) {
		t.Errorf("alone %v, in a batch %v", first[0].Tokens, a[0].Tokens)
	}
	if _, err := Decode(m, []policy.Context{{Principle: []int{0}}}, cfg); err == nil {
		t.Error("empty prompt: no error")
	}
	if _, err := Decode(m, []policy.Context{{Prompt: []int{9}}}, cfg); err == nil {
		t.Error("token outside the vocabulary: no error")
	}
}

// TestBestOfN checks that best-of-n keeps the highest-reward candidate among
// the base responses decoded from the streams (Seed, i·n+j).
func TestBestOfN(t *testing.T) {
	m := newMarkov(6, 19)
	contexts := []policy.Context{{Prompt: []int{1}}, {Prompt: []int{2}}}
	const n = 4
	cfg := Config{MaxTokens: 6, Seed: 2}
	reward := func(_ int, r []int) (float64, error) {
		return float64(len(r)) - float64(slices.Index(r, 3)), nil
	}
	got, err := BestOfN(m, contexts, n, reward, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var repeated []policy.Context
	for _, c := range contexts {
		for j := 0; j < n; j++ {
			repeated = append(repeated, c)
		}
	}
	cands, _ := DecodeBase(m, repeated, cfg)
	for i := range contexts {
		best := math.Inf(-1)
		for j := 0; j < n; j++ {
			r, _ := reward(i, cands[i*n+j].Tokens)
			best = math.Max(best, r)
		}
		if r, _ := reward(i, got[i].Tokens); r != best {
			t.Errorf("context %d: kept reward %v, best %v", i, r, best)
		}
	}
	if _, err := BestOfN(m, contexts, 0, reward, cfg); err == nil {
		t.Error("n = 0: no error")
	}
}

func TestDistinctNGrams(t *testing.T) {
	tests := []struct {
		responses [][]int
		n         int
		want      float64
	}{
		{[][]int{{1, 2, 3}, {1, 2, 4}}, 1, 4.0 / 6},
		{[][]int{{1, 2, 3}, {1, 2, 4}}, 2, 3.0 / 4},
		{[][]int{{1, 1, 1, 1}}, 2, 1.0 / 3},
		{[][]int{{1}}, 2, 0},
	}
	for _, tc := range tests {
		got, err := DistinctNGrams(tc.responses, tc.n)
		if err != nil || math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%v n=%d: %v, %v; want %v", tc.responses, tc.n, got, err, tc.want)
		}
	}
	if _, err := DistinctNGrams(nil, 0); err == nil {
		t.Error("n = 0: no error")
	}
}

// TestRewardDifference checks the paired gain and its standard error
// against values worked by hand.
func TestRewardDifference(t *testing.T) {
	from := Row{Method: "a", Rewards: []float64{0, 1, 0, 1}}
	to := Row{Method: "b", Rewards: []float64{1, 1, 1, 0}}
	// Differences 1, 0, 1, −1: mean 1/4, sample variance (9+1+9+25)/16/3 = 11/12.
	gain, se, err := RewardDifference(from, to)
	if err != nil || math.Abs(gain-0.25) > 1e-15 || math.Abs(se-math.Sqrt(11.0/12/4)) > 1e-15 {
		t.Errorf("gain %v ± %v (%v), want 0.25 ± %v", gain, se, err, math.Sqrt(11.0/12/4))
	}
	if _, _, err := RewardDifference(from, Row{Rewards: []float64{1}}); err == nil {
		t.Error("rows of different sizes: no error")
	}
	if _, _, err := RewardDifference(Row{}, Row{}); err == nil {
		t.Error("empty rows: no error")
	}
}

// scripted is a character-level policy that answers "A: " with one of two
// answers about cats, a terse one and a polite one: among the answers that
// continue the response so far, it puts logit weight[answer] on each one's
// next character and −10 on every other character. The weights are
// withPrinciple when the context starts with '[' (a principle line),
// without otherwise, so the principle's shift favours the polite answer.
type scripted struct {
	tok                    *tokenizer.Char
	answers                []string
	withPrinciple, without []float64
}

func (s *scripted) VocabSize() int     { return s.tok.VocabSize() }
func (s *scripted) ContextLength() int { return 0 }

func (s *scripted) Logits(tokens []int) (*mat.Dense, error) {
	text, err := s.tok.Decode(tokens)
	if err != nil {
		return nil, err
	}
	weight := s.without
	if strings.HasPrefix(text, "[") {
		weight = s.withPrinciple
	}
	out := mat.NewDense(len(tokens), s.VocabSize(), nil)
	for t := range tokens {
		row := out.RawRowView(t)
		for j := range row {
			row[j] = -10
		}
		prefix, _ := s.tok.Decode(tokens[:t+1])
		k := strings.LastIndex(prefix, "A: ")
		if k < 0 {
			continue
		}
		response := prefix[k+3:]
		for a, answer := range s.answers {
			if strings.HasPrefix(answer, response) && len(answer) > len(response) {
				ids, err := s.tok.Encode(answer[len(response) : len(response)+1])
				if err != nil {
					return nil, err
				}
				row[ids[0]] = weight[a]
			}
		}
	}
	return out, nil
}

// TestCompareOnTask checks the comparison's rows against the ground truth
// recomputed from their responses (rewards, means, standard errors), and
// that linear alignment at ratio 3 beats the principle prompt alone when
// the principle's shift points at the polite answer.
func TestCompareOnTask(t *testing.T) {
	tok, err := tokenizer.NewChar(tasks.Alphabet())
	if err != nil {
		t.Fatal(err)
	}
	p := &scripted{
		tok:           tok,
		answers:       []string{"Cats sleep most of the day.\n", "Happy to help! Cats sleep most of the day. I hope this helps.\n"},
		withPrinciple: []float64{0, 0.5},
		without:       []float64{1, 0},
	}
	examples := make([]tasks.Example, 40)
	for i := range examples {
		examples[i] = tasks.Example{Topic: "cats", Question: "Tell me about cats."}
	}
	rows, err := CompareOnTask(p, tok, examples, TaskConfig{
		Principle: tasks.BePolite,
		Ratios:    []float64{0, 3},
		BestOfN:   2,
		Decode:    Config{Seed: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	methods := []string{"base", "best-of-n", "principle prompt", "linear alignment"}
	if len(rows) != len(methods) {
		t.Fatalf("%d rows, want %d", len(rows), len(methods))
	}
	for k, r := range rows {
		if r.Method != methods[k] || len(r.Rewards) != len(examples) || len(r.Responses) != len(examples) {
			t.Fatalf("row %d: %q with %d rewards, %d responses", k, r.Method, len(r.Rewards), len(r.Responses))
		}
		for i, text := range r.Responses {
			if want := tasks.PrincipleReward(tasks.BePolite, examples[i].Question, text); r.Rewards[i] != want {
				t.Errorf("%s, example %d: reward %v of %q, ground truth %v", r.Method, i, r.Rewards[i], text, want)
			}
		}
		mean, sd := stat.MeanStdDev(r.Rewards, nil)
		if math.Abs(r.Reward-mean) > 1e-12 || math.Abs(r.RewardSE-sd/math.Sqrt(float64(len(examples)))) > 1e-12 {
			t.Errorf("%s: reward %v ± %v, recomputed %v ± %v", r.Method, r.Reward, r.RewardSE, mean, sd/math.Sqrt(float64(len(examples))))
		}
	}
	gain, se, err := RewardDifference(rows[2], rows[3])
	if err != nil || !(gain > 2*se && gain > 0.1) {
		t.Errorf("ratio 3 over the principle prompt: %+v ± %v (%v); rewards %v and %v", gain, se, err, rows[2].Reward, rows[3].Reward)
	}
}

// BenchmarkDecode times linear-alignment decoding of 8 responses of 32
// tokens with the default-size transformer (two incremental forward passes
// per token); BenchmarkDecodeBase times base decoding at the same settings.
func BenchmarkDecode(b *testing.B) {
	m, contexts := benchmarkSetup(b)
	for b.Loop() {
		if _, err := Decode(m, contexts, benchmarkConfig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBase is BenchmarkDecode's reference: one context per step.
func BenchmarkDecodeBase(b *testing.B) {
	m, contexts := benchmarkSetup(b)
	for b.Loop() {
		if _, err := DecodeBase(m, contexts, benchmarkConfig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCostOverSampling reports, as the metric x-plain, the time of
// linear-alignment decoding divided by the time of plain sampling
// (policy.Sample at the same temperature, nucleus and length) of the same
// 8 responses of 32 tokens. The two alternate within every iteration, so a
// machine whose load changes during the run slows both alike. The target
// is at most 2.2: two forward passes per token instead of one, plus the
// step rule and the exact KL.
func BenchmarkCostOverSampling(b *testing.B) {
	m, contexts := benchmarkSetup(b)
	sampling := policy.SampleConfig{Temperature: DefaultTemperature, TopP: DefaultTopP, MaxTokens: benchmarkConfig.MaxTokens}
	var plain, aligned time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := policy.Sample(m, contexts, sampling); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := Decode(m, contexts, benchmarkConfig); err != nil {
			b.Fatal(err)
		}
		plain += mid.Sub(start)
		aligned += time.Since(mid)
	}
	b.ReportMetric(float64(aligned)/float64(plain), "x-plain")
}

// benchmarkConfig decodes exactly 32 tokens (no stop token) at the
// default ratio, temperature and nucleus.
var benchmarkConfig = Config{MaxTokens: 32}

// benchmarkSetup returns the default-size transformer over 400 tokens and
// 8 contexts of a 5-token principle and a 4-token prompt.
func benchmarkSetup(b *testing.B) (*transformer.Model, []policy.Context) {
	m, err := transformer.New(transformer.Config{Vocab: 400, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	contexts := make([]policy.Context, 8)
	for i := range contexts {
		contexts[i] = policy.Context{Principle: []int{1, 2, 3, 4, 5}, Prompt: []int{10 + i, 20, 30, 40}}
	}
	return m, contexts
}

// TestKLOfItselfIsZero checks that the KL of a distribution to the softmax
// it came from is 0, not a rounding error below it, which FrontierAtKL
// rejects.
func TestKLOfItselfIsZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 1000; trial++ {
		logits := make([]float64, 2+rng.IntN(30))
		for i := range logits {
			logits[i] = 5 * rng.NormFloat64()
		}
		kl, err := KL(softmax(logits), logits, 1)
		if err != nil || kl < 0 || kl > 1e-12 {
			t.Fatalf("KL of softmax(%v) to itself: %v, %v; want 0", logits, kl, err)
		}
	}
}
