package linalign

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/tokenizer"
)

// TaskConfig configures CompareOnTask and TaskCandidates on the synthetic
// corpus of package tasks. The zero value compares under "Be concise." at
// ratios 0, 1, 2, 3, 5 against best-of-8, with Decode's defaults.
type TaskConfig struct {
	// Principle is the system prompt; "" means tasks.BeConcise.
	Principle string
	// Ratios are the linear-alignment ratios swept; nil means 0, 1, 2, 3,
	// 5. Ratio 0 is the principle prompt alone.
	Ratios []float64
	// BestOfN is n of the best-of-n baseline; 0 means 8.
	BestOfN int
	// Decode sets temperature, nucleus, length and seed for every decoder;
	// its Ratio is ignored and the newline ending a response is added to
	// its StopTokens.
	Decode Config
}

func (c TaskConfig) principle() string {
	if c.Principle == "" {
		return tasks.BeConcise
	}
	return c.Principle
}

func (c TaskConfig) ratios() []float64 {
	if c.Ratios == nil {
		return []float64{0, 1, 2, 3, 5}
	}
	return c.Ratios
}

func (c TaskConfig) bestOfN() int {
	if c.BestOfN == 0 {
		return 8
	}
	return c.BestOfN
}

// Row is one decoder's result on the task.
type Row struct {
	// Method is "base", "best-of-n", "principle prompt" or "linear
	// alignment".
	Method string
	// Ratio is the linear-alignment ratio (0 for the other methods).
	Ratio float64
	// Reward is the mean ground-truth reward tasks.PrincipleReward of the
	// responses under the principle, and RewardSE its standard error
	// s/√n over the n responses.
	Reward, RewardSE float64
	// KL is the mean of the samples' KL to the base policy (Sample.KL),
	// and KLSE its standard error.
	KL, KLSE float64
	// Rewards holds each response's reward, in the order of the examples:
	// every decoder answers the same questions from the same random
	// streams, so RewardDifference can compare two rows question by
	// question.
	Rewards []float64
	// Distinct1 and Distinct2 are distinct-1 and distinct-2 over all
	// responses (DistinctNGrams).
	Distinct1, Distinct2 float64
	// Responses are the decoded responses, one per example.
	Responses []string
}

// CompareOnTask answers the questions of examples with the base policy,
// best-of-n under the ground-truth principle reward, and linear alignment
// at each ratio (ratio 0 being the principle prompt alone), all at the same
// decoding settings, and scores every decoder: ground-truth reward under
// the principle, KL to the base policy, distinct-1 and distinct-2.
func CompareOnTask(p policy.Policy, tok tokenizer.Tokenizer, examples []tasks.Example, cfg TaskConfig) ([]Row, error) {
	contexts, dec, err := taskSetup(tok, examples, cfg)
	if err != nil {
		return nil, err
	}
	principle := cfg.principle()
	reward := func(i int, response []int) (float64, error) {
		text, err := tok.Decode(response)
		if err != nil {
			return 0, err
		}
		return tasks.PrincipleReward(principle, examples[i].Question, text), nil
	}
	type run struct {
		method string
		ratio  float64
		decode func() ([]Sample, error)
	}
	runs := []run{
		{"base", 0, func() ([]Sample, error) { return DecodeBase(p, contexts, dec) }},
		{"best-of-n", 0, func() ([]Sample, error) { return BestOfN(p, contexts, cfg.bestOfN(), reward, dec) }},
	}
	for _, r := range cfg.ratios() {
		d := dec
		switch {
		case r == 0:
			runs = append(runs, run{"principle prompt", 0, func() ([]Sample, error) { return DecodePrinciple(p, contexts, d) }})
		case r > 0:
			d.Ratio = r
			runs = append(runs, run{"linear alignment", r, func() ([]Sample, error) { return Decode(p, contexts, d) }})
		default:
			return nil, fmt.Errorf("linalign: ratio %v must be ≥ 0", r)
		}
	}
	rows := make([]Row, len(runs))
	for k, r := range runs {
		samples, err := r.decode()
		if err != nil {
			return nil, err
		}
		row := Row{Method: r.method, Ratio: r.ratio, Rewards: make([]float64, len(samples))}
		if row.Responses, err = tasks.Decode(tok, Responses(samples)); err != nil {
			return nil, err
		}
		kls := make([]float64, len(samples))
		for i, s := range samples {
			if row.Rewards[i], err = reward(i, s.Tokens); err != nil {
				return nil, err
			}
			kls[i] = s.KL
		}
		row.Reward, row.RewardSE = meanSE(row.Rewards)
		row.KL, row.KLSE = meanSE(kls)
		if row.Distinct1, err = DistinctNGrams(Responses(samples), 1); err != nil {
			return nil, err
		}
		if row.Distinct2, err = DistinctNGrams(Responses(samples), 2); err != nil {
			return nil, err
		}
		rows[k] = row
	}
	return rows, nil
}

// meanSE returns the mean of x and its standard error s/√n, with s the
// sample standard deviation (0 for fewer than two values).
func meanSE(x []float64) (mean, se float64) {
	if len(x) < 2 {
		return stat.Mean(x, nil), 0
	}
	mean, sd := stat.MeanStdDev(x, nil)
	return mean, sd / math.Sqrt(float64(len(x)))
}

// RewardDifference returns the mean per-question reward gain of row to over
// row from, mean_i(to.Rewards[i] − from.Rewards[i]), and its paired standard
// error. Rows of one CompareOnTask call answer the same questions from the
// same random streams, so the paired error is usually well below the rows'
// own errors: a gain of more than two paired errors is unlikely to be noise.
func RewardDifference(from, to Row) (gain, se float64, err error) {
	if len(from.Rewards) != len(to.Rewards) || len(from.Rewards) == 0 {
		return 0, 0, fmt.Errorf("linalign: rows %q and %q have %d and %d rewards, need the same positive number", from.Method, to.Method, len(from.Rewards), len(to.Rewards))
	}
	d := make([]float64, len(from.Rewards))
	for i := range d {
		d[i] = to.Rewards[i] - from.Rewards[i]
	}
	gain, se = meanSE(d)
	return gain, se, nil
}

// taskSetup encodes the examples' questions under the principle and adds the
// newline to the stop tokens.
func taskSetup(tok tokenizer.Tokenizer, examples []tasks.Example, cfg TaskConfig) ([]policy.Context, Config, error) {
	if tok == nil {
		return nil, Config{}, fmt.Errorf("linalign: nil tokenizer")
	}
	if len(examples) == 0 {
		return nil, Config{}, fmt.Errorf("linalign: no examples")
	}
	contexts, err := tasks.Contexts(examples, tok, cfg.principle())
	if err != nil {
		return nil, Config{}, err
	}
	stop, err := tasks.StopToken(tok)
	if err != nil {
		return nil, Config{}, err
	}
	dec := cfg.Decode
	dec.StopTokens = append(append([]int(nil), dec.StopTokens...), stop)
	return contexts, dec, dec.Validate()
}

// CandidateSet is a finite set of responses per prompt with their
// sequence-level logits under and without the principle and their
// ground-truth rewards: the input of CandidatePoints and Frontier.
type CandidateSet struct {
	Principle, Base, Rewards [][]float64
}

// TaskCandidates samples k candidate responses per example, the first half
// from the base policy and the rest from the principle prompt at cfg.Decode's
// settings, scores each whole response (its newline included) with
// SequenceLogits, and rewards it with tasks.PrincipleReward.
func TaskCandidates(p policy.Policy, tok tokenizer.Tokenizer, examples []tasks.Example, k int, cfg TaskConfig) (*CandidateSet, error) {
	if k < 1 {
		return nil, fmt.Errorf("linalign: %d candidates per prompt, need ≥ 1", k)
	}
	contexts, dec, err := taskSetup(tok, examples, cfg)
	if err != nil {
		return nil, err
	}
	repeated := make([]policy.Context, 0, len(contexts)*k)
	for _, c := range contexts {
		for j := 0; j < k; j++ {
			repeated = append(repeated, c)
		}
	}
	fromBase, err := DecodeBase(p, repeated, dec)
	if err != nil {
		return nil, err
	}
	fromPrinciple, err := DecodePrinciple(p, repeated, dec)
	if err != nil {
		return nil, err
	}
	stop := dec.StopTokens[len(dec.StopTokens)-1]
	candidates := make([][][]int, len(contexts))
	set := &CandidateSet{Rewards: make([][]float64, len(contexts))}
	for i := range contexts {
		for j := 0; j < k; j++ {
			s := fromBase[i*k+j]
			if j >= k/2 {
				s = fromPrinciple[i*k+j]
			}
			text, err := tok.Decode(s.Tokens)
			if err != nil {
				return nil, err
			}
			set.Rewards[i] = append(set.Rewards[i], tasks.PrincipleReward(cfg.principle(), examples[i].Question, text))
			candidates[i] = append(candidates[i], append(append([]int(nil), s.Tokens...), stop))
		}
	}
	if set.Principle, set.Base, err = SequenceLogits(p, contexts, candidates); err != nil {
		return nil, err
	}
	return set, nil
}

// Table formats rows as a fixed-width text table: method, ratio, reward ±
// its standard error, KL ± its standard error, distinct-1 and distinct-2.
func Table(rows []Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %5s %15s %13s %6s %6s\n", "method", "ratio", "reward ± se", "KL ± se", "dist-1", "dist-2")
	for _, r := range rows {
		ratio := "-"
		if r.Method == "linear alignment" {
			ratio = fmt.Sprintf("%g", r.Ratio)
		}
		fmt.Fprintf(&b, "%-18s %5s %7.3f ± %5.3f %6.2f ± %4.2f %6.3f %6.3f\n", r.Method, ratio, r.Reward, r.RewardSE, r.KL, r.KLSE, r.Distinct1, r.Distinct2)
	}
	return b.String()
}
