package kfac

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// DampingConfig sets the shift δ added to every eigenvalue of a Curvature.
// The zero value damps by 0.1 × mean(Λ).
type DampingConfig struct {
	// Damping is added to every eigenvalue; 0 means 0.1 × the mean of Λ
	// (Grosse et al. 2023).
	Damping float64
	// L2 is an exact isotropic term of the curvature, such as the strength
	// λ of an L2 penalty (λ/2)‖θ‖², added on top of the damping (default 0).
	L2 float64
}

// Curvature is a layer's damped curvature F̂ + δI in its Kronecker
// eigenbasis, F̂ = (Q_S ⊗ Q_A) diag(vec Λ) (Q_S ⊗ Q_A)ᵀ, ready to invert.
// Negative entries of Λ (rounding) count as 0. It is read-only and safe for
// concurrent use.
type Curvature struct {
	basis  *Eigenbasis
	lambda *mat.Dense // Λ
	inv    *mat.Dense // 1/(max(Λ, 0) + δ)
	shift  float64    // δ
}

// NewCurvature damps eigenvalues lambda (Out×In: Eigenbasis.KFACEigenvalues
// or Correction.Eigenvalues) in basis e by δ = cfg.L2 + cfg.Damping, with
// Damping defaulting to 0.1 × mean(Λ). It returns an error when δ is not
// positive, i.e. when the layer has no curvature and no damping was given.
func NewCurvature(e *Eigenbasis, lambda *mat.Dense, cfg DampingConfig) (*Curvature, error) {
	if err := e.checkGradient(lambda, "eigenvalue matrix Λ"); err != nil {
		return nil, err
	}
	if !(cfg.Damping >= 0) || !(cfg.L2 >= 0) || math.IsInf(cfg.Damping, 1) || math.IsInf(cfg.L2, 1) {
		return nil, fmt.Errorf("kfac: damping %g and L2 %g must be finite and non-negative", cfg.Damping, cfg.L2)
	}
	raw := mat.DenseCopyOf(lambda)
	values := raw.RawMatrix().Data
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("kfac: eigenvalue %g is not finite", v)
		}
	}
	damping := cfg.Damping
	if damping == 0 {
		damping = 0.1 * floats.Sum(values) / float64(len(values))
	}
	shift := cfg.L2 + damping
	if !(shift > 0) {
		return nil, fmt.Errorf("kfac: the layer has no curvature (damped eigenvalues %g); set Damping > 0", shift)
	}
	out, in := e.Dims()
	inv := mat.NewDense(out, in, nil)
	inv.Apply(func(_, _ int, v float64) float64 { return 1 / (math.Max(v, 0) + shift) }, raw)
	return &Curvature{basis: e, lambda: raw, inv: inv, shift: shift}, nil
}

// Basis returns the curvature's eigenbasis.
func (c *Curvature) Basis() *Eigenbasis { return c.basis }

// Eigenvalues returns a copy of the undamped eigenvalues Λ (Out×In).
func (c *Curvature) Eigenvalues() *mat.Dense { return mat.DenseCopyOf(c.lambda) }

// Shift returns the damping δ added to every eigenvalue.
func (c *Curvature) Shift() float64 { return c.shift }

// PreconditionTo sets dst (Out×In) to the weight gradient g (Out×In)
// multiplied by the inverse damped curvature, (F̂ + δI)⁻¹ vec g:
//
//	dst = Q_S [(Q_Sᵀ g Q_A) ⊘ (max(Λ, 0) + δ)] Q_Aᵀ,
//
// in O(Out·In·(Out+In)). dst may be g.
func (c *Curvature) PreconditionTo(dst, g *mat.Dense) error {
	if err := c.basis.checkGradient(g, "gradient"); err != nil {
		return err
	}
	if err := c.basis.checkGradient(dst, "destination"); err != nil {
		return err
	}
	var r mat.Dense
	c.basis.rotateTo(&r, g)
	r.MulElem(&r, c.inv)
	c.basis.unrotateTo(dst, &r)
	return nil
}

// SelfInfluence returns, for every example i of the batch,
//
//	w_i vec(G_i)ᵀ (F̂ + δI)⁻¹ vec(G_i) = w_i Σ_oj (Q_Sᵀ G_i Q_A)²_oj / (max(Λ_oj, 0) + δ),
//
// with the same cost as Correction.Add: with Terms ≤ 2 every example's
// value is Σ_t Σ_u rowsum((X_t∘X_u) ∘ ((Y_t∘Y_u) Cᵀ)) for C the inverse
// damped eigenvalues, X = S Q_S and Y = A Q_A.
func (c *Curvature) SelfInfluence(bt Batch) ([]float64, error) {
	b, err := c.basis.check(bt)
	if err != nil {
		return nil, err
	}
	self := make([]float64, b.n)
	if b.pairwise() {
		var m mat.Dense
		c.basis.eachTermPair(b, func(alpha float64, xx, yy *mat.Dense) {
			m.Reset()
			m.Mul(yy, c.inv.T())
			for i := range self {
				self[i] += alpha * floats.Dot(xx.RawRowView(i), m.RawRowView(i))
			}
		})
	} else {
		inv := c.inv.RawMatrix().Data
		c.basis.eachRotated(b, func(i int, r *mat.Dense) {
			for k, v := range r.RawMatrix().Data {
				self[i] += v * v * inv[k]
			}
		})
	}
	if b.Weights != nil {
		floats.Mul(self, b.Weights)
	}
	return self, nil
}

// Approximation returns the dense undamped curvature
// F̂ = (Q_S ⊗ Q_A) diag(vec Λ) (Q_S ⊗ Q_A)ᵀ, (Out·In)×(Out·In) in the
// row-major vectorisation of the weight gradient. Only for small layers.
func (c *Curvature) Approximation() *mat.Dense {
	q := c.basis.Kronecker()
	values := c.lambda.RawMatrix().Data
	var qd, f mat.Dense
	qd.Mul(q, mat.NewDiagDense(len(values), values))
	f.Mul(&qd, q.T())
	return &f
}
