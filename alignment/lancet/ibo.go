package lancet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/transformer"
)

// Split is a ranking of training examples by influence.
type Split struct {
	// Ranking lists the example indices from most to least influential.
	Ranking []int
	// Influential holds the top-ranked examples, NonInfluential the
	// bottom-ranked ones.
	Influential, NonInfluential []int
}

// SplitByScore ranks scores (higher is more influential; ties keep index
// order) and takes the top influentialFraction of the examples as influential
// and the bottom nonInfluentialFraction as non-influential (both in (0, 1],
// at least one example each, not overlapping).
func SplitByScore(scores []float64, influentialFraction, nonInfluentialFraction float64) (*Split, error) {
	n := len(scores)
	if n < 2 {
		return nil, fmt.Errorf("lancet: SplitByScore: need at least 2 scores, got %d", n)
	}
	for _, f := range []float64{influentialFraction, nonInfluentialFraction} {
		if !(f > 0 && f <= 1) {
			return nil, fmt.Errorf("lancet: SplitByScore: fraction %g outside (0, 1]", f)
		}
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return nil, fmt.Errorf("lancet: SplitByScore: score %d is NaN", i)
		}
	}
	rank := make([]int, n)
	for i := range rank {
		rank[i] = i
	}
	sort.SliceStable(rank, func(a, b int) bool { return scores[rank[a]] > scores[rank[b]] })
	top := max(1, int(math.Round(influentialFraction*float64(n))))
	bottom := max(1, int(math.Round(nonInfluentialFraction*float64(n))))
	if top+bottom > n {
		return nil, fmt.Errorf("lancet: SplitByScore: %d influential and %d non-influential examples overlap among %d", top, bottom, n)
	}
	return &Split{Ranking: rank, Influential: rank[:top], NonInfluential: rank[n-bottom:]}, nil
}

// Pair is one IBO comparison: training example Chosen (non-influential) is
// preferred to Rejected (influential).
type Pair struct {
	Chosen, Rejected int
}

// RandomPairs pairs every influential example with a non-influential one drawn
// uniformly at random (seeded), perPair times.
func RandomPairs(s *Split, perPair int, seed uint64) ([]Pair, error) {
	if s == nil || len(s.Influential) == 0 || len(s.NonInfluential) == 0 {
		return nil, fmt.Errorf("lancet: RandomPairs: the split needs influential and non-influential examples")
	}
	perPair = max(perPair, 1)
	rng := rand.New(rand.NewPCG(seed, 0x1b0))
	pairs := make([]Pair, 0, perPair*len(s.Influential))
	for _, r := range s.Influential {
		for k := 0; k < perPair; k++ {
			pairs = append(pairs, Pair{Chosen: s.NonInfluential[rng.IntN(len(s.NonInfluential))], Rejected: r})
		}
	}
	return pairs, nil
}

// StepConfig configures the post-training loops (IBO, GradientAscent). The
// zero value runs 100 AdamW steps of 8 items at a learning rate of 1e-3
// without warm-up, clipping gradients at norm 1.
type StepConfig struct {
	// Steps is the number of optimiser steps; 0 means 100.
	Steps int
	// BatchSize is the number of pairs (IBO) or sequences (GradientAscent)
	// per step; 0 means 8.
	BatchSize int
	// LearningRate is the constant learning rate; 0 means 1e-3.
	LearningRate float64
	// Seed seeds the choice of batches.
	Seed uint64
}

// IBOConfig configures IBO.
type IBOConfig struct {
	StepConfig
	// Beta scales the log-ratio to the reference model; 0 means 0.1.
	Beta float64
}

// Result reports a post-training run.
type Result struct {
	// Losses holds each step's mean loss before its update.
	Losses []float64
}

// IBO post-trains m on influence-ranked pairs (LANCET's influence-driven
// Bregman optimisation, Zhang et al. 2025, read as a DPO-style logistic
// loss; Rafailov et al. 2023, eq. 7): with π_ref the model when IBO starts
// (frozen) and, for a pair, y_w = train[Chosen] and y_l = train[Rejected],
//
//	h = β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))],
//	loss = −log σ(h),
//
// with log π(y) the weighted log-likelihood of a sequence (its response when
// prompts carry weight 0). Its gradient βσ(−h)(∇L(y_w) − ∇L(y_l)), L = −log π,
// is one transformer.BatchGradient call with token weights ±βσ(−h)/B. The
// loss pushes the model away from the influential examples while the
// log-ratio to π_ref bounds how far it moves. An interrupt stops between two
// steps with job.ErrInterrupted, leaving the model as after its last step.
func IBO(m *transformer.Model, train []transformer.Sequence, pairs []Pair, cfg IBOConfig) (*Result, error) {
	if len(pairs) == 0 {
		return nil, fmt.Errorf("lancet: IBO: no pairs")
	}
	beta := cfg.Beta
	if beta == 0 {
		beta = 0.1
	}
	if !(beta > 0) || math.IsInf(beta, 0) {
		return nil, fmt.Errorf("lancet: IBO: Beta %g must be positive", cfg.Beta)
	}
	used := map[int]bool{}
	for i, p := range pairs {
		for _, j := range []int{p.Chosen, p.Rejected} {
			if j < 0 || j >= len(train) {
				return nil, fmt.Errorf("lancet: IBO: pair %d names example %d outside [0, %d)", i, j, len(train))
			}
			used[j] = true
		}
	}
	idx := make([]int, 0, len(used))
	for j := range used {
		idx = append(idx, j)
	}
	sort.Ints(idx)
	refLoss, err := SequenceLosses(m, Subset(train, idx))
	if err != nil {
		return nil, fmt.Errorf("lancet: IBO: reference: %w", err)
	}
	ref := make(map[int]float64, len(idx))
	for k, j := range idx {
		ref[j] = refLoss[k]
	}
	return optimise(m, "lancet: IBO", len(pairs), cfg.StepConfig, func(batch []int) ([]transformer.Sequence, float64, error) {
		seqs := make([]transformer.Sequence, 0, 2*len(batch))
		for _, b := range batch {
			seqs = append(seqs, train[pairs[b].Chosen], train[pairs[b].Rejected])
		}
		cur, err := SequenceLosses(m, seqs)
		if err != nil {
			return nil, 0, err
		}
		var loss float64
		for k, b := range batch {
			p := pairs[b]
			h := beta * ((ref[p.Chosen] - cur[2*k]) - (ref[p.Rejected] - cur[2*k+1]))
			loss += softplus(-h)
			c := beta * sigmoid(-h) / float64(len(batch))
			seqs[2*k] = scaled(seqs[2*k], c)
			seqs[2*k+1] = scaled(seqs[2*k+1], -c)
		}
		return seqs, loss / float64(len(batch)), nil
	})
}

// GradientAscent unlearns the forget sequences by gradient ascent on their
// mean weighted negative log-likelihood (the usual unlearning baseline; e.g.
// Yao et al. 2023): each step maximises the loss of a random batch. An
// interrupt stops between two steps with job.ErrInterrupted, leaving the model
// as after its last step. Losses reports each batch's mean loss per token.
func GradientAscent(m *transformer.Model, forget []transformer.Sequence, cfg StepConfig) (*Result, error) {
	if len(forget) == 0 {
		return nil, fmt.Errorf("lancet: GradientAscent: no sequences to forget")
	}
	return optimise(m, "lancet: gradient ascent", len(forget), cfg, func(batch []int) ([]transformer.Sequence, float64, error) {
		seqs := make([]transformer.Sequence, len(batch))
		var weight float64
		for k, b := range batch {
			for _, w := range weightsOf(forget[b]) {
				weight += w
			}
			seqs[k] = forget[b]
		}
		if weight == 0 {
			return nil, 0, fmt.Errorf("lancet: GradientAscent: batch has zero total weight")
		}
		losses, err := SequenceLosses(m, seqs)
		if err != nil {
			return nil, 0, err
		}
		var loss float64
		for k := range seqs {
			loss += losses[k]
			seqs[k] = scaled(seqs[k], -1/weight)
		}
		return seqs, loss / weight, nil
	})
}

// optimise runs the shared post-training loop: every step draws a batch of
// item indices in [0, n), asks objective for the weighted sequences whose
// BatchGradient is the gradient of the loss to minimise (and the loss), and
// applies one AdamW step.
func optimise(m *transformer.Model, label string, n int, cfg StepConfig,
	objective func(batch []int) ([]transformer.Sequence, float64, error)) (*Result, error) {
	if m == nil {
		return nil, fmt.Errorf("%s: nil model", label)
	}
	if cfg.Steps < 0 || cfg.BatchSize < 0 || cfg.LearningRate < 0 || math.IsNaN(cfg.LearningRate) {
		return nil, fmt.Errorf("%s: negative Steps, BatchSize or LearningRate", label)
	}
	steps, bs, lr := cfg.Steps, cfg.BatchSize, cfg.LearningRate
	if steps == 0 {
		steps = 100
	}
	if bs == 0 {
		bs = 8
	}
	if lr == 0 {
		lr = 1e-3
	}
	opt, err := transformer.NewOptimizer(m, transformer.TrainConfig{Steps: steps, LearningRate: lr, WarmupSteps: -1})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6c616e63))
	res := &Result{}
	t := job.Start(label, steps)
	for s := 0; s < steps; s++ {
		if err = t.Step(1); err != nil {
			break
		}
		batch := make([]int, min(bs, n))
		for i, j := range rng.Perm(n)[:len(batch)] {
			batch[i] = j
		}
		var seqs []transformer.Sequence
		var loss float64
		if seqs, loss, err = objective(batch); err != nil {
			break
		}
		var grad []float64
		if grad, _, _, err = m.BatchGradient(seqs); err != nil {
			break
		}
		if _, err = opt.Step(grad); err != nil {
			break
		}
		res.Losses = append(res.Losses, loss)
	}
	t.Done(err)
	if err != nil && err != job.ErrInterrupted {
		err = fmt.Errorf("%s: %w", label, err)
	}
	return res, err
}

// SequenceLosses returns the summed weighted negative log-likelihood
// Σ_t w_t·(−log p(y_t | y_<t)) of every sequence (−log π of its weighted
// part), computed concurrently with forward passes only.
func SequenceLosses(m *transformer.Model, seqs []transformer.Sequence) ([]float64, error) {
	out := make([]float64, len(seqs))
	err := parallel.For(len(seqs), func(i int) error {
		seq := seqs[i]
		if len(seq.Tokens) < 2 {
			return fmt.Errorf("lancet: sequence %d has fewer than 2 tokens", i)
		}
		logits, err := m.Logits(seq.Tokens[:len(seq.Tokens)-1])
		if err != nil {
			return fmt.Errorf("lancet: sequence %d: %w", i, err)
		}
		w := weightsOf(seq)
		targets := seq.Targets
		if targets == nil {
			targets = seq.Tokens[1:]
		}
		if len(w) != len(targets) {
			return fmt.Errorf("lancet: sequence %d has %d weights for %d predictions", i, len(w), len(targets))
		}
		var lp []float64
		for t := range w {
			if w[t] == 0 {
				continue
			}
			lp = policy.LogSoftmax(lp, logits.RawRowView(t))
			if targets[t] < 0 || targets[t] >= len(lp) {
				return fmt.Errorf("lancet: sequence %d: target %d outside the vocabulary", i, targets[t])
			}
			out[i] -= w[t] * lp[targets[t]]
		}
		return nil
	})
	return out, err
}

// scaled returns seq with its loss weights multiplied by c.
func scaled(seq transformer.Sequence, c float64) transformer.Sequence {
	w := weightsOf(seq)
	sw := make([]float64, len(w))
	for i, v := range w {
		sw[i] = c * v
	}
	seq.Weights = sw
	return seq
}

// Subset returns seqs[idx[0]], seqs[idx[1]], … (the sequences are shared,
// not copied).
func Subset(seqs []transformer.Sequence, idx []int) []transformer.Sequence {
	out := make([]transformer.Sequence, len(idx))
	for k, i := range idx {
		out[k] = seqs[i]
	}
	return out
}

// Without returns the sequences whose indices are not in drop, for retraining
// without them (the oracle baseline).
func Without(seqs []transformer.Sequence, drop []int) []transformer.Sequence {
	skip := make(map[int]bool, len(drop))
	for _, i := range drop {
		skip[i] = true
	}
	out := make([]transformer.Sequence, 0, len(seqs))
	for i, s := range seqs {
		if !skip[i] {
			out = append(out, s)
		}
	}
	return out
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softplus returns log(1 + eˣ) without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}
