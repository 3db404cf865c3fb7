package linalign

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/policy"
)

// Defaults of Config, from the authors' code.
const (
	// DefaultRatio is the amplification the authors use for helpfulness
	// and harmlessness principles.
	DefaultRatio = 3
	// PersonalPreferenceRatio is the amplification the authors use for
	// personal-preference principles.
	PersonalPreferenceRatio = 5
	// DefaultTemperature lies in the authors' range 0.5–0.7.
	DefaultTemperature = 0.6
	// DefaultTopP is the authors' nucleus of the principle distribution.
	DefaultTopP = 0.8
	// DefaultMaxTokens bounds a response.
	DefaultMaxTokens = 64
)

// Config configures decoding. Its zero value decodes with the authors'
// defaults: ratio 3, temperature 0.6, top-p 0.8, sampled, at most 64 tokens,
// seed 0.
type Config struct {
	// Ratio scales the principle's shift ℓ_p − ℓ₀; 0 means DefaultRatio
	// (3), negative means 0 (the principle prompt alone). Use
	// PersonalPreferenceRatio (5) for personal preferences.
	Ratio float64
	// Temperature divides the aligned logits and the principle logits
	// that define the nucleus; 0 means DefaultTemperature (0.6).
	Temperature float64
	// TopP is the mass of the nucleus of softmax(ℓ_p/T) the next token is
	// restricted to; 0 means DefaultTopP (0.8), 1 keeps every token.
	TopP float64
	// Greedy picks the most likely token of the restricted aligned
	// distribution instead of sampling.
	Greedy bool
	// MaxTokens bounds the response length; 0 means 64. Decoding also
	// stops when the policy's window is full.
	MaxTokens int
	// StopTokens end a response; the stop token is not returned.
	StopTokens []int
	// Seed seeds sampling: context i of a batch uses the stream (Seed, i),
	// so a response does not depend on the rest of the batch.
	Seed uint64
}

// ratio returns the amplification in force.
func (c Config) ratio() float64 {
	switch {
	case c.Ratio == 0:
		return DefaultRatio
	case c.Ratio < 0:
		return 0
	}
	return c.Ratio
}

func (c Config) temperature() float64 {
	if c.Temperature == 0 {
		return DefaultTemperature
	}
	return c.Temperature
}

func (c Config) topP() float64 {
	if c.TopP == 0 {
		return DefaultTopP
	}
	return c.TopP
}

func (c Config) maxTokens() int {
	if c.MaxTokens == 0 {
		return DefaultMaxTokens
	}
	return c.MaxTokens
}

// Validate reports a NaN or out-of-range setting, naming the field.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Ratio) || math.IsInf(c.Ratio, 0):
		return fmt.Errorf("linalign: Ratio %v must be finite", c.Ratio)
	case !(c.Temperature >= 0) || math.IsInf(c.Temperature, 0):
		return fmt.Errorf("linalign: Temperature %v must be finite and ≥ 0", c.Temperature)
	case !(c.TopP >= 0 && c.TopP <= 1):
		return fmt.Errorf("linalign: TopP %v must be in [0, 1]", c.TopP)
	case c.MaxTokens < 0:
		return fmt.Errorf("linalign: MaxTokens %d must be ≥ 0", c.MaxTokens)
	}
	return nil
}

// StepDistribution returns the distribution of the next token under the
// linear-alignment rule (Gao et al. 2024, §3): the aligned logits
//
//	ℓ* = ℓ_p + ratio·(ℓ_p − ℓ₀)
//
// give softmax(ℓ*/T) restricted to N, the top-p nucleus of the principle
// distribution softmax(ℓ_p/T) (the smallest set of most likely tokens whose
// mass reaches p), renormalised over N. When no token of N has a finite
// aligned logit (an infinite or NaN shift), the mask is empty and the step
// falls back to the principle distribution restricted to N. With Greedy all
// mass goes to the most likely token of that distribution.
//
// principle and base are ℓ_p and ℓ₀ over the same vocabulary.
func StepDistribution(principle, base []float64, cfg Config) ([]float64, error) {
	if len(principle) != len(base) {
		return nil, fmt.Errorf("linalign: %d principle logits but %d base logits", len(principle), len(base))
	}
	if len(principle) == 0 {
		return nil, fmt.Errorf("linalign: empty logits")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return alignedStep(principle, base, cfg.ratio(), cfg.temperature(), cfg.topP(), cfg.Greedy), nil
}

// alignedStep computes StepDistribution for validated settings.
func alignedStep(principle, base []float64, ratio, temperature, topP float64, greedy bool) []float64 {
	nucleus := policy.Distribution(principle, policy.SampleConfig{Temperature: temperature, TopP: topP})
	aligned := make([]float64, len(principle))
	top := math.Inf(-1)
	for i, lp := range principle {
		if nucleus[i] == 0 {
			continue
		}
		aligned[i] = (lp + ratio*(lp-base[i])) / temperature
		if aligned[i] > top && !math.IsInf(aligned[i], 0) {
			top = aligned[i]
		}
	}
	probs := nucleus
	if !math.IsInf(top, -1) {
		probs = make([]float64, len(principle))
		var z float64
		for i := range aligned {
			if nucleus[i] == 0 || math.IsNaN(aligned[i]) || math.IsInf(aligned[i], 0) {
				continue
			}
			probs[i] = math.Exp(aligned[i] - top)
			z += probs[i]
		}
		for i := range probs {
			probs[i] /= z
		}
	}
	if greedy {
		return onehot(probs)
	}
	return probs
}

// onehot puts all mass on the most probable entry of probs (the lowest
// index among ties), in place.
func onehot(probs []float64) []float64 {
	best := 0
	for i, p := range probs {
		if p > probs[best] {
			best = i
		}
	}
	for i := range probs {
		probs[i] = 0
	}
	probs[best] = 1
	return probs
}

// KL returns KL(q ‖ softmax(logits/T)) = Σ_y q(y)·(log q(y) − log π(y)) of
// a step distribution q against the policy logits at temperature T, exactly;
// terms with q(y) = 0 contribute nothing.
func KL(q, logits []float64, temperature float64) (float64, error) {
	if len(q) != len(logits) {
		return 0, fmt.Errorf("linalign: %d probabilities but %d logits", len(q), len(logits))
	}
	if !(temperature > 0) {
		return 0, fmt.Errorf("linalign: temperature %v must be > 0", temperature)
	}
	return stepKL(q, logits, temperature), nil
}

// stepKL is KL without the checks. The divergence is never negative; the
// rounding of a distribution close to softmax(logits/temperature) can make
// the sum slightly so, and it is then 0.
func stepKL(q, logits []float64, temperature float64) float64 {
	scaled := make([]float64, len(logits))
	for i, l := range logits {
		scaled[i] = l / temperature
	}
	logPi := policy.LogSoftmax(nil, scaled)
	var kl float64
	for i, p := range q {
		if p > 0 {
			kl += p * (math.Log(p) - logPi[i])
		}
	}
	return max(kl, 0)
}
