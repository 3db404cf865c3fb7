package influence

import (
	"fmt"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// preconditioner is a fitted inverse-curvature estimate.
type preconditioner interface {
	// precondition returns P = Q H⁻¹ for query gradients Q (q×dim, rows).
	precondition(q *mat.Dense) (*mat.Dense, error)
	// self returns gᵢᵀ H⁻¹ gᵢ for every training pair.
	self() ([]float64, error)
}

// Factors are fitted curvature factors of a Problem: compute them once with
// Fit, then call Scores and SelfScores as often as needed. A Factors value
// stays valid when a call on it is interrupted. Its methods share block
// buffers: do not call them from several goroutines at once.
type Factors struct {
	problem Problem
	method  Method
	src     *source
	pre     preconditioner
}

// Fit prepares the training gradients of p and fits the curvature factors of
// cfg.Method. It returns job.ErrInterrupted when interrupted.
func Fit(p Problem, cfg Config) (*Factors, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	switch p.Measurement {
	case QueryLoss, MeanQueryLoss, QueryMargin:
	default:
		return nil, fmt.Errorf("influence: unknown measurement %d", int(p.Measurement))
	}
	src, err := newModelSource(p, cfg)
	if err != nil {
		return nil, err
	}
	return fit(p, src, cfg)
}

// FitGradients fits DataInf or Identity factors to given per-pair training
// loss gradients (n×D, e.g. computed elsewhere and loaded from .npy), with
// uniform weights; layers gives the layer column ranges for DataInf (nil: one
// layer). Score queries with ScoresOfGradients.
func FitGradients(train *mat.Dense, layers []reward.Layer, cfg Config) (*Factors, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Method != DataInf && cfg.Method != Identity {
		return nil, fmt.Errorf("influence: %v needs a model; FitGradients supports datainf and identity", cfg.Method)
	}
	src, err := newMatrixSource(train, layers, cfg)
	if err != nil {
		return nil, err
	}
	return fit(Problem{}, src, cfg)
}

func checkConfig(cfg Config) error {
	if cfg.Method < Exact || cfg.Method > TrainingLoss {
		return fmt.Errorf("influence: unknown method %d", int(cfg.Method))
	}
	if cfg.Compressor != nil && cfg.Method != DataInf && cfg.Method != Identity {
		return fmt.Errorf("influence: compressed gradients work with datainf and identity, not %v", cfg.Method)
	}
	if cfg.Damping < 0 || cfg.CGTolerance < 0 || cfg.LiSSAScale < 0 || cfg.LiSSADamping < 0 {
		return fmt.Errorf("influence: damping, tolerance and scale must be non-negative")
	}
	if cfg.Fisher != TrueFisher && cfg.Fisher != EmpiricalFisher {
		return fmt.Errorf("influence: unknown Fisher kind %d", int(cfg.Fisher))
	}
	return nil
}

func fit(p Problem, src *source, cfg Config) (*Factors, error) {
	f := &Factors{problem: p, method: cfg.Method, src: src}
	var err error
	switch cfg.Method {
	case Exact:
		f.pre, err = fitExact(src, p.Model.Regularization()+cfg.Damping, cfg.Fisher)
	case CG:
		f.pre = newCG(src, p.Model.Regularization()+cfg.Damping, cfg)
	case LiSSA:
		f.pre, err = fitLiSSA(src, p.Model.Regularization()+cfg.Damping, cfg)
	case DataInf:
		f.pre, err = fitDataInf(src, cfg.Damping)
	case KFAC, EKFAC:
		f.pre, err = fitKFAC(p, src, cfg)
	case Identity:
		f.pre = identity{src}
	case TrainingLoss:
		if src.margins == nil {
			return nil, fmt.Errorf("influence: the training-loss baseline needs a model")
		}
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Method returns the estimator the factors were fitted with.
func (f *Factors) Method() Method { return f.method }

// NumTrain returns the number of training pairs n.
func (f *Factors) NumTrain() int { return f.src.n }

// TrainingLosses returns ℓ(zᵢ) = −log σ(mᵢ) of every training pair.
func (f *Factors) TrainingLosses() ([]float64, error) {
	if f.src.margins == nil {
		return nil, fmt.Errorf("influence: factors fitted to gradients have no margins")
	}
	l := make([]float64, f.src.n)
	for i, m := range f.src.margins {
		l[i] = reward.PairLoss(m)
	}
	return l, nil
}

// QueryGradients returns ∇θ f for the problem's measurement on the query
// pairs (q×D, or 1×D for MeanQueryLoss), uncompressed.
func (f *Factors) QueryGradients(query *pref.Comparisons) (*mat.Dense, error) {
	m := f.problem.Model
	if m == nil {
		return nil, fmt.Errorf("influence: factors fitted to gradients: use ScoresOfGradients")
	}
	if query == nil {
		return nil, fmt.Errorf("influence: query comparisons are nil")
	}
	w, err := reward.NormalizedWeights(query)
	if err != nil {
		return nil, fmt.Errorf("influence: query comparisons: %w", err)
	}
	q := query.Len()
	J := mat.NewDense(q, m.NumParams(), nil)
	margins := make([]float64, q)
	err = m.MarginGradients(query, 0, margins, J)
	if err == nil {
		err = checkMargins(margins)
	}
	if err != nil {
		return nil, fmt.Errorf("influence: query comparisons: %w", err)
	}
	coef := make([]float64, q)
	for i, mg := range margins {
		coef[i] = -(1 - reward.Sigmoid(mg))
	}
	switch f.problem.Measurement {
	case QueryLoss:
		scaleRows(J, coef)
	case MeanQueryLoss:
		for i := range coef {
			coef[i] *= w[i]
		}
		mean := mat.NewDense(1, m.NumParams(), nil)
		mean.Mul(mat.NewDense(1, q, coef), J)
		return mean, nil
	}
	return J, nil
}

// Scores returns the influence I(zᵢ) = −∇f_qᵀ H⁻¹ ∇ℓ(zᵢ) of every training
// pair i (column) on the measurement of every query (row): q×n, or 1×n for
// MeanQueryLoss. See the package documentation for sign and normalisation.
// For TrainingLoss every row holds the training losses.
func (f *Factors) Scores(query *pref.Comparisons) (*mat.Dense, error) {
	if f.method == TrainingLoss {
		rows := 1
		if f.problem.Measurement != MeanQueryLoss {
			if query == nil {
				return nil, fmt.Errorf("influence: query comparisons are nil")
			}
			rows = query.Len()
		}
		return f.lossRows(rows)
	}
	q, err := f.QueryGradients(query)
	if err != nil {
		return nil, err
	}
	return f.ScoresOfGradients(q)
}

// lossRows returns rows copies of the training losses.
func (f *Factors) lossRows(rows int) (*mat.Dense, error) {
	l, err := f.TrainingLosses()
	if err != nil {
		return nil, err
	}
	s := mat.NewDense(rows, f.src.n, nil)
	for r := 0; r < rows; r++ {
		copy(s.RawRowView(r), l)
	}
	return s, nil
}

// ScoresOfGradients returns −Q H⁻¹ ∇ℓ(zᵢ) for arbitrary measurement
// gradients Q (q×D, one row per measurement, in parameter space; they are
// compressed here when the factors use a Compressor).
func (f *Factors) ScoresOfGradients(q *mat.Dense) (*mat.Dense, error) {
	if q == nil {
		return nil, fmt.Errorf("influence: query gradients are nil")
	}
	if f.method == TrainingLoss {
		r, _ := q.Dims()
		return f.lossRows(r)
	}
	rows, cols := q.Dims()
	want := f.src.dim
	comp := f.compressor()
	if comp != nil {
		want = comp.InputDim()
	}
	if cols != want {
		return nil, fmt.Errorf("influence: query gradients have %d columns, the model has %d parameters", cols, want)
	}
	if comp != nil {
		c := mat.NewDense(rows, f.src.dim, nil)
		if err := comp.CompressRowsTo(c, q); err != nil {
			return nil, err
		}
		q = c
	}
	p, err := f.pre.precondition(q)
	if err != nil {
		return nil, err
	}
	return f.scoresOf(p)
}

// compressor returns the compressor the training gradients went through.
func (f *Factors) compressor() Compressor { return f.src.compressor }

// scoresOf streams the training gradients: S = −(P Jᵀ) diag(lossCoef), the
// blocks of columns computed in parallel.
func (f *Factors) scoresOf(p *mat.Dense) (*mat.Dense, error) {
	q, _ := p.Dims()
	s := mat.NewDense(q, f.src.n, nil)
	neg := make([]float64, f.src.n)
	floats.ScaleTo(neg, -1, f.src.lossCoef)
	t := job.Start("influence: scores", f.src.blocks())
	err := f.src.eachParallel(t, 0, func(_, start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		dst := s.Slice(0, q, start, start+b).(*mat.Dense)
		dst.Mul(p, blk.T())
		scaleColumns(dst, neg[start:start+b])
		return nil
	})
	t.Done(err)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// SelfScores returns ∇ℓ(zᵢ)ᵀ H⁻¹ ∇ℓ(zᵢ) ≥ 0 for every training pair (the
// training loss for TrainingLoss). CG and LiSSA would need one solve per
// pair and report an error; use Exact, DataInf, KFAC or EKFAC.
func (f *Factors) SelfScores() ([]float64, error) {
	if f.method == TrainingLoss {
		return f.TrainingLosses()
	}
	return f.pre.self()
}

// identity is H = I.
type identity struct{ src *source }

func (id identity) precondition(q *mat.Dense) (*mat.Dense, error) { return q, nil }

func (id identity) self() ([]float64, error) {
	out := make([]float64, id.src.n)
	t := job.Start("influence: self-influence", id.src.blocks())
	err := id.src.each(t, func(start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		for i := 0; i < b; i++ {
			row := blk.RawRowView(i)
			c := id.src.lossCoef[start+i]
			out[start+i] = c * c * floats.Dot(row, row)
		}
		return nil
	})
	t.Done(err)
	return out, err
}
