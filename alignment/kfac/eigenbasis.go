package kfac

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Eigenbasis is the Kronecker eigenbasis Q_S ⊗ Q_A of a layer's factors,
// with A = Q_A diag(λ_A) Q_Aᵀ and S = Q_S diag(λ_S) Q_Sᵀ (George et al.
// 2018). It is read-only and safe for concurrent use.
type Eigenbasis struct {
	qa, qs           *mat.Dense // In×In and Out×Out, eigenvectors in columns
	valuesA, valuesS []float64  // λ_A and λ_S, ascending
}

// Dims returns the layer's number of outputs and inputs, the shape of its
// weight gradients.
func (e *Eigenbasis) Dims() (out, in int) { return len(e.valuesS), len(e.valuesA) }

// KFACEigenvalues returns K-FAC's eigenvalues Λ = λ_S λ_Aᵀ (Out×In), the
// eigenvalues of S ⊗ A laid out like the weight gradient.
func (e *Eigenbasis) KFACEigenvalues() *mat.Dense {
	out, in := e.Dims()
	lambda := mat.NewDense(out, in, nil)
	lambda.Outer(1, mat.NewVecDense(out, e.valuesS), mat.NewVecDense(in, e.valuesA))
	return lambda
}

// Rotate returns the weight gradient g (Out×In) in the eigenbasis,
// Q_Sᵀ g Q_A: its entry (o, j) is the coordinate of vec g along the
// eigenvector q_S,o ⊗ q_A,j. Cost O(Out·In·(Out+In)).
func (e *Eigenbasis) Rotate(g *mat.Dense) (*mat.Dense, error) {
	if err := e.checkGradient(g, "gradient"); err != nil {
		return nil, err
	}
	var r mat.Dense
	e.rotateTo(&r, g)
	return &r, nil
}

// Kronecker returns the dense eigenbasis Q_S ⊗ Q_A, (Out·In)×(Out·In), whose
// columns are the eigenvectors of the curvature in the row-major
// vectorisation of the weight gradient. Only for small layers.
func (e *Eigenbasis) Kronecker() *mat.Dense {
	var k mat.Dense
	k.Kronecker(e.qs, e.qa)
	return &k
}

// rotateTo sets r = Q_Sᵀ g Q_A.
func (e *Eigenbasis) rotateTo(r *mat.Dense, g mat.Matrix) {
	var tmp mat.Dense
	tmp.Mul(e.qs.T(), g)
	r.Mul(&tmp, e.qa)
}

// unrotateTo sets dst = Q_S r Q_Aᵀ, the inverse of rotateTo.
func (e *Eigenbasis) unrotateTo(dst, r *mat.Dense) {
	var tmp mat.Dense
	tmp.Mul(e.qs, r)
	dst.Mul(&tmp, e.qa.T())
}

// checkGradient checks that g is an Out×In weight gradient.
func (e *Eigenbasis) checkGradient(g *mat.Dense, what string) error {
	out, in := e.Dims()
	if g == nil || g.IsEmpty() {
		return fmt.Errorf("kfac: %s is missing", what)
	}
	if r, c := g.Dims(); r != out || c != in {
		return fmt.Errorf("kfac: %s is %d×%d, the layer's weights are %d×%d", what, r, c, out, in)
	}
	return nil
}
