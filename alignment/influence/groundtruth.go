package influence

import (
	"fmt"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/mat"
)

// retrainTolerance is the gradient norm to which ground-truth retraining
// converges: loose retraining is the usual reason influence "does not match
// leave-one-out" (papers.md §0).
const retrainTolerance = 1e-12

// retrainer refits a linear problem under changed pair weights, warm-started
// at the optimum of the full problem.
type retrainer struct {
	p       Problem
	query   *pref.Comparisons
	cfg     reward.LinearConfig
	weights []float64 // original weights (1 when nil)
	base    []float64 // measurement at the full optimum
}

func newRetrainer(p Problem, query *pref.Comparisons) (*retrainer, error) {
	lin, ok := p.Model.(*reward.Linear)
	if !ok {
		return nil, fmt.Errorf("influence: ground truth by retraining needs a *reward.Linear model, got %T", p.Model)
	}
	if p.Train == nil || query == nil {
		return nil, fmt.Errorf("influence: ground truth needs training and query comparisons")
	}
	r := &retrainer{p: p, query: query, cfg: reward.LinearConfig{L2: lin.L2, GradientTolerance: retrainTolerance, Init: lin.Theta}}
	if lin.L2 == 0 {
		r.cfg.L2 = reward.NoL2
	}
	r.weights = make([]float64, p.Train.Len())
	for i := range r.weights {
		r.weights[i] = 1
		if p.Train.Weight != nil {
			r.weights[i] = p.Train.Weight[i]
		}
	}
	full, err := reward.TrainLinear(p.Train, r.cfg)
	if err != nil {
		return nil, fmt.Errorf("influence: retraining the full model: %w", err)
	}
	r.cfg.Init = full.Theta
	if r.base, err = measure(full, query, p.Measurement); err != nil {
		return nil, err
	}
	return r, nil
}

// change retrains with the given weights and returns f(θ_w) − f(θ̂). The
// retraining shows no progress of its own (the caller's task does) but
// still stops on interrupt.
func (r *retrainer) change(weights []float64) ([]float64, error) {
	c := *r.p.Train
	c.Weight = weights
	unbind := job.Bind(job.Context(), nil)
	m, err := reward.TrainLinear(&c, r.cfg)
	unbind()
	if err != nil {
		return nil, err
	}
	f, err := measure(m, r.query, r.p.Measurement)
	if err != nil {
		return nil, err
	}
	for i := range f {
		f[i] -= r.base[i]
	}
	return f, nil
}

// measure evaluates the measurement on the query pairs: one value per
// query, or one for MeanQueryLoss.
func measure(m reward.Model, query *pref.Comparisons, meas Measurement) ([]float64, error) {
	switch meas {
	case MeanQueryLoss:
		l, err := m.Loss(query)
		return []float64{l}, err
	case QueryMargin:
		return m.Margins(query)
	}
	f, err := m.Margins(query)
	for i, v := range f {
		f[i] = reward.PairLoss(v)
	}
	return f, err
}

// LeaveOneOut is the ground truth that influence approximates, for a linear
// model: for each of the given training pairs it retrains without the pair
// (Newton, warm-started, to a gradient norm of 1e-12) and returns the actual
// change of the problem's measurement, f(θ̂₋ⱼ) − f(θ̂), as a q×len(pairs)
// matrix (1×len(pairs) for MeanQueryLoss). Compare with −ŵⱼ·Scores(query)
// (−I/n without weights). θ̂ is the model retrained on all pairs to the same
// tolerance. Cost: one retraining per pair.
func LeaveOneOut(p Problem, query *pref.Comparisons, pairs []int) (*mat.Dense, error) {
	r, err := newRetrainer(p, query)
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("influence: no pairs to leave out")
	}
	out := mat.NewDense(len(r.base), len(pairs), nil)
	w := append([]float64(nil), r.weights...)
	t := job.Start("influence: leave-one-out retraining", len(pairs))
	for k, j := range pairs {
		if j < 0 || j >= len(w) {
			err := fmt.Errorf("influence: pair %d is outside the %d training pairs", j, len(w))
			t.Done(err)
			return nil, err
		}
		if err := t.Step(1); err != nil {
			t.Done(err)
			return nil, err
		}
		w[j] = 0
		d, err := r.change(w)
		w[j] = r.weights[j]
		if err != nil {
			t.Done(err)
			return nil, fmt.Errorf("influence: retraining without pair %d: %w", j, err)
		}
		out.SetCol(k, d)
	}
	t.Done(nil)
	return out, nil
}

// DatamodelingScore is the linear datamodeling score (Park et al. 2023,
// "TRAK") of influence scores for a linear model: it retrains on subsets
// random subsets each keeping a fraction keep of the training pairs (seeded;
// keep 0 means ½), predicts each measurement's change as the sum of the
// first-order changes of the removed pairs, −Σ_{i removed} ŵᵢ·scores[q][i],
// and returns, averaged over the query rows, the Spearman correlation across
// subsets of predicted and actual changes. scores is what Factors.Scores
// returned for query.
func DatamodelingScore(p Problem, query *pref.Comparisons, scores *mat.Dense, subsets int, keep float64, seed uint64) (float64, error) {
	if keep == 0 {
		keep = 0.5
	}
	if keep <= 0 || keep >= 1 || subsets < 3 {
		return 0, fmt.Errorf("influence: datamodeling score needs 0 < keep < 1 and at least 3 subsets, got %v and %d", keep, subsets)
	}
	r, err := newRetrainer(p, query)
	if err != nil {
		return 0, err
	}
	if scores == nil {
		return 0, fmt.Errorf("influence: scores are nil")
	}
	if q, n := scores.Dims(); q != len(r.base) || n != len(r.weights) {
		return 0, fmt.Errorf("influence: scores are %d×%d, want %d×%d", q, n, len(r.base), len(r.weights))
	}
	total := 0.0
	for _, v := range r.weights {
		total += v
	}
	q := len(r.base)
	predicted := mat.NewDense(subsets, q, nil)
	actual := mat.NewDense(subsets, q, nil)
	rng := rand.New(rand.NewPCG(seed, 0x6c6473))
	w := make([]float64, len(r.weights))
	t := job.Start("influence: datamodeling retraining", subsets)
	for s := 0; s < subsets; s++ {
		if err := t.Step(1); err != nil {
			t.Done(err)
			return 0, err
		}
		for i := range w {
			w[i] = r.weights[i]
			if rng.Float64() >= keep {
				w[i] = 0
				for k := 0; k < q; k++ {
					predicted.Set(s, k, predicted.At(s, k)-r.weights[i]/total*scores.At(k, i))
				}
			}
		}
		d, err := r.change(w)
		if err != nil {
			t.Done(err)
			return 0, fmt.Errorf("influence: retraining on subset %d: %w", s, err)
		}
		actual.SetRow(s, d)
	}
	t.Done(nil)
	sum := 0.0
	for k := 0; k < q; k++ {
		rho, err := metrics.Spearman(mat.Col(nil, k, predicted), mat.Col(nil, k, actual))
		if err != nil {
			return 0, fmt.Errorf("influence: query %d: %w", k, err)
		}
		sum += rho
	}
	return sum / float64(q), nil
}
