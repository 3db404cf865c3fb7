package reward

import (
	"errors"
	"fmt"
	"math"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
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

// linearObjective is L(θ) on fixed differences u (n×d) with normalised
// weights w, with buffers reused across evaluations. evaluate computes the
// margins at θ once; the gradient, Hessian and Hessian-vector product at
// the same θ reuse them.
type linearObjective struct {
	u      *mat.Dense
	w      []float64
	l2     float64
	margin []float64  // uᵢᵀθ at the θ of the last evaluate
	prob   []float64  // σ(marginᵢ)
	coef   []float64  // per-pair weights of the last product with u
	scaled *mat.Dense // a block of rows √(ŵσ(1−σ)) uᵢ for the Hessian
}

func newLinearObjective(u *mat.Dense, w []float64, l2 float64) *linearObjective {
	n, _ := u.Dims()
	return &linearObjective{u: u, w: w, l2: l2, margin: make([]float64, n), prob: make([]float64, n), coef: make([]float64, n)}
}

// evaluate returns L(θ), computing the margins uᵢᵀθ (one pass over u) and
// keeping them and σ(mᵢ) for gradient, hessian and hessianVec at this θ.
// Each pair costs one exponential and one logarithm: with e = exp(−|m|),
// σ(m) = 1/(1+e) and −log σ(m) = log1p(e) for m ≥ 0, σ(m) = e/(1+e) and
// −log σ(m) = −m + log1p(e) otherwise.
func (o *linearObjective) evaluate(theta []float64) float64 {
	n, d := o.u.Dims()
	mat.NewVecDense(n, o.margin).MulVec(o.u, mat.NewVecDense(d, theta))
	f := 0.0
	for i, m := range o.margin {
		e := math.Exp(-math.Abs(m))
		loss := math.Log1p(e)
		if m >= 0 {
			o.prob[i] = 1 / (1 + e)
		} else {
			o.prob[i] = e / (1 + e)
			loss -= m
		}
		f += o.w[i] * loss
	}
	return f + 0.5*o.l2*floats.Dot(theta, theta)
}

// gradient writes ∇L = Σ ŵᵢ(−(1−σ(mᵢ)))uᵢ + λθ at the θ of the last
// evaluate into grad (one pass over u).
func (o *linearObjective) gradient(theta, grad []float64) {
	n, d := o.u.Dims()
	for i, p := range o.prob {
		o.coef[i] = -o.w[i] * (1 - p)
	}
	mat.NewVecDense(d, grad).MulVec(o.u.T(), mat.NewVecDense(n, o.coef))
	floats.AddScaled(grad, o.l2, theta)
}

// value returns L(θ) and, when grad is not nil, writes ∇L(θ) into it.
func (o *linearObjective) value(theta, grad []float64) float64 {
	f := o.evaluate(theta)
	if grad != nil {
		o.gradient(theta, grad)
	}
	return f
}

// curvature writes ŵᵢσ(mᵢ)(1−σ(mᵢ)) at the θ of the last evaluate into
// o.coef.
func (o *linearObjective) curvature() {
	for i, p := range o.prob {
		o.coef[i] = o.w[i] * p * (1 - p)
	}
}

// hessianRows is the number of rows per symmetric rank-k update of the
// Hessian of a model with d features, between which an interrupt is
// checked: a scaled copy of about 1 MiB, which stays in cache until the
// update reads it, and at least 256 rows so that each update is a large
// BLAS call.
func hessianRows(d int) int { return max(256, (1<<17)/max(d, 1)) }

// hessian writes H(θ) at the θ of the last evaluate into h, accumulating
// Σ ŵᵢσᵢ(1−σᵢ)uᵢuᵢᵀ with one symmetric rank-k update (BLAS Dsyrk) per block
// of rows; it returns job.ErrInterrupted when t is interrupted.
func (o *linearObjective) hessian(h *mat.SymDense, t *job.Task) error {
	n, d := o.u.Dims()
	o.curvature()
	rows := min(n, hessianRows(d))
	if o.scaled == nil {
		o.scaled = mat.NewDense(rows, d, nil)
	}
	h.Zero()
	for start := 0; start < n; start += rows {
		if err := t.Err(); err != nil {
			return err
		}
		b := min(rows, n-start)
		x := o.scaled.Slice(0, b, 0, d).(*mat.Dense)
		for i := 0; i < b; i++ {
			floats.ScaleTo(x.RawRowView(i), math.Sqrt(o.coef[start+i]), o.u.RawRowView(start+i))
		}
		h.SymRankK(h, 1, x.T())
	}
	for j := 0; j < d; j++ {
		h.SetSym(j, j, h.At(j, j)+o.l2)
	}
	return nil
}

// hessianVec returns H(θ) v at the θ of the last evaluate.
func (o *linearObjective) hessianVec(v []float64) []float64 {
	n, d := o.u.Dims()
	o.curvature()
	uv := make([]float64, n)
	mat.NewVecDense(n, uv).MulVec(o.u, mat.NewVecDense(d, v))
	for i := range uv {
		uv[i] *= o.coef[i]
	}
	hv := make([]float64, d)
	mat.NewVecDense(d, hv).MulVec(o.u.T(), mat.NewVecDense(n, uv))
	floats.AddScaled(hv, o.l2, v)
	return hv
}

// newton minimises L from theta in place by Newton's method with Armijo
// backtracking (Nocedal & Wright, Numerical Optimization, Alg. 3.1).
func (o *linearObjective) newton(theta []float64, maxIter int, tol float64) (LinearFit, error) {
	if maxIter <= 0 {
		maxIter = 50
	}
	d := len(theta)
	grad := make([]float64, d)
	step := make([]float64, d)
	trial := make([]float64, d)
	h := mat.NewSymDense(d, nil)
	var chol mat.Cholesky
	t := job.Start("reward: Newton training", maxIter)
	fit := LinearFit{}
	f := o.value(theta, grad)
	for {
		fit.Objective, fit.GradientNorm = f, floats.Norm(grad, math.Inf(1))
		if fit.GradientNorm <= tol {
			t.Done(nil)
			return fit, nil
		}
		if fit.Iterations == maxIter {
			err := fmt.Errorf("reward: Newton stopped after %d iterations with gradient norm %.3g > %.3g", maxIter, fit.GradientNorm, tol)
			t.Done(err)
			return fit, err
		}
		if err := t.Step(1); err != nil {
			t.Done(err)
			return fit, err
		}
		fit.Iterations++
		if err := o.hessian(h, t); err != nil {
			t.Done(err)
			return fit, err
		}
		if ok := chol.Factorize(h); !ok {
			err := fmt.Errorf("reward: Hessian is not positive definite (set L2 > 0)")
			t.Done(err)
			return fit, err
		}
		if err := chol.SolveVecTo(mat.NewVecDense(d, step), mat.NewVecDense(d, grad)); err != nil {
			t.Done(err)
			return fit, fmt.Errorf("reward: Newton step: %w", err)
		}
		slope := floats.Dot(grad, step) // −directional derivative
		alpha := 1.0
		floats.AddScaledTo(trial, theta, -alpha, step)
		ft := o.evaluate(trial)
		// Near the optimum the decrease falls below the rounding of f and
		// the full Newton step is taken as is.
		if slope > 1e-13*(1+math.Abs(f)) {
			for k := 0; ft > f-1e-4*alpha*slope; k++ {
				if k == 60 {
					err := fmt.Errorf("reward: Newton line search made no progress at gradient norm %.3g (tolerance %.3g)", fit.GradientNorm, tol)
					t.Done(err)
					return fit, err
				}
				alpha /= 2
				floats.AddScaledTo(trial, theta, -alpha, step)
				ft = o.evaluate(trial)
			}
		}
		// The margins of the last evaluate are those of the accepted step.
		copy(theta, trial)
		f = ft
		o.gradient(theta, grad)
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
	p := optimize.Problem{
		Func: func(x []float64) float64 { return o.value(x, nil) },
		Grad: func(grad, x []float64) { o.value(x, grad) },
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
	fit := LinearFit{Iterations: res.Stats.MajorIterations, Objective: o.value(theta, grad)}
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
