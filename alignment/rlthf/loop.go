// Package rlthf reproduces RLTHF, targeted human feedback (Xu et al., "RLTHF:
// Targeted Human Feedback for LLM Alignment", ICML 2025, arXiv:2502.13417):
// label every preference pair with a cheap AI labeler, train a reward model,
// and use the curve of its sorted reward margins to decide which labels to
// trust, which to flip automatically, and which few pairs to send to humans;
// repeat, then relabel the whole set with the final model.
//
// Run is the loop, with the annotators of package annotate answering for
// humans; Baseline runs the comparison methods at the same human budget
// (AI only, random annotation, uncertainty sampling, full human labels) and
// Sweep runs them all over a range of budgets and returns a Table.
package rlthf

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

// Special values of Config fields.
const (
	// NoHuman in Config.Budget runs the loop without human labels: auto-flip
	// and back-off only.
	NoHuman = -1
	// NoBackOff in Config.BackOff trusts every AI label above the band.
	NoBackOff = -1
)

// Config configures Run. The zero value follows the paper's setting: a ¼
// shard, 4% of the shard to humans per iteration.
type Config struct {
	// Budget is the number of pairs sent to humans per iteration. If Budget
	// is 0 it defaults to 4% of the shard (at least 1); NoHuman sends none.
	Budget int
	// MaxHuman caps the human labels over all iterations; 0 means no cap
	// beyond Iterations × Budget. The last iteration uses what is left.
	MaxHuman int
	// Iterations is the number of annotation rounds; 0 means 3.
	Iterations int
	// Shard is the fraction of the pool the loop runs on (a seeded random
	// shard); the final model relabels the whole pool. 0 means ¼; values
	// ≥ 1 use the whole pool.
	Shard float64
	// BackOff is the back-off ratio β: of the pairs above the annotation
	// band, only the first (1 − β) are trusted with their AI labels. 0 means
	// 0.3; NoBackOff trusts them all.
	BackOff float64
	// Amplification is the amplification ratio α, the training weight of a
	// human label relative to an AI label (weight 1). 0 means 4; it must be
	// at least 1 otherwise.
	Amplification float64
	// NoAutoFlip keeps the labels of the far tail instead of flipping them
	// (the tail is then left out of training).
	NoAutoFlip bool
	// MinDistance is the smallest normalised distance from the chord that
	// counts as an elbow or a knee (see FindLandmarks); 0 means
	// DefaultMinDistance.
	MinDistance float64
	// Train fits the reward model; nil means DefaultTrainer.
	Train TrainFunc
	// Seed seeds the shard, the ordering of equal margins and the sample
	// of the Random baseline.
	Seed uint64
}

// settings are a Config with defaults filled in for a pool.
type settings struct {
	Config
	shard     []int
	budget    int // per iteration
	maxHuman  int
	headTrust float64 // 1 − β
}

// settle checks c and fills in its defaults for a pool of n pairs.
func (c Config) settle(n int) (settings, error) {
	s := settings{Config: c}
	if c.Iterations < 0 {
		return s, fmt.Errorf("rlthf: %d iterations", c.Iterations)
	}
	if s.Iterations == 0 {
		s.Iterations = 3
	}
	switch {
	case math.IsNaN(c.Shard) || c.Shard < 0:
		return s, fmt.Errorf("rlthf: shard fraction %v is not in (0, 1]", c.Shard)
	case c.Shard == 0:
		s.Shard = 0.25
	case c.Shard > 1:
		s.Shard = 1
	}
	size := max(1, int(math.Round(s.Shard*float64(n))))
	if size >= n {
		s.shard = allIndices(n)
	} else {
		s.shard = rand.New(rand.NewPCG(c.Seed, 0x7368617264)).Perm(n)[:size]
		slices.Sort(s.shard)
	}
	switch {
	case c.Budget == NoHuman:
		s.budget = 0
	case c.Budget < 0:
		return s, fmt.Errorf("rlthf: budget %d per iteration (use NoHuman for none)", c.Budget)
	case c.Budget == 0:
		s.budget = max(1, int(math.Round(0.04*float64(size))))
	default:
		s.budget = c.Budget
	}
	if c.MaxHuman < 0 {
		return s, fmt.Errorf("rlthf: MaxHuman %d is negative", c.MaxHuman)
	}
	s.maxHuman = s.budget * s.Iterations
	if c.MaxHuman > 0 {
		s.maxHuman = min(s.maxHuman, c.MaxHuman)
	}
	switch {
	case c.BackOff == NoBackOff:
		s.headTrust = 1
	case c.BackOff == 0:
		s.headTrust = 0.7
	case c.BackOff > 0 && c.BackOff < 1:
		s.headTrust = 1 - c.BackOff
	default:
		return s, fmt.Errorf("rlthf: back-off ratio %v is not in [0, 1)", c.BackOff)
	}
	switch {
	case c.Amplification == 0:
		s.Amplification = 4
	case !(c.Amplification >= 1) || math.IsInf(c.Amplification, 0):
		return s, fmt.Errorf("rlthf: amplification ratio %v is not a number ≥ 1", c.Amplification)
	}
	if s.Train == nil {
		s.Train = DefaultTrainer
	}
	return s, nil
}

// Iteration records one round of the loop, for plotting and checking.
// Positions count along the curve, 0 being the largest margin. Accuracies
// are NaN when the pool has no ground truth (or no test pairs).
type Iteration struct {
	// Index is the round, from 0.
	Index int
	// Curve is the sorted margin curve of the shard under the labels the
	// round started with, with its landmarks.
	Curve *Curve
	// CurveCorrect[k] tells whether the label of the pair at position k
	// was right; nil without ground truth.
	CurveCorrect []bool
	// HeadEnd, BandStart and TailStart split the curve: positions below
	// HeadEnd keep their labels and are trained on (the backed-off head),
	// [BandStart, TailStart) is the human-annotation band, and positions
	// from TailStart on form the far tail that is flipped.
	HeadEnd, BandStart, TailStart int
	// Flipped is the number of labels flipped automatically and
	// FlipPrecision the fraction of them that became right.
	Flipped       int
	FlipPrecision float64
	// Budget is the number of human labels this round could use,
	// SentToHumans how many pairs were answered, and Corrected how many
	// answers changed the pair's label.
	Budget, SentToHumans, Corrected int
	// Trained is the number of pairs the next model is trained on.
	Trained int
	// LabelAccuracy is the accuracy of the shard's labels after the round;
	// TrainedLabelAccuracy that of the pairs trained on next.
	LabelAccuracy, TrainedLabelAccuracy float64
	// TestAccuracy is the test accuracy of the model the round started
	// with (trained on the previous round's labels).
	TestAccuracy float64
	// Notes explain degenerate situations met in the round.
	Notes []string
}

// Result is the outcome of Run.
type Result struct {
	// Iterations records every round.
	Iterations []Iteration
	// Shard lists the indices of the pool pairs the loop ran on.
	Shard []int
	// Labels are the final labels of every pool pair (true when A is
	// preferred): human answers where there are any, the final shard
	// model's preference elsewhere.
	Labels []bool
	// Human marks the pairs labelled by humans; HumanLabels counts them.
	Human       []bool
	HumanLabels int
	// Model is the reward model trained on the final labels of the whole
	// pool, human labels weighted by the amplification ratio.
	Model reward.Model
	// LabelAccuracy is the accuracy of Labels against the truth and
	// TestAccuracy that of Model on the test pairs (NaN when unknown).
	LabelAccuracy, TestAccuracy float64
	// Notes explain degenerate situations (also recorded per round).
	Notes []string
}

// Run runs RLTHF on pool starting from the AI labels ai (true when the
// labeler prefers A), asking humans for the pairs the loop selects. Each
// round (Xu et al. 2025, §3):
//
//  1. train a reward model on the current training set (round 0: every AI
//     label of the shard);
//  2. sort the shard's margins under their current labels into a Curve and
//     find its elbow e, knee k and the elbow's mirror point m (the first
//     margin ≤ −margin(e)); without a knee, k is the first non-positive
//     margin; without a mirror, m is the end of the curve;
//  3. flip the labels of the far tail, positions ≥ max(k, m): the model
//     contradicts them at least as confidently as it agrees with the head;
//  4. send to humans the band between min(k, m) and max(k, m), from its top
//     down, up to the round's budget; if the band runs out, the pairs just
//     above it and then the tail are asked next;
//  5. keep the backed-off head, positions < (1 − β)·min(k, m), with their
//     labels; the next training set is the head, the flipped tail and every
//     human label (weight α), and the rest of the shard is left out.
//
// After the last round the model trained on the curated shard relabels every
// pair of the pool without a human label, and the returned Model is trained
// on the whole relabelled pool (with the relabelling model's preference
// probabilities as soft labels, see trainRelabelled). Degenerate inputs (no budget, a shard smaller
// than the budget, equal margins, no knee) are handled and explained in the
// Notes. It returns annotate.ErrStopped (wrapped) when the annotator stops,
// job.ErrInterrupted when the user interrupts, with the answers given so far
// kept by the annotator (see annotate.Journal).
func Run(pool *Pool, ai []bool, humans annotate.Annotator, cfg Config) (*Result, error) {
	s, err := prepare(pool, ai, humans, cfg)
	if err != nil {
		return nil, err
	}
	t := job.Start("RLTHF", s.Iterations+2)
	r, err := run(pool, ai, humans, s, t)
	t.Done(err)
	return r, err
}

// prepare checks the inputs of Run and fills in cfg's defaults.
func prepare(pool *Pool, ai []bool, humans annotate.Annotator, cfg Config) (settings, error) {
	if err := pool.validate(ai); err != nil {
		return settings{}, err
	}
	s, err := cfg.settle(pool.Pairs.Len())
	if err != nil {
		return s, err
	}
	if humans == nil && s.maxHuman > 0 {
		return s, fmt.Errorf("rlthf: a human budget of %d labels but no annotator", s.maxHuman)
	}
	return s, nil
}

// loopState is the labelling state of the pool during a run.
type loopState struct {
	pool   *Pool
	s      settings
	labels []bool    // current label of every pool pair
	human  []bool    // pair labelled by a human
	weight []float64 // training weight: α for human labels, 1 otherwise
	used   int       // human labels so far
}

// newLoopState starts from the AI labels ai, every pair weighing 1.
func newLoopState(pool *Pool, s settings, ai []bool) *loopState {
	n := pool.Pairs.Len()
	st := &loopState{pool: pool, s: s, labels: slices.Clone(ai), human: make([]bool, n), weight: make([]float64, n)}
	for i := range st.weight {
		st.weight[i] = 1
	}
	return st
}

// run is Run with checked settings, reporting to t.
func run(pool *Pool, ai []bool, humans annotate.Annotator, s settings, t progress) (*Result, error) {
	n := pool.Pairs.Len()
	st := newLoopState(pool, s, ai)
	res := &Result{Shard: s.shard}
	if s.budget == 0 {
		res.Notes = append(res.Notes, "no human budget: the loop only flips and backs off AI labels")
	}
	trainIdx := s.shard
	for it := 0; it < s.Iterations; it++ {
		if err := t.Step(1); err != nil {
			return nil, err
		}
		model, err := train(s.Train, pool.Pairs, trainIdx, st.labels, st.weight)
		if err != nil {
			return nil, fmt.Errorf("rlthf: round %d: %w", it, err)
		}
		rec, next, err := st.round(it, model, humans, t)
		if err != nil {
			return nil, fmt.Errorf("rlthf: round %d: %w", it, err)
		}
		res.Iterations = append(res.Iterations, rec)
		for _, note := range rec.Notes {
			res.Notes = append(res.Notes, fmt.Sprintf("round %d: %s", it, note))
		}
		trainIdx = next
	}
	if err := t.Step(1); err != nil {
		return nil, err
	}
	shardModel, err := train(s.Train, pool.Pairs, trainIdx, st.labels, st.weight)
	if err != nil {
		return nil, fmt.Errorf("rlthf: final shard model: %w", err)
	}
	margins, err := st.relabel(shardModel)
	if err != nil {
		return nil, err
	}
	if err := t.Step(1); err != nil {
		return nil, err
	}
	final, err := st.trainRelabelled(margins)
	if err != nil {
		return nil, fmt.Errorf("rlthf: final model: %w", err)
	}
	all := allIndices(n)
	res.Labels, res.Human, res.HumanLabels, res.Model = st.labels, st.human, st.used, final
	res.LabelAccuracy = pool.labelAccuracy(st.labels, all)
	if res.TestAccuracy, err = pool.testAccuracy(final); err != nil {
		return nil, err
	}
	return res, nil
}

// round runs steps 2–5 of a round with the model trained on the current
// labels, and returns its record and the pairs to train on next.
func (st *loopState) round(it int, model reward.Model, humans annotate.Annotator, t progress) (Iteration, []int, error) {
	s, pool := st.s, st.pool
	rec := Iteration{Index: it, FlipPrecision: math.NaN()}
	var err error
	if rec.TestAccuracy, err = pool.testAccuracy(model); err != nil {
		return rec, nil, err
	}
	pairMargins, err := model.Margins(pool.Pairs)
	if err != nil {
		return rec, nil, err
	}
	curve, err := NewCurve(labelledMargins(pairMargins, s.shard, st.labels), s.Seed+uint64(it), s.MinDistance)
	if err != nil {
		return rec, nil, err
	}
	rec.Curve = curve
	if curve.Note != "" {
		rec.Notes = append(rec.Notes, curve.Note)
	}
	size := len(curve.Margins)
	at := func(k int) int { return s.shard[curve.Order[k]] } // pool index at position k
	if pool.Truth != nil {
		rec.CurveCorrect = make([]bool, size)
		for k := range size {
			rec.CurveCorrect[k] = st.labels[at(k)] == pool.Truth[at(k)]
		}
	}

	knee := curve.Knee
	if knee < 0 {
		knee = firstNonPositive(curve.Margins)
		rec.Notes = append(rec.Notes, fmt.Sprintf("no knee: the band starts at the first non-positive margin (position %d of %d)", knee, size))
	}
	mirror := curve.Mirror
	if mirror < 0 {
		mirror = size
		rec.Notes = append(rec.Notes, "no mirror point of the elbow: nothing is flipped")
	}
	rec.BandStart, rec.TailStart = min(knee, mirror), max(knee, mirror)
	rec.HeadEnd = int(s.headTrust * float64(rec.BandStart))

	// Step 3: flip the far tail.
	inTraining := make([]bool, size)
	if !s.NoAutoFlip {
		right := 0
		for k := rec.TailStart; k < size; k++ {
			i := at(k)
			if st.human[i] {
				continue
			}
			st.labels[i] = !st.labels[i]
			inTraining[k] = true
			rec.Flipped++
			if pool.Truth != nil && st.labels[i] == pool.Truth[i] {
				right++
			}
		}
		if rec.Flipped > 0 && pool.Truth != nil {
			rec.FlipPrecision = float64(right) / float64(rec.Flipped)
		}
	}

	// Step 4: the band to humans, within the budget.
	rec.Budget = min(s.budget, s.maxHuman-st.used)
	if err := st.annotate(&rec, humans, at, size, t); err != nil {
		return rec, nil, err
	}

	// Step 5: the backed-off head, and the next training set.
	for k := range rec.HeadEnd {
		inTraining[k] = true
	}
	var next []int
	for k := range size {
		if i := at(k); inTraining[k] || st.human[i] {
			next = append(next, i)
		}
	}
	slices.Sort(next)
	if len(next) == 0 {
		rec.Notes = append(rec.Notes, "nothing left to train on: the next round trains on the whole shard")
		next = st.s.shard
	}
	rec.Trained = len(next)
	rec.LabelAccuracy = pool.labelAccuracy(st.labels, s.shard)
	rec.TrainedLabelAccuracy = pool.labelAccuracy(st.labels, next)
	return rec, next, nil
}

// annotate asks humans about up to rec.Budget pairs without a human label:
// first the band from its top down, then the pairs above the band from the
// band up, then the far tail.
func (st *loopState) annotate(rec *Iteration, humans annotate.Annotator, at func(int) int, size int, t progress) error {
	if rec.Budget <= 0 {
		if st.s.budget > 0 {
			rec.Notes = append(rec.Notes, fmt.Sprintf("the human budget of %d labels is spent", st.s.maxHuman))
		}
		return nil
	}
	order := make([]int, 0, size)
	for k := rec.BandStart; k < rec.TailStart; k++ {
		order = append(order, k)
	}
	for k := rec.BandStart - 1; k >= 0; k-- {
		order = append(order, k)
	}
	for k := rec.TailStart; k < size; k++ {
		order = append(order, k)
	}
	band, outside := rec.TailStart-rec.BandStart, false
	for n, k := range order {
		if rec.SentToHumans == rec.Budget {
			break
		}
		i := at(k)
		if st.human[i] {
			continue
		}
		if n >= band && !outside {
			outside = true
			rec.Notes = append(rec.Notes, fmt.Sprintf("the band of %d pairs ran out: annotating outside it", band))
		}
		if err := t.Err(); err != nil {
			return err
		}
		answer, err := humans.Annotate(i)
		if err != nil {
			if errors.Is(err, annotate.ErrStopped) {
				return fmt.Errorf("after %d human labels: %w", st.used, err)
			}
			return fmt.Errorf("annotating pair %d: %w", i, err)
		}
		if answer != st.labels[i] {
			rec.Corrected++
		}
		st.labels[i], st.human[i], st.weight[i] = answer, true, st.s.Amplification
		st.used++
		rec.SentToHumans++
	}
	if rec.SentToHumans < rec.Budget {
		rec.Notes = append(rec.Notes, fmt.Sprintf("only %d of the budget of %d could be used: every shard pair has a human label", rec.SentToHumans, rec.Budget))
	}
	return nil
}

// relabel gives every pair without a human label the preference of model,
// and returns model's margins r(A) − r(B) of every pair.
func (st *loopState) relabel(model reward.Model) ([]float64, error) {
	m, err := model.Margins(st.pool.Pairs)
	if err != nil {
		return nil, err
	}
	for i, a := range marginLabels(m) {
		if !st.human[i] {
			st.labels[i] = a
		}
	}
	return m, nil
}

// trainRelabelled fits the final model on the whole pool relabelled by the
// model of margins m, as soft labels: a pair without a human label enters
// twice, A ≻ B with weight σ(mᵢ) and B ≻ A with weight 1 − σ(mᵢ), and a human
// label once with weight α. Hard labels sign(mᵢ) would make the relabelled
// pairs separable, and a Bradley–Terry fit on separable pairs drifts towards
// their maximum-margin direction instead of the relabelling model's; the
// soft labels keep its confidence, so without human labels the fit returns
// the relabelling model itself.
func (st *loopState) trainRelabelled(m []float64) (reward.Model, error) {
	var idx []int
	var preferA []bool
	var w []float64
	for i := range m {
		if st.human[i] {
			idx, preferA, w = append(idx, i), append(preferA, st.labels[i]), append(w, st.weight[i])
			continue
		}
		p := reward.Sigmoid(m[i])
		idx, preferA, w = append(idx, i, i), append(preferA, true, false), append(w, p, 1-p)
	}
	return fitOriented(st.s.Train, st.pool.Pairs, idx, preferA, w)
}

// firstNonPositive returns the first position of a decreasing curve whose
// margin is ≤ 0, len(margins) when none is.
func firstNonPositive(margins []float64) int {
	for k, m := range margins {
		if m <= 0 {
			return k
		}
	}
	return len(margins)
}
