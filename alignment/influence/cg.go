package influence

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/job"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// curvatureProduct returns V H for rows V (q×dim) with
// H = Σᵢ coefᵢ JᵢJᵢᵀ + shift·I, in one pass over the training gradients:
// Σ_blocks ((V J_bᵀ) diag(coef_b)) J_b + shift·V, never forming H.
func curvatureProduct(src *source, coef []float64, shift float64, v *mat.Dense, t *job.Task) (*mat.Dense, error) {
	q, _ := v.Dims()
	out := mat.NewDense(q, src.dim, nil)
	out.Scale(shift, v)
	var proj mat.Dense
	err := src.each(t, func(start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		proj.Reset()
		proj.Mul(v, blk.T())
		scaleColumns(&proj, coef[start:start+b])
		mulAdd(out, &proj, blk, false)
		return nil
	})
	return out, err
}

// conjugateGradient solves H x = b for every row b of the query gradients
// (Hestenes & Stiefel 1952; Nocedal & Wright, Numerical Optimization,
// Alg. 5.2), all rows sharing each pass over the training gradients.
type conjugateGradient struct {
	src        *source
	coef       []float64
	shift      float64
	iterations int
	tolerance  float64
}

func newCG(src *source, shift float64, cfg Config) *conjugateGradient {
	cg := &conjugateGradient{src: src, coef: src.curvatureCoef(cfg.Fisher), shift: shift,
		iterations: cfg.CGIterations, tolerance: cfg.CGTolerance}
	if cg.iterations == 0 {
		cg.iterations = 200
	}
	if cg.tolerance == 0 {
		cg.tolerance = 1e-8
	}
	return cg
}

func (cg *conjugateGradient) precondition(q *mat.Dense) (*mat.Dense, error) {
	rows, dim := q.Dims()
	x := mat.NewDense(rows, dim, nil)
	r := mat.DenseCopyOf(q)
	p := mat.DenseCopyOf(q)
	rs := make([]float64, rows)
	target := make([]float64, rows)
	rowNormsSq(rs, r)
	for i := range target {
		target[i] = cg.tolerance * cg.tolerance * rs[i]
	}
	done := func() bool {
		for i := range rs {
			if rs[i] > target[i] {
				return false
			}
		}
		return true
	}
	t := job.Start("influence: conjugate gradient", cg.iterations*cg.src.blocks())
	for it := 0; !done(); it++ {
		if it == cg.iterations {
			worst := 0.0
			for i := range rs {
				if target[i] > 0 {
					worst = math.Max(worst, math.Sqrt(rs[i]/target[i])*cg.tolerance)
				}
			}
			err := fmt.Errorf("influence: conjugate gradient reached %d iterations at relative residual %.3g > %.3g (raise CGIterations or Damping)", it, worst, cg.tolerance)
			t.Done(err)
			return nil, err
		}
		hp, err := curvatureProduct(cg.src, cg.coef, cg.shift, p, t)
		if err != nil {
			t.Done(err)
			return nil, err
		}
		for i := 0; i < rows; i++ {
			if rs[i] <= target[i] {
				continue
			}
			pi, hpi := p.RawRowView(i), hp.RawRowView(i)
			curvature := floats.Dot(pi, hpi)
			if !(curvature > 0) {
				err := fmt.Errorf("influence: conjugate gradient met curvature pᵀHp = %g ≤ 0: the damped Hessian is singular or indefinite (set Damping > 0)", curvature)
				t.Done(err)
				return nil, err
			}
			alpha := rs[i] / curvature
			floats.AddScaled(x.RawRowView(i), alpha, pi)
			ri := r.RawRowView(i)
			floats.AddScaled(ri, -alpha, hpi)
			next := floats.Dot(ri, ri)
			beta := next / rs[i]
			rs[i] = next
			floats.AddScaledTo(pi, ri, beta, pi)
		}
	}
	t.Done(nil)
	return x, nil
}

func (cg *conjugateGradient) self() ([]float64, error) {
	return nil, fmt.Errorf("influence: self-influence with cg needs one solve per training pair; use exact, datainf, kfac or ekfac")
}
