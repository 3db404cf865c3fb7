package linalign

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/policy"
)

// Sample is one decoded response.
type Sample struct {
	// Tokens is the response, without the stop token.
	Tokens []int
	// KL is Σ_t KL(q_t ‖ softmax(ℓ₀,t/T)), the divergence of each step's
	// decoding distribution q_t from the base policy (no principle) at the
	// decoding temperature, computed exactly over the vocabulary and summed
	// along this response. Its mean over responses is an unbiased estimate
	// of the sequence-level KL(π_decoder ‖ π_base). Best-of-n adds the
	// selection's divergence (see BestOfN).
	KL float64
}

// method selects a decoding rule of Decode's loop.
type method int

const (
	linearAlignment method = iota
	principleOnly
	baseOnly
)

// Decode generates one response per context with the linear-alignment rule
// (StepDistribution): the principle context Principle ++ Prompt and the base
// context Prompt advance in lockstep on the chosen tokens. A response ends
// at a stop token, after MaxTokens tokens or when either context fills the
// policy's window. Contexts are decoded concurrently; context i draws from
// the stream (Seed, i). The running cell's interrupt stops decoding.
func Decode(p policy.Policy, contexts []policy.Context, cfg Config) ([]Sample, error) {
	return decode(p, contexts, cfg, linearAlignment, "linear alignment")
}

// DecodePrinciple generates with the principle prompt alone, at the same
// temperature and nucleus as Decode: the rule at ratio 0, sampling from the
// top-p nucleus of softmax(ℓ_p/T). Ratio is ignored.
func DecodePrinciple(p policy.Policy, contexts []policy.Context, cfg Config) ([]Sample, error) {
	return decode(p, contexts, cfg, principleOnly, "principle prompt")
}

// DecodeBase generates without the principle (the contexts' Principle is
// ignored), sampling from the top-p nucleus of softmax(ℓ₀/T) at the same
// settings as Decode. Ratio is ignored.
func DecodeBase(p policy.Policy, contexts []policy.Context, cfg Config) ([]Sample, error) {
	return decode(p, contexts, cfg, baseOnly, "base policy")
}

func decode(p policy.Policy, contexts []policy.Context, cfg Config, m method, label string) ([]Sample, error) {
	if p == nil {
		return nil, fmt.Errorf("linalign: nil policy")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := job.Start(label, len(contexts))
	out := make([]Sample, len(contexts))
	err := parallel.For(len(contexts), func(i int) error {
		if err := t.Err(); err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		s, err := decodeOne(p, contexts[i], cfg, m, rng)
		if err != nil {
			return fmt.Errorf("linalign: context %d: %w", i, err)
		}
		out[i] = s
		return t.Step(1)
	})
	t.Done(err)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeOne runs the lockstep loop for one context.
func decodeOne(p policy.Policy, ctx policy.Context, cfg Config, m method, rng *rand.Rand) (Sample, error) {
	if len(ctx.Prompt) == 0 {
		return Sample{}, fmt.Errorf("empty prompt: the base context needs at least one token")
	}
	base, err := policy.NewDecoder(p, ctx.Prompt)
	if err != nil {
		return Sample{}, fmt.Errorf("base context: %w", err)
	}
	withPrinciple := base
	if m != baseOnly && len(ctx.Principle) > 0 {
		if withPrinciple, err = policy.NewDecoder(p, ctx.Tokens()); err != nil {
			return Sample{}, fmt.Errorf("principle context: %w", err)
		}
	}
	temperature, topP := cfg.temperature(), cfg.topP()
	ratio := cfg.ratio()
	if m == principleOnly {
		ratio = 0
	}
	var s Sample
	for len(s.Tokens) < cfg.maxTokens() {
		l0 := base.Logits()
		var q []float64
		if m == baseOnly {
			q = policy.Distribution(l0, policy.SampleConfig{Temperature: temperature, TopP: topP, Greedy: cfg.Greedy})
		} else {
			q = alignedStep(withPrinciple.Logits(), l0, ratio, temperature, topP, cfg.Greedy)
		}
		s.KL += stepKL(q, l0, temperature)
		token := policy.Draw(q, rng)
		if slices.Contains(cfg.StopTokens, token) {
			break
		}
		s.Tokens = append(s.Tokens, token)
		if len(s.Tokens) == cfg.maxTokens() || base.Full() || withPrinciple.Full() {
			break
		}
		if err := base.Append(token); err != nil {
			return Sample{}, err
		}
		if withPrinciple != base {
			if err := withPrinciple.Append(token); err != nil {
				return Sample{}, err
			}
		}
	}
	return s, nil
}
