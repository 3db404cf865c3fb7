package kfac

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Covariances accumulates the Kronecker factors of one layer, the weighted
// second moments of its inputs and output gradients,
//
//	A = Σ_r u_r a_r a_rᵀ (In×In),   S = Σ_r v_r s_r s_rᵀ (Out×Out)
//
// (Martens & Grosse 2015, §3). Each Add costs O(rows·In²) or O(rows·Out²),
// and Add calls may run concurrently. The zero value is not usable: call
// NewCovariances.
type Covariances struct {
	in, out int
	mu      sync.Mutex
	a, s    *mat.SymDense
}

// NewCovariances returns empty factors of a layer with in inputs and out
// outputs.
func NewCovariances(in, out int) (*Covariances, error) {
	if in <= 0 || out <= 0 {
		return nil, fmt.Errorf("kfac: layer of %d inputs and %d outputs: both must be positive", in, out)
	}
	return &Covariances{in: in, out: out, a: mat.NewSymDense(in, nil), s: mat.NewSymDense(out, nil)}, nil
}

// AddInputs adds Σ_r u_r a_r a_rᵀ to A for the rows a_r of inputs (rows×In)
// with weights u (one per row, non-negative; nil means 1).
func (c *Covariances) AddInputs(inputs *mat.Dense, weights []float64) error {
	return c.add(c.a, "inputs", inputs, weights)
}

// AddOutputGrads adds Σ_r v_r s_r s_rᵀ to S for the rows s_r of outputGrads
// (rows×Out) with weights v (one per row, non-negative; nil means 1).
func (c *Covariances) AddOutputGrads(outputGrads *mat.Dense, weights []float64) error {
	return c.add(c.s, "output gradients", outputGrads, weights)
}

// add adds the weighted Gram matrix of the rows of x to g. Equal weights
// scale the product; others scale a copy of the rows by √w. The product is
// formed outside the lock.
func (c *Covariances) add(g *mat.SymDense, what string, x *mat.Dense, weights []float64) error {
	rows, err := checkRows(x, g.SymmetricDim(), what)
	if err != nil {
		return err
	}
	if err := checkWeights(weights, rows, "row"); err != nil {
		return fmt.Errorf("kfac: %s: %w", what, err)
	}
	alpha := 1.0
	switch {
	case weights == nil:
	case floats.Min(weights) == floats.Max(weights):
		alpha = weights[0]
	default:
		scaled := mat.DenseCopyOf(x)
		for r, w := range weights {
			floats.Scale(math.Sqrt(w), scaled.RawRowView(r))
		}
		x = scaled
	}
	local := mat.NewSymDense(g.SymmetricDim(), nil)
	local.SymRankK(local, alpha, x.T())
	c.mu.Lock()
	g.AddSym(g, local)
	c.mu.Unlock()
	return nil
}

// Eigenbasis eigendecomposes A and S as accumulated so far. It costs
// O(In³ + Out³) and cannot be interrupted midway.
func (c *Covariances) Eigenbasis() (*Eigenbasis, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	qa, la, err := eigen(c.a, "input second moment A")
	if err != nil {
		return nil, err
	}
	qs, ls, err := eigen(c.s, "output-gradient second moment S")
	if err != nil {
		return nil, err
	}
	return &Eigenbasis{qa: qa, qs: qs, valuesA: la, valuesS: ls}, nil
}

// eigen returns the eigenvectors (columns) and eigenvalues of a symmetric
// factor.
func eigen(a *mat.SymDense, what string) (*mat.Dense, []float64, error) {
	var e mat.EigenSym
	if !e.Factorize(a, true) {
		return nil, nil, fmt.Errorf("kfac: eigendecomposition of the %s failed", what)
	}
	var v mat.Dense
	e.VectorsTo(&v)
	return &v, e.Values(nil), nil
}

// checkRows returns the number of rows of x after checking that it has
// cols columns.
func checkRows(x *mat.Dense, cols int, what string) (int, error) {
	if x == nil || x.IsEmpty() {
		return 0, fmt.Errorf("kfac: %s are missing", what)
	}
	r, c := x.Dims()
	if c != cols {
		return 0, fmt.Errorf("kfac: %s have %d columns, the layer has %d", what, c, cols)
	}
	return r, nil
}

// checkWeights checks that weights is nil or holds n finite, non-negative
// numbers.
func checkWeights(weights []float64, n int, what string) error {
	if weights == nil {
		return nil
	}
	if len(weights) != n {
		return fmt.Errorf("%d weights for %d %ss", len(weights), n, what)
	}
	for i, w := range weights {
		if !(w >= 0) || math.IsInf(w, 1) {
			return fmt.Errorf("weight of %s %d is %g; weights must be finite and non-negative", what, i, w)
		}
	}
	return nil
}
