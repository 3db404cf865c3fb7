package kfac

import (
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Correction accumulates EK-FAC's eigenvalues in a fixed eigenbasis,
//
//	Λ = Σ_i w_i (Q_Sᵀ G_i Q_A)∘²   (Out×In),
//
// the diagonal of F = Σ_i w_i vec(G_i) vec(G_i)ᵀ in the basis Q_S ⊗ Q_A,
// which is the diagonal rescaling of that basis closest to F in Frobenius
// norm (George et al. 2018; Grosse et al. 2023, §2.2). Fit the basis on
// one pass over the data and the correction on a second. Add calls may run
// concurrently.
type Correction struct {
	basis  *Eigenbasis
	mu     sync.Mutex
	lambda *mat.Dense
}

// NewCorrection returns an empty correction in basis e.
func NewCorrection(e *Eigenbasis) *Correction {
	out, in := e.Dims()
	return &Correction{basis: e, lambda: mat.NewDense(out, in, nil)}
}

// Add adds the weighted squared rotated gradients of the batch's examples
// to Λ. With Terms ≤ 2 it costs O(b·Terms·(Out² + In²)) for the rotation
// plus Terms·(Terms+1)/2 products of b×Out by b×In matrices, expanding
// Σ_i w_i R_i∘R_i = Σ_t Σ_u (w ∘ X_t ∘ X_u)ᵀ(Y_t ∘ Y_u) with X = S Q_S and
// Y = A Q_A; with more terms it forms each example's rotated gradient.
func (c *Correction) Add(bt Batch) error {
	b, err := c.basis.check(bt)
	if err != nil {
		return err
	}
	out, in := c.basis.Dims()
	local := mat.NewDense(out, in, nil)
	if b.pairwise() {
		c.basis.eachTermPair(b, func(alpha float64, xx, yy *mat.Dense) {
			for i, w := range b.Weights {
				floats.Scale(w, xx.RawRowView(i))
			}
			blas64.Gemm(blas.Trans, blas.NoTrans, alpha, xx.RawMatrix(), yy.RawMatrix(), 1, local.RawMatrix())
		})
	} else {
		raw := local.RawMatrix().Data
		c.basis.eachRotated(b, func(i int, r *mat.Dense) {
			w := b.weight(i)
			for k, v := range r.RawMatrix().Data {
				raw[k] += w * v * v
			}
		})
	}
	c.mu.Lock()
	c.lambda.Add(c.lambda, local)
	c.mu.Unlock()
	return nil
}

// Eigenvalues returns a copy of Λ as accumulated so far (Out×In).
func (c *Correction) Eigenvalues() *mat.Dense {
	c.mu.Lock()
	defer c.mu.Unlock()
	return mat.DenseCopyOf(c.lambda)
}
