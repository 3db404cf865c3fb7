package influence

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/job"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// maxParallelWidth is the widest Gauss–Newton matrix accumulated in
// parallel: every goroutine of the pass adds into its own width×width copy.
const maxParallelWidth = 4096

// gaussNewton accumulates H = Σᵢ coefᵢ JᵢJᵢᵀ + shift·I over the columns sp
// of the training gradients, O(n·width²): rows √coefᵢ Jᵢ are scaled into a
// buffer of about 1 MiB (at least 256 rows), which stays in cache, and
// added with one symmetric rank-k update (BLAS Dsyrk) per buffer. The blocks
// are shared among the CPUs, each adding into its own matrix (up to
// maxParallelWidth), and the matrices are summed in a fixed order.
func gaussNewton(src *source, coef []float64, shift float64, sp span, t *job.Task) (*mat.SymDense, error) {
	width := sp.hi - sp.lo
	chunk := min(src.n, max(256, (1<<17)/width))
	maxSlots := 0
	if width > maxParallelWidth {
		maxSlots = 1
	}
	hs := make([]*mat.SymDense, src.slots(maxSlots))
	bufs := make([]*mat.Dense, len(hs))
	for w := range hs {
		hs[w], bufs[w] = mat.NewSymDense(width, nil), mat.NewDense(chunk, width, nil)
	}
	err := src.eachParallel(t, maxSlots, func(w, start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		for lo := 0; lo < b; lo += chunk {
			if err := t.Err(); err != nil {
				return err
			}
			hi := min(lo+chunk, b)
			x := bufs[w].Slice(0, hi-lo, 0, width).(*mat.Dense)
			for i := lo; i < hi; i++ {
				floats.ScaleTo(x.RawRowView(i-lo), math.Sqrt(coef[start+i]), blk.RawRowView(i)[sp.lo:sp.hi])
			}
			hs[w].SymRankK(hs[w], 1, x.T())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h := hs[0]
	for _, other := range hs[1:] {
		h.AddSym(h, other)
	}
	for j := 0; j < width; j++ {
		h.SetSym(j, j, h.At(j, j)+shift)
	}
	return h, nil
}

// maxCholeskyCond is the largest condition number of H for which Exact
// uses its Cholesky factor rather than the eigendecomposition.
const maxCholeskyCond = 1e12

// exact holds H⁻¹ = W Wᵀ either as W = L⁻ᵀ from the Cholesky factor L of H,
// or, when H is not numerically positive definite (Cholesky fails or the
// condition number exceeds 1e12), as W = V diag(1/√e) from its
// eigendecomposition with eigenvalues below 1e-12·max(e) dropped (a
// pseudo-inverse).
type exact struct {
	src   *source
	lower blas64.Triangular // Cholesky factor L, when used
	eigW  *mat.Dense        // V diag(1/√e), when used
}

// fitExact forms the damped Gauss–Newton matrix and factorises it.
func fitExact(src *source, shift float64, fisher Fisher) (*exact, error) {
	t := job.Start("influence: exact Hessian", src.blocks())
	h, err := gaussNewton(src, src.curvatureCoef(fisher), shift, span{0, src.dim}, t)
	t.Done(err)
	if err != nil {
		return nil, err
	}
	e := &exact{src: src}
	var chol mat.Cholesky
	if chol.Factorize(h) && chol.Cond() < maxCholeskyCond {
		var l mat.TriDense
		chol.LTo(&l)
		e.lower = l.RawTriangular()
		return e, nil
	}
	var eig mat.EigenSym
	if !eig.Factorize(h, true) {
		return nil, fmt.Errorf("influence: eigendecomposition of the Hessian failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := vals[len(vals)-1]
	if top <= 0 {
		return nil, fmt.Errorf("influence: the Hessian has no positive eigenvalue (add damping)")
	}
	for j, v := range vals {
		s := 0.0
		if v > 1e-12*top {
			s = 1 / math.Sqrt(v)
		}
		col := mat.Col(nil, j, &vecs)
		for i := range col {
			vecs.Set(i, j, col[i]*s)
		}
	}
	e.eigW = &vecs
	return e, nil
}

// whiten returns XW for rows X, overwriting X (Cholesky) or in a new
// matrix (eigendecomposition).
func (e *exact) whiten(x *mat.Dense) *mat.Dense {
	if e.eigW != nil {
		var y mat.Dense
		y.Mul(x, e.eigW)
		return &y
	}
	// x L⁻ᵀ: solve Y Lᵀ = X.
	blas64.Trsm(blas.Right, blas.Trans, 1, e.lower, x.RawMatrix())
	return x
}

// precondition returns Q W Wᵀ = Q H⁻¹.
func (e *exact) precondition(q *mat.Dense) (*mat.Dense, error) {
	y := e.whiten(mat.DenseCopyOf(q))
	if e.eigW != nil {
		var p mat.Dense
		p.Mul(y, e.eigW.T())
		return &p, nil
	}
	// (Q L⁻ᵀ) L⁻¹: solve P L = Y.
	blas64.Trsm(blas.Right, blas.NoTrans, 1, e.lower, y.RawMatrix())
	return y, nil
}

// self returns ‖gᵢW‖² = gᵢᵀH⁻¹gᵢ.
func (e *exact) self() ([]float64, error) {
	out := make([]float64, e.src.n)
	t := job.Start("influence: self-influence", e.src.blocks())
	err := e.src.eachQuadratic(t, func(start int, blk *mat.Dense) error {
		y := e.whiten(e.src.lossBlock(start, blk))
		rowNormsSq(out[start:], y)
		return nil
	})
	t.Done(err)
	return out, err
}

// rowNormsSq writes ‖row i‖² of m into dst[i].
func rowNormsSq(dst []float64, m *mat.Dense) {
	r, _ := m.Dims()
	for i := 0; i < r; i++ {
		row := m.RawRowView(i)
		dst[i] = floats.Dot(row, row)
	}
}
