package lancet

import (
	"fmt"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

// EvalSet describes how Evaluate measures a corrected model.
type EvalSet struct {
	// Seen and HeldOut are prompts that elicit the undesirable behaviour:
	// ones the training data contained and ones it did not.
	Seen, HeldOut []policy.Context
	// General are prompts on which the KL divergence to the original model
	// and the diversity of responses are measured.
	General []policy.Context
	// Clean are held-out sequences without the behaviour, for utility.
	Clean []transformer.Sequence
	// Detect flags an undesirable response.
	Detect func(string) bool
	// Tokenizer decodes responses for Detect.
	Tokenizer tokenizer.Tokenizer
	// Sample configures sampling; temperature 1 (the zero value) makes
	// the KL estimate unbiased.
	Sample policy.SampleConfig
}

// Evaluation measures a model against the original one.
type Evaluation struct {
	// SeenRate and HeldOutRate are the fractions of responses to the Seen
	// and HeldOut prompts that Detect flags.
	SeenRate, HeldOutRate float64
	// CleanLoss is the mean negative log-likelihood per weighted token of
	// the Clean sequences (lower is more utility).
	CleanLoss float64
	// KL is the Monte Carlo estimate of KL(π ‖ π_original) per response,
	// the mean of log π(y) − log π_original(y) over responses y sampled
	// from π on the General prompts.
	KL float64
	// Diversity is distinct-2: the fraction of distinct token bigrams
	// among all bigrams of the General responses.
	Diversity float64
}

// Evaluate measures m: the behaviour's rate on seen and held-out prompts,
// utility as clean held-out loss, KL divergence to original and diversity.
func Evaluate(m, original *transformer.Model, set EvalSet) (*Evaluation, error) {
	if m == nil || original == nil || set.Detect == nil || set.Tokenizer == nil {
		return nil, fmt.Errorf("lancet: Evaluate: models, Detect and Tokenizer are required")
	}
	if len(set.Seen) == 0 || len(set.HeldOut) == 0 || len(set.General) == 0 || len(set.Clean) == 0 {
		return nil, fmt.Errorf("lancet: Evaluate: Seen, HeldOut, General and Clean must not be empty")
	}
	var ev Evaluation
	var err error
	if ev.SeenRate, err = BehaviourRate(m, set.Tokenizer, set.Seen, set.Detect, set.Sample); err != nil {
		return nil, err
	}
	if ev.HeldOutRate, err = BehaviourRate(m, set.Tokenizer, set.HeldOut, set.Detect, set.Sample); err != nil {
		return nil, err
	}
	if ev.CleanLoss, err = m.Loss(set.Clean); err != nil {
		return nil, fmt.Errorf("lancet: Evaluate: clean loss: %w", err)
	}
	responses, err := policy.Sample(m, set.General, set.Sample)
	if err != nil {
		return nil, fmt.Errorf("lancet: Evaluate: %w", err)
	}
	var seqs []transformer.Sequence
	seen := map[[2]int]bool{}
	bigrams := 0
	for i, r := range responses {
		for t := 1; t < len(r); t++ {
			seen[[2]int{r[t-1], r[t]}] = true
			bigrams++
		}
		if len(r) > 0 {
			seq, err := ResponseSequence(set.General[i], r)
			if err != nil {
				return nil, err
			}
			seqs = append(seqs, seq)
		}
	}
	if bigrams > 0 {
		ev.Diversity = float64(len(seen)) / float64(bigrams)
	}
	if len(seqs) > 0 {
		lm, err := SequenceLosses(m, seqs)
		if err != nil {
			return nil, err
		}
		lo, err := SequenceLosses(original, seqs)
		if err != nil {
			return nil, err
		}
		for i := range lm {
			ev.KL += lo[i] - lm[i]
		}
		ev.KL /= float64(len(responses))
	}
	return &ev, nil
}

// BehaviourRate returns the fraction of m's responses to contexts (one each,
// sampled with cfg) that detect flags.
func BehaviourRate(m *transformer.Model, tok tokenizer.Tokenizer, contexts []policy.Context, detect func(string) bool, cfg policy.SampleConfig) (float64, error) {
	q, err := FindQueries(m, tok, contexts, detect, cfg)
	if err != nil {
		return 0, err
	}
	return q.Rate(), nil
}
