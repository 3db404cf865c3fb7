package irl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/loglinear"
)

// LinearProblem is a log-linear setting with a known expert: features
// φ(x, y) with standard normal entries, a uniform reference, the expert
// π_E ∝ exp(wᵀφ) and a low-quality annotator answering from the reference.
type LinearProblem struct {
	// Reference is the uniform policy (θ = 0), the initial model.
	Reference *loglinear.Policy
	// Expert is the reference tilted by the true reward: θ = w.
	Expert *loglinear.Policy
	// TrueReward is w: the true reward of candidate y of prompt x is
	// wᵀφ(x, y).
	TrueReward []float64
}

// NewLinearProblem returns a seeded LinearProblem with the given numbers of
// prompts, candidates per prompt and features; w is standard normal.
func NewLinearProblem(prompts, candidates, dim int, seed uint64) (*LinearProblem, error) {
	if prompts < 1 || candidates < 2 || dim < 1 {
		return nil, fmt.Errorf("irl: problem with %d prompts, %d candidates, %d features: need ≥ 1, ≥ 2, ≥ 1", prompts, candidates, dim)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	ref := &loglinear.Policy{Theta: make([]float64, dim)}
	for x := 0; x < prompts; x++ {
		phi := mat.NewDense(candidates, dim, nil)
		for y := 0; y < candidates; y++ {
			for k := 0; k < dim; k++ {
				phi.Set(y, k, rng.NormFloat64())
			}
		}
		ref.Features = append(ref.Features, phi)
	}
	w := make([]float64, dim)
	for k := range w {
		w[k] = rng.NormFloat64()
	}
	return &LinearProblem{Reference: ref, Expert: ref.WithTheta(w), TrueReward: w}, nil
}

// LinearRow is one method's result on a LinearProblem.
type LinearRow struct {
	// Method is "SFT", "RFT" or "IRFT"; Stages is IRFT's T (0 otherwise).
	Method string
	Stages int
	// LowQuality is the fraction of low-quality demonstrations.
	LowQuality float64
	// TrueReward is the exact E_π[wᵀφ] averaged over prompts; Expert is
	// the expert's.
	TrueReward, Expert float64
	// KL is the exact KL(π ‖ π_ref) averaged over prompts.
	KL float64
	// Cosine is the cosine between w and the learnt reward direction (θ,
	// or ψ for RFT).
	Cosine float64
	// Losses is the training curve.
	Losses []float64
}

// CompareLinear trains SFT, RFT and IRFT at each number of stages from the
// reference policy on demonstrations with each low-quality fraction
// (perPrompt demonstrations per prompt, low-quality ones drawn from the
// reference) and measures every result exactly.
func CompareLinear(pr *LinearProblem, perPrompt int, lowQuality []float64, stages []int, cfg LinearConfig) ([]LinearRow, error) {
	return compareLinear(pr, perPrompt, lowQuality, stages, 0, cfg)
}

// CompareLinearFromSFT is CompareLinear from an SFT checkpoint: on each set
// of demonstrations SFT first takes checkpointSteps steps from the
// reference (at cfg's learning rate), and every method, SFT included,
// then continues from that checkpoint for cfg.Steps steps (RFT's reward
// starts at the checkpoint's, ψ = λ·θ̂, and IRFT's first reference is the
// checkpoint). The checkpoint is
// reported as the row "checkpoint" before each fraction's methods; KL is
// measured against the uniform reference throughout. At a converged
// checkpoint θ̂ the demonstrations' feature moments are matched,
// E_demo[φ] = E_θ̂[φ], and the self-play loss's expected gradient at the
// start of a stage, β/2 times SFT's, vanishes: only the noise of the
// sampled negatives moves IRFT. RFT's reward step weights each pair by
// 1 − σ(margin), whose fixed point lies near, not at, θ̂.
func CompareLinearFromSFT(pr *LinearProblem, perPrompt int, lowQuality []float64, stages []int, checkpointSteps int, cfg LinearConfig) ([]LinearRow, error) {
	if checkpointSteps < 1 {
		return nil, fmt.Errorf("irl: checkpoint of %d SFT steps, need ≥ 1", checkpointSteps)
	}
	return compareLinear(pr, perPrompt, lowQuality, stages, checkpointSteps, cfg)
}

// compareLinear is CompareLinear, from an SFT checkpoint of checkpointSteps
// steps when that is positive.
func compareLinear(pr *LinearProblem, perPrompt int, lowQuality []float64, stages []int, checkpointSteps int, cfg LinearConfig) ([]LinearRow, error) {
	if pr == nil {
		return nil, fmt.Errorf("irl: nil problem")
	}
	expertReward, err := meanTrueReward(pr.Expert, pr.TrueReward)
	if err != nil {
		return nil, err
	}
	var rows []LinearRow
	for _, frac := range lowQuality {
		demos, _, err := ExpertDemos(pr.Expert, pr.Reference, perPrompt, frac, cfg.Seed)
		if err != nil {
			return nil, err
		}
		start := pr.Reference
		measure := func(method string, stages int, res *LinearResult) error {
			pol := pr.Reference.WithTheta(res.Theta)
			row := LinearRow{Method: method, Stages: stages, LowQuality: frac, Expert: expertReward, Losses: res.Losses}
			if row.TrueReward, err = meanTrueReward(pol, pr.TrueReward); err != nil {
				return err
			}
			if row.KL, err = loglinear.MeanKL(pol, pr.Reference); err != nil {
				return err
			}
			dir := res.Theta
			if res.Reward != nil {
				dir = res.Reward
			}
			row.Cosine = dot(dir, pr.TrueReward) / math.Sqrt(dot(dir, dir)*dot(pr.TrueReward, pr.TrueReward))
			rows = append(rows, row)
			return nil
		}
		if checkpointSteps > 0 {
			c := cfg
			c.Steps = checkpointSteps
			res, err := SFTLinear(pr.Reference, demos, c)
			if err != nil {
				return nil, err
			}
			if err := measure("checkpoint", 0, res); err != nil {
				return nil, err
			}
			start = pr.Reference.WithTheta(res.Theta)
		}
		type run struct {
			method string
			stages int
		}
		runs := []run{{"SFT", 0}, {"RFT", 0}}
		for _, t := range stages {
			runs = append(runs, run{"IRFT", t})
		}
		for _, r := range runs {
			c := cfg
			var res *LinearResult
			switch r.method {
			case "SFT":
				res, err = SFTLinear(start, demos, c)
			case "RFT":
				res, err = RFTLinear(start, demos, c)
			default:
				c.Stages = r.stages
				res, err = IRFTLinear(start, demos, c)
			}
			if err != nil {
				return nil, err
			}
			if err := measure(r.method, r.stages, res); err != nil {
				return nil, err
			}
		}
	}
	return rows, nil
}

// meanTrueReward returns E_π[wᵀφ] averaged over prompts.
func meanTrueReward(p *loglinear.Policy, w []float64) (float64, error) {
	var total float64
	for x := 0; x < p.NumPrompts(); x++ {
		ef, err := p.ExpectedFeatures(x)
		if err != nil {
			return 0, err
		}
		total += dot(ef, w)
	}
	return total / float64(p.NumPrompts()), nil
}
