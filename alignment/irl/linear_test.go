package irl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/loglinear"
)

// linearProblem returns the reference, the expert and the true reward of a
// seeded LinearProblem.
func linearProblem(seed uint64) (ref, expert *loglinear.Policy, w []float64) {
	pr, err := NewLinearProblem(40, 8, 5, seed)
	if err != nil {
		panic(err)
	}
	return pr.Reference, pr.Expert, pr.TrueReward
}

func cosine(a, b []float64) float64 {
	return dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b))
}

// TestRFTRecoversRewardDirection checks that RFT's explicit reward points
// along the expert's reward, and that every method's policy moves towards
// the expert.
func TestRFTRecoversRewardDirection(t *testing.T) {
	ref, expert, w := linearProblem(1)
	demos, _, err := ExpertDemos(expert, ref, 20, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := LinearConfig{Steps: 300, Seed: 3}
	rft, err := RFTLinear(ref, demos, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c := cosine(rft.Reward, w); c < 0.9 {
		t.Errorf("RFT reward cosine to the expert's %.3f < 0.9", c)
	}
	sft, err := SFTLinear(ref, demos, cfg)
	if err != nil {
		t.Fatal(err)
	}
	irft, err := IRFTLinear(ref, demos, LinearConfig{Steps: 300, Stages: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*LinearResult{"SFT": sft, "RFT": rft, "IRFT": irft} {
		if c := cosine(r.Theta, w); c < 0.9 {
			t.Errorf("%s policy cosine to the expert's reward %.3f < 0.9", name, c)
		}
		// RFT's pairs get harder as the policy improves: its loss stays near log 2.
		if first, last := r.Losses[0], r.Losses[len(r.Losses)-1]; name != "RFT" && !(last < first) {
			t.Errorf("%s loss did not fall: %v → %v", name, first, last)
		}
	}
}

// TestSpinLossGradient compares the self-play loss gradient with central
// finite differences.
func TestSpinLossGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	diff := []float64{0.3, -1.2, 2, 0.1}
	var deltas [][]float64
	for i := 0; i < 6; i++ {
		deltas = append(deltas, []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()})
	}
	_, grad := spinLoss(diff, deltas, 0.7)
	const h = 1e-6
	for k := range diff {
		plus := append([]float64(nil), diff...)
		minus := append([]float64(nil), diff...)
		plus[k] += h
		minus[k] -= h
		lp, _ := spinLoss(plus, deltas, 0.7)
		lm, _ := spinLoss(minus, deltas, 0.7)
		if fd := (lp - lm) / (2 * h); math.Abs(fd-grad[k]) > 1e-7 {
			t.Errorf("coordinate %d: gradient %v, finite difference %v", k, grad[k], fd)
		}
	}
}

// TestIRFTOneStageIsSPIN checks that with one stage the reference stays the
// initial policy: the first loss is log 2 (θ = θ_t) and seeded runs repeat.
func TestIRFTOneStageIsSPIN(t *testing.T) {
	ref, expert, _ := linearProblem(7)
	demos, _, _ := ExpertDemos(expert, ref, 5, 0.2, 8)
	a, err := IRFTLinear(ref, demos, LinearConfig{Steps: 20, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := IRFTLinear(ref, demos, LinearConfig{Steps: 20, Seed: 9})
	if math.Abs(a.Losses[0]-math.Log(2)) > 1e-12 {
		t.Errorf("first loss %v, want log 2", a.Losses[0])
	}
	for k := range a.Theta {
		if a.Theta[k] != b.Theta[k] {
			t.Fatalf("seeded runs differ: %v and %v", a.Theta, b.Theta)
		}
	}
	if _, err := IRFTLinear(ref, demos, LinearConfig{Steps: 2, Stages: 3}); err == nil {
		t.Error("more stages than steps: no error")
	}
	if _, err := SFTLinear(ref, []Demo{{Prompt: 99}}, LinearConfig{}); err == nil {
		t.Error("prompt out of range: no error")
	}
}

// TestCompareLinear checks CompareLinear's rows: every method moves away
// from the reference (positive KL) and, on expert demonstrations, towards a
// positive true reward (the uniform reference's is near 0).
func TestCompareLinear(t *testing.T) {
	pr, err := NewLinearProblem(20, 6, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := CompareLinear(pr, 10, []float64{0, 0.5}, []int{1, 2}, LinearConfig{Steps: 40, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 2 fractions × 4 methods", len(rows))
	}
	for _, r := range rows {
		if !(r.KL > 0) || math.IsNaN(r.TrueReward) || r.Cosine < -1 || r.Cosine > 1 {
			t.Errorf("%+v: invalid measurements", r)
		}
		if r.LowQuality == 0 && !(r.TrueReward > 0) {
			t.Errorf("%s (T=%d): true reward %v, want above the reference's 0 in expectation", r.Method, r.Stages, r.TrueReward)
		}
	}
}

// TestIRFTStageOptimum checks IRFT's stage update in closed form. With a
// uniform reference, demonstrations from π_E ∝ exp(wᵀφ) and negatives from
// π_t ∝ exp(θ_tᵀφ), the log-odds of a (demonstration, negative) pair are
// (w − θ_t)ᵀ(φ_d − φ′), so the self-play loss of a stage run to
// convergence (step size 2/β², within the loss's curvature) is minimised at θ_{t+1} = θ_t + (w − θ_t)/β: π_{t+1} ∝
// π_t·(π_E/π_t)^{1/β} (Chen et al. 2024, Theorem 5.4). β < 1 overshoots
// the expert, β = 1 lands on it, β > 1 approaches it stage by stage.
func TestIRFTStageOptimum(t *testing.T) {
	pr, err := NewLinearProblem(50, 6, 3, 11)
	if err != nil {
		t.Fatal(err)
	}
	w := append([]float64(nil), pr.TrueReward...)
	addScaled(w, pr.TrueReward, 1) // a sharper expert, 2w, for a tighter estimate
	demos, _, err := ExpertDemos(pr.Reference.WithTheta(w), pr.Reference, 60, 0, 12)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		beta   float64
		stages int
		want   float64 // θ_T = want·w
	}{
		{1, 1, 1},
		{0.5, 1, 2},
		{2, 2, 0.75},
	}
	for _, c := range cases {
		res, err := IRFTLinear(pr.Reference, demos, LinearConfig{Steps: 800 * c.stages, LearningRate: 2 / (c.beta * c.beta), Beta: c.beta, Stages: c.stages, Seed: 13})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]float64(nil), w...)
		for k := range want {
			want[k] *= c.want
		}
		diff := append([]float64(nil), res.Theta...)
		addScaled(diff, want, -1)
		if rel := math.Sqrt(dot(diff, diff) / dot(want, want)); rel > 0.1 {
			t.Errorf("β %v, T %d: θ = %v, want %v·w = %v (relative error %.3f)", c.beta, c.stages, res.Theta, c.want, want, rel)
		}
	}
}

// TestCompareLinearFromSFT checks the comparison from an SFT checkpoint:
// full-batch gradient ascent at a constant step continued for k steps from
// an n-step checkpoint is SFT for n + k steps from the reference; and at a
// converged checkpoint, where the demonstrations' feature moments are
// matched, IRFT stays near it (zero expected gradient), while IRFT from
// the reference moves far.
func TestCompareLinearFromSFT(t *testing.T) {
	pr, err := NewLinearProblem(30, 6, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := LinearConfig{Steps: 30, Seed: 2}
	rows, err := CompareLinearFromSFT(pr, 40, []float64{0.3}, []int{1, 5}, 40, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SFT ckpt", "SFT", "RFT", "IRFT T=1", "IRFT T=5"}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %v", len(rows), want)
	}
	for k, r := range rows {
		if r.Label() != want[k] {
			t.Fatalf("row %d is %s, want %s", k, r.Label(), want[k])
		}
	}
	demos, _, err := ExpertDemos(pr.Expert, pr.Reference, 40, 0.3, cfg.Seed)
	if err != nil {
		t.Fatal(err)
	}
	long, err := SFTLinear(pr.Reference, demos, LinearConfig{Steps: 70, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := meanTrueReward(pr.Reference.WithTheta(long.Theta), pr.TrueReward)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rows[1].TrueReward-r) > 1e-9 {
		t.Errorf("SFT 40 + 30 steps: true reward %v, 70 steps from the reference %v", rows[1].TrueReward, r)
	}

	// From the converged checkpoint θ̂, IRFT moves by the negatives' noise
	// only; from the reference, the same stage moves θ far towards (w − θ)/β.
	ckRes, err := SFTLinear(pr.Reference, demos, LinearConfig{Steps: 400, LearningRate: 2})
	if err != nil {
		t.Fatal(err)
	}
	fromCheckpoint, err := IRFTLinear(pr.Reference.WithTheta(ckRes.Theta), demos, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fromReference, err := IRFTLinear(pr.Reference, demos, cfg)
	if err != nil {
		t.Fatal(err)
	}
	distance := func(a, b []float64) float64 {
		d := append([]float64(nil), a...)
		addScaled(d, b, -1)
		return math.Sqrt(dot(d, d))
	}
	still, moved := distance(fromCheckpoint.Theta, ckRes.Theta), distance(fromReference.Theta, pr.Reference.Theta)
	if !(still < 0.1*moved) {
		t.Errorf("IRFT moved θ by %.3f from the converged checkpoint, %.3f from the reference: want under a tenth", still, moved)
	}
	if _, err := CompareLinearFromSFT(pr, 40, []float64{0.3}, []int{1}, 0, cfg); err == nil {
		t.Error("checkpoint of 0 steps: no error")
	}
}
