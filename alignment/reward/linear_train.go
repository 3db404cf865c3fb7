package reward

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Solver names the optimiser TrainLinear uses.
type Solver int

const (
	// AutoSolver picks Newton when d ≤ 2000 and L-BFGS otherwise.
	AutoSolver Solver = iota
	// Newton is Newton's method with a backtracking (Armijo) line search:
	// O(n·d² + d³) per iteration, quadratic convergence, typically under 15
	// iterations to machine precision. Best for d up to a few thousand.
	Newton
	// LBFGS is gonum's limited-memory BFGS: O(n·d) per iteration. Best for
	// large d.
	LBFGS
)

// LinearConfig configures TrainLinear. The zero value works.
type LinearConfig struct {
	// L2 is λ of the (λ/2)‖θ‖² penalty. If L2 is 0 it defaults to 1e-3;
	// NoL2 (a negative value) trains without penalty (the optimum may not
	// exist when the data are separable).
	L2 float64
	// Solver is the optimiser; the default AutoSolver picks by dimension.
	Solver Solver
	// MaxIterations bounds the iterations; 0 means 50 for Newton and 2000
	// for L-BFGS.
	MaxIterations int
	// GradientTolerance stops training when ‖∇L‖∞ falls below it; 0 means
	// 1e-10.
	GradientTolerance float64
	// Init is the starting θ (warm start); nil starts from zero.
	Init []float64
}

// NoL2 in LinearConfig.L2 trains without an L2 penalty.
const NoL2 = -1

// LinearFit reports how training went.
type LinearFit struct {
	// Iterations is the number of solver iterations.
	Iterations int
	// Objective is the final L(θ) and GradientNorm its ‖∇L‖∞.
	Objective, GradientNorm float64
}

// TrainLinear fits a linear Bradley–Terry model to c by minimising
// L(θ) = Σ ŵᵢ (−log σ(θᵀuᵢ)) + (λ/2)‖θ‖². It returns job.ErrInterrupted
// (and no model) when interrupted, and an error naming the problem when c is
// malformed or the solver fails to reach the tolerance.
func TrainLinear(c *pref.Comparisons, cfg LinearConfig) (*Linear, error) {
	m, _, err := TrainLinearFit(c, cfg)
	return m, err
}

// TrainLinearFit is TrainLinear that also reports iterations, objective and
// gradient norm.
func TrainLinearFit(c *pref.Comparisons, cfg LinearConfig) (*Linear, LinearFit, error) {
	if c == nil || c.Chosen == nil {
		return nil, LinearFit{}, fmt.Errorf("reward: no comparisons to train on")
	}
	d := c.Dim()
	l2 := cfg.L2
	switch {
	case l2 == 0:
		l2 = 1e-3
	case l2 < 0:
		l2 = 0
	case math.IsNaN(l2) || math.IsInf(l2, 0):
		return nil, LinearFit{}, fmt.Errorf("reward: L2 strength is %v", l2)
	}
	theta := make([]float64, d)
	if cfg.Init != nil {
		if len(cfg.Init) != d {
			return nil, LinearFit{}, fmt.Errorf("reward: Init has %d weights for %d features", len(cfg.Init), d)
		}
		copy(theta, cfg.Init)
	}
	m, err := NewLinear(theta, l2)
	if err != nil {
		return nil, LinearFit{}, err
	}
	o, err := m.objective(c)
	if err != nil {
		return nil, LinearFit{}, err
	}
	tol := cfg.GradientTolerance
	if tol <= 0 {
		tol = 1e-10
	}
	solver := cfg.Solver
	if solver == AutoSolver {
		solver = Newton
		if d > 2000 {
			solver = LBFGS
		}
	}
	var fit LinearFit
	switch solver {
	case Newton:
		fit, err = o.newton(m.Theta, cfg.MaxIterations, tol)
	case LBFGS:
		fit, err = o.lbfgs(m.Theta, cfg.MaxIterations, tol)
	default:
		return nil, LinearFit{}, fmt.Errorf("reward: unknown solver %d", solver)
	}
	if err != nil {
		return nil, fit, err
	}
	return m, fit, nil
}

// linearObjective is L(θ) of a linear model on comparisons, evaluated
// block by block: each block's differences u = φ_w − φ_l are formed in a
// buffer that stays in cache (hessianRows rows) and used at once for the
// margins, the loss, the gradient and the Hessian, so that one pass over the
// data evaluates all three and no n×d difference matrix is allocated. The
// blocks are dealt round-robin to one goroutine per CPU (a slot), each with
// its own buffers and accumulators, summed in slot order so that every run
// gives the same result.
type linearObjective struct {
	c      *pref.Comparisons
	w      []float64
	l2     float64
	rows   int       // pairs per block
	margin []float64 // uᵢᵀθ at the θ of the last pass
	slots  []*objectiveSlot
}

// objectiveSlot holds one goroutine's buffers and sums.
type objectiveSlot struct {
	diff   *mat.Dense    // a block of differences uᵢ
	scaled *mat.Dense    // the block's rows √(ŵσ(1−σ)) uᵢ for the Hessian
	coef   []float64     // a block's per-pair weights
	loss   float64       // Σ ŵᵢ ℓᵢ over the slot's blocks
	grad   []float64     // the slot's part of the gradient
	hess   *mat.SymDense // the slot's part of the Hessian, when asked for
}

// newLinearObjective prepares L on c (already validated, with normalised
// weights w). Every pass checks the feature differences it forms: the first
// evaluation reports a non-finite feature.
func newLinearObjective(c *pref.Comparisons, w []float64, l2 float64) *linearObjective {
	n, d := c.Len(), c.Dim()
	rows := min(n, hessianRows(d))
	o := &linearObjective{c: c, w: w, l2: l2, rows: rows, margin: make([]float64, n)}
	blocks := (n + rows - 1) / rows
	for range max(1, min(runtime.GOMAXPROCS(0), blocks)) {
		o.slots = append(o.slots, &objectiveSlot{diff: mat.NewDense(rows, d, nil), scaled: mat.NewDense(rows, d, nil),
			coef: make([]float64, rows), grad: make([]float64, d)})
	}
	return o
}

// hessianRows is the number of rows per block of the objective's passes for
// d features: about 1 MiB of differences, which stay in cache while they are
// used, and at least 256 rows so that each symmetric rank-k update of the
// Hessian is a large BLAS call.
func hessianRows(d int) int { return max(256, (1<<17)/max(d, 1)) }

// each calls f with the differences of the blocks of pairs (a view valid
// during the call) and the slot of the goroutine running it, slot w taking
// blocks w, w+slots, …; the differences are checked finite as they are
// formed, and job.ErrInterrupted is returned when the cell is interrupted.
func (o *linearObjective) each(f func(sl *objectiveSlot, start int, u *mat.Dense)) error {
	n, d := o.c.Len(), o.c.Dim()
	blocks, k := (n+o.rows-1)/o.rows, len(o.slots)
	return parallel.Until(k, func(w int) error {
		sl := o.slots[w]
		for b := w; b < blocks; b += k {
			if err := job.Err(); err != nil {
				return err
			}
			start := b * o.rows
			u := sl.diff.Slice(0, min(o.rows, n-start), 0, d).(*mat.Dense)
			if err := finiteDifferences(o.c, start, u); err != nil {
				return err
			}
			f(sl, start, u)
		}
		return nil
	})
}

// evaluate returns L(θ) and, in the same pass over the data, writes ∇L(θ)
// into grad and H(θ) into h when they are not nil:
//
//	∇L = Σ ŵᵢ(−(1−σ(mᵢ)))uᵢ + λθ,   H = Σ ŵᵢσ(mᵢ)(1−σ(mᵢ))uᵢuᵢᵀ + λI,
//
// the Hessian one symmetric rank-k update (BLAS Dsyrk) per block. Each pair
// costs one exponential and one logarithm: with e = exp(−|m|),
// σ(m) = 1/(1+e) and −log σ(m) = log1p(e) for m ≥ 0, σ(m) = e/(1+e) and
// −log σ(m) = −m + log1p(e) otherwise. It returns job.ErrInterrupted when
// the cell is interrupted.
func (o *linearObjective) evaluate(theta, grad []float64, h *mat.SymDense) (float64, error) {
	d := len(theta)
	for _, sl := range o.slots {
		sl.loss = 0
		clear(sl.grad)
		if h != nil {
			if sl.hess == nil {
				sl.hess = mat.NewSymDense(d, nil)
			}
			sl.hess.Zero()
		}
	}
	err := o.each(func(sl *objectiveSlot, start int, u *mat.Dense) {
		b, _ := u.Dims()
		m := o.margin[start : start+b]
		mat.NewVecDense(b, m).MulVec(u, mat.NewVecDense(d, theta))
		for i, mi := range m {
			e := math.Exp(-math.Abs(mi))
			loss, p := math.Log1p(e), 1/(1+e)
			if mi < 0 {
				loss, p = loss-mi, e/(1+e)
			}
			wi := o.w[start+i]
			sl.loss += wi * loss
			if h != nil {
				floats.ScaleTo(sl.scaled.RawRowView(i), math.Sqrt(wi*p*(1-p)), u.RawRowView(i))
			}
			sl.coef[i] = -wi * (1 - p)
		}
		if grad != nil {
			blas64.Gemv(blas.Trans, 1, u.RawMatrix(), blas64.Vector{N: b, Inc: 1, Data: sl.coef}, 1, blas64.Vector{N: d, Inc: 1, Data: sl.grad})
		}
		if h != nil {
			sl.hess.SymRankK(sl.hess, 1, sl.scaled.Slice(0, b, 0, d).T())
		}
	})
	if err != nil {
		return 0, err
	}
	f := 0.0
	for _, sl := range o.slots {
		f += sl.loss
	}
	if grad != nil {
		copy(grad, o.slots[0].grad)
		for _, sl := range o.slots[1:] {
			floats.Add(grad, sl.grad)
		}
		floats.AddScaled(grad, o.l2, theta)
	}
	if h != nil {
		h.CopySym(o.slots[0].hess)
		for _, sl := range o.slots[1:] {
			h.AddSym(h, sl.hess)
		}
		for j := 0; j < d; j++ {
			h.SetSym(j, j, h.At(j, j)+o.l2)
		}
	}
	return f + 0.5*o.l2*floats.Dot(theta, theta), nil
}

// hessianVec returns H(θ) v = Σ ŵᵢσ(mᵢ)(1−σ(mᵢ))uᵢ(uᵢᵀv) + λv in one pass,
// without forming H.
func (o *linearObjective) hessianVec(theta, v []float64) ([]float64, error) {
	d := len(theta)
	for _, sl := range o.slots {
		clear(sl.grad)
	}
	err := o.each(func(sl *objectiveSlot, start int, u *mat.Dense) {
		b, _ := u.Dims()
		m := o.margin[start : start+b]
		mat.NewVecDense(b, m).MulVec(u, mat.NewVecDense(d, theta))
		uv := sl.scaled.RawMatrix().Data[:b] // scratch: the Hessian's rows are not needed here
		mat.NewVecDense(b, uv).MulVec(u, mat.NewVecDense(d, v))
		for i, mi := range m {
			p := sigmoid(mi)
			sl.coef[i] = o.w[start+i] * p * (1 - p) * uv[i]
		}
		blas64.Gemv(blas.Trans, 1, u.RawMatrix(), blas64.Vector{N: b, Inc: 1, Data: sl.coef}, 1, blas64.Vector{N: d, Inc: 1, Data: sl.grad})
	})
	if err != nil {
		return nil, err
	}
	hv := make([]float64, d)
	for _, sl := range o.slots {
		floats.Add(hv, sl.grad)
	}
	floats.AddScaled(hv, o.l2, v)
	return hv, nil
}

// newton minimises L from theta in place by Newton's method with Armijo
// backtracking (Nocedal & Wright, Numerical Optimization, Alg. 3.1). Each
// iteration makes one pass over the data: the trial point's loss, gradient
// and Hessian are evaluated together, and the gradient and Hessian are kept
// when the full step is accepted (only a backtracking step needs a second
// pass).
func (o *linearObjective) newton(theta []float64, maxIter int, tol float64) (LinearFit, error) {
	if maxIter <= 0 {
		maxIter = 50
	}
	d := len(theta)
	grad, nextGrad := make([]float64, d), make([]float64, d)
	step := make([]float64, d)
	trial := make([]float64, d)
	h, nextH := mat.NewSymDense(d, nil), mat.NewSymDense(d, nil)
	var chol mat.Cholesky
	t := job.Start("reward: Newton training", maxIter)
	fail := func(fit LinearFit, err error) (LinearFit, error) {
		t.Done(err)
		return fit, err
	}
	fit := LinearFit{}
	f, err := o.evaluate(theta, grad, h)
	if err != nil {
		return fail(fit, err)
	}
	for {
		fit.Objective, fit.GradientNorm = f, floats.Norm(grad, math.Inf(1))
		if fit.GradientNorm <= tol {
			t.Done(nil)
			return fit, nil
		}
		if fit.Iterations == maxIter {
			return fail(fit, fmt.Errorf("reward: Newton stopped after %d iterations with gradient norm %.3g > %.3g", maxIter, fit.GradientNorm, tol))
		}
		if err := t.Step(1); err != nil {
			return fail(fit, err)
		}
		fit.Iterations++
		if ok := chol.Factorize(h); !ok {
			return fail(fit, fmt.Errorf("reward: Hessian is not positive definite (set L2 > 0)"))
		}
		if err := chol.SolveVecTo(mat.NewVecDense(d, step), mat.NewVecDense(d, grad)); err != nil {
			return fail(fit, fmt.Errorf("reward: Newton step: %w", err))
		}
		slope := floats.Dot(grad, step) // −directional derivative
		alpha := 1.0
		floats.AddScaledTo(trial, theta, -alpha, step)
		ft, err := o.evaluate(trial, nextGrad, nextH)
		if err != nil {
			return fail(fit, err)
		}
		// Near the optimum the decrease falls below the rounding of f and
		// the full Newton step is taken as is.
		backtracked := false
		for k := 0; slope > 1e-13*(1+math.Abs(f)) && ft > f-1e-4*alpha*slope; k++ {
			if k == 60 {
				return fail(fit, fmt.Errorf("reward: Newton line search made no progress at gradient norm %.3g (tolerance %.3g)", fit.GradientNorm, tol))
			}
			alpha /= 2
			floats.AddScaledTo(trial, theta, -alpha, step)
			if ft, err = o.evaluate(trial, nil, nil); err != nil {
				return fail(fit, err)
			}
			backtracked = true
		}
		if backtracked {
			if ft, err = o.evaluate(trial, nextGrad, nextH); err != nil {
				return fail(fit, err)
			}
		}
		copy(theta, trial)
		f = ft
		grad, nextGrad = nextGrad, grad
		h, nextH = nextH, h
	}
}

// interruptRecorder stops gonum's optimiser when the cell is interrupted and
// counts iterations as progress.
type interruptRecorder struct{ t *job.Task }

// Init implements optimize.Recorder.
func (r interruptRecorder) Init() error { return nil }

// Record counts major iterations and stops the optimiser on interrupt.
func (r interruptRecorder) Record(_ *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op == optimize.MajorIteration {
		return r.t.Step(1)
	}
	return r.t.Err()
}

// lbfgs minimises L from theta in place with gonum's L-BFGS.
func (o *linearObjective) lbfgs(theta []float64, maxIter int, tol float64) (LinearFit, error) {
	if maxIter <= 0 {
		maxIter = 2000
	}
	t := job.Start("reward: L-BFGS training", maxIter)
	// gonum's optimiser takes no errors from the objective: a first
	// evaluation reports non-finite features before it starts.
	if _, err := o.evaluate(theta, nil, nil); err != nil {
		t.Done(err)
		return LinearFit{}, err
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { f, _ := o.evaluate(x, nil, nil); return f },
		Grad: func(grad, x []float64) { o.evaluate(x, grad, nil) },
	}
	settings := &optimize.Settings{
		GradientThreshold: tol,
		MajorIterations:   maxIter,
		Converger:         optimize.NeverTerminate{},
		Recorder:          interruptRecorder{t},
	}
	res, err := optimize.Minimize(p, theta, settings, &optimize.LBFGS{})
	if errors.Is(err, job.ErrInterrupted) {
		t.Done(err)
		return LinearFit{}, err
	}
	if res == nil {
		t.Done(err)
		return LinearFit{}, fmt.Errorf("reward: L-BFGS: %w", err)
	}
	copy(theta, res.X)
	grad := make([]float64, len(theta))
	f, ferr := o.evaluate(theta, grad, nil)
	if ferr != nil {
		t.Done(ferr)
		return LinearFit{}, ferr
	}
	fit := LinearFit{Iterations: res.Stats.MajorIterations, Objective: f}
	fit.GradientNorm = floats.Norm(grad, math.Inf(1))
	// A line-search failure at a gradient near the tolerance is rounding,
	// not divergence (engineering notes): accept within 100× the tolerance.
	if fit.GradientNorm > 100*tol {
		if err == nil {
			err = fmt.Errorf("status %v", res.Status)
		}
		err = fmt.Errorf("reward: L-BFGS stopped at gradient norm %.3g > %.3g: %w", fit.GradientNorm, tol, err)
		t.Done(err)
		return fit, err
	}
	t.Done(nil)
	return fit, nil
}
