package rlthf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

// Method names a way of spending a human annotation budget.
type Method string

// The methods Baseline and Sweep compare.
const (
	// RLTHF is Run with the given Config.
	RLTHF Method = "RLTHF"
	// RLTHFNoAutoFlip, RLTHFNoBackOff and RLTHFNoAmplification are the
	// ablations of the paper: Run without flipping the far tail, trusting
	// every AI label above the band (β = 0), and with human labels weighted
	// like AI labels (α = 1).
	RLTHFNoAutoFlip      Method = "RLTHF without auto-flip"
	RLTHFNoBackOff       Method = "RLTHF without back-off"
	RLTHFNoAmplification Method = "RLTHF without amplification"
	// AIOnly trains on the AI labels alone.
	AIOnly Method = "AI only"
	// Random sends a seeded uniform sample of pairs to humans.
	Random Method = "random"
	// Uncertainty sends the pairs with the smallest |margin| under the
	// current model, in rounds of the same size as RLTHF's.
	Uncertainty Method = "uncertainty"
	// FullHuman sends every pair to humans: the ceiling.
	FullHuman Method = "full human"
)

// Methods returns the methods of the main comparison: RLTHF, random,
// uncertainty, AI only and full human.
func Methods() []Method { return []Method{RLTHF, Random, Uncertainty, AIOnly, FullHuman} }

// Ablations returns RLTHF and its three ablations.
func Ablations() []Method {
	return []Method{RLTHF, RLTHFNoAutoFlip, RLTHFNoBackOff, RLTHFNoAmplification}
}

// Baseline trains a reward model on the whole pool labelled by method with
// at most humanLabels human labels, and reports it like Run. The RLTHF
// methods call Run with cfg (its MaxHuman set to humanLabels and enough
// rounds to spend it); the others use from cfg the amplification ratio α
// (human labels weigh α, AI labels 1), the per-round budget (Uncertainty),
// Train and Seed. AIOnly and FullHuman ignore humanLabels.
func Baseline(method Method, pool *Pool, ai []bool, humans annotate.Annotator, humanLabels int, cfg Config) (res *Result, err error) {
	t := job.Start(string(method), 0)
	defer func() { t.Done(err) }()
	return baseline(method, pool, ai, humans, humanLabels, cfg, t)
}

// baseline is Baseline reporting to t.
func baseline(method Method, pool *Pool, ai []bool, humans annotate.Annotator, humanLabels int, cfg Config, t progress) (*Result, error) {
	if err := pool.validate(ai); err != nil {
		return nil, err
	}
	if humanLabels < 0 {
		return nil, fmt.Errorf("rlthf: %s with %d human labels", method, humanLabels)
	}
	n := pool.Pairs.Len()
	switch method {
	case RLTHF, RLTHFNoAutoFlip, RLTHFNoBackOff, RLTHFNoAmplification:
		s, err := prepare(pool, ai, humans, rlthfConfig(method, cfg, humanLabels, n))
		if err != nil {
			return nil, err
		}
		return run(pool, ai, humans, s, t)
	}
	s, err := cfg.settle(n)
	if err != nil {
		return nil, err
	}
	st := newLoopState(pool, s, ai)
	var notes []string
	switch method {
	case AIOnly:
	case FullHuman:
		err = st.ask(humans, allIndices(n), t)
	case Random:
		pick := rand.New(rand.NewPCG(s.Seed, 0x72616e646f6d)).Perm(n)[:min(humanLabels, n)]
		slices.Sort(pick)
		err = st.ask(humans, pick, t)
	case Uncertainty:
		err = st.uncertainty(humans, humanLabels, t)
	default:
		return nil, fmt.Errorf("rlthf: unknown method %q", method)
	}
	if err != nil {
		return nil, err
	}
	if humanLabels > n && method != AIOnly && method != FullHuman {
		notes = append(notes, fmt.Sprintf("a budget of %d labels for %d pairs: every pair is labelled by humans", humanLabels, n))
	}
	all := allIndices(n)
	model, err := train(s.Train, pool.Pairs, all, st.labels, st.weight)
	if err != nil {
		return nil, err
	}
	res := &Result{Labels: st.labels, Human: st.human, HumanLabels: st.used, Model: model, Notes: notes,
		Shard: all, LabelAccuracy: pool.labelAccuracy(st.labels, all)}
	if res.TestAccuracy, err = pool.testAccuracy(model); err != nil {
		return nil, err
	}
	return res, nil
}

// rlthfConfig is cfg for an RLTHF method spending humanLabels labels: as many
// rounds of cfg's budget as needed (at least cfg's rounds when there is no
// budget), with the ablation's switch.
func rlthfConfig(method Method, cfg Config, humanLabels, n int) Config {
	c := cfg
	switch method {
	case RLTHFNoAutoFlip:
		c.NoAutoFlip = true
	case RLTHFNoBackOff:
		c.BackOff = NoBackOff
	case RLTHFNoAmplification:
		c.Amplification = 1
	}
	if humanLabels == 0 {
		c.Budget = NoHuman
		return c
	}
	c.MaxHuman = humanLabels
	if s, err := c.settle(n); err == nil && s.budget > 0 {
		c.Iterations = (humanLabels + s.budget - 1) / s.budget
	}
	return c
}

// ask records human answers for the pairs idx that have none.
func (st *loopState) ask(humans annotate.Annotator, idx []int, t progress) error {
	if len(idx) > 0 && humans == nil {
		return fmt.Errorf("rlthf: %d pairs to annotate but no annotator", len(idx))
	}
	for _, i := range idx {
		if st.human[i] {
			continue
		}
		if err := t.Step(1); err != nil {
			return err
		}
		a, err := humans.Annotate(i)
		if err != nil {
			return fmt.Errorf("rlthf: annotating pair %d after %d human labels: %w", i, st.used, err)
		}
		st.labels[i], st.human[i], st.weight[i] = a, true, st.s.Amplification
		st.used++
	}
	return nil
}

// uncertainty spends the budget in rounds of the per-round budget, each
// sending the unlabelled pairs with the smallest |r(A) − r(B)| under a model
// trained on the current labels (least-confidence sampling).
func (st *loopState) uncertainty(humans annotate.Annotator, budget int, t progress) error {
	n := st.pool.Pairs.Len()
	budget = min(budget, n)
	round := max(st.s.budget, 1)
	all := allIndices(n)
	for st.used < budget {
		model, err := train(st.s.Train, st.pool.Pairs, all, st.labels, st.weight)
		if err != nil {
			return err
		}
		m, err := model.Margins(st.pool.Pairs)
		if err != nil {
			return err
		}
		var open []int
		for i := range n {
			if !st.human[i] {
				open = append(open, i)
			}
		}
		sort.SliceStable(open, func(a, b int) bool { return math.Abs(m[open[a]]) < math.Abs(m[open[b]]) })
		if err := st.ask(humans, open[:min(round, budget-st.used, len(open))], t); err != nil {
			return err
		}
	}
	return nil
}
