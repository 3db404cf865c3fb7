package reward

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/mat"
)

// Linear is the linear Bradley–Terry reward model r_θ(x, y) = θᵀφ(x, y).
//
// With u = φ(x, y_w) − φ(x, y_l) the margin is m = θᵀu, the per-pair loss
// gradient is g = −(1 − σ(θᵀu)) u and the Hessian of the training objective is
//
//	H = Σᵢ ŵᵢ σ(mᵢ)(1 − σ(mᵢ)) uᵢuᵢᵀ + λI,   ŵᵢ = wᵢ/Σw,
//
// which equals the Gauss–Newton matrix (the true Fisher of the Bernoulli
// likelihood) because the margin is linear in θ (papers.md §0). The objective
// is strictly convex for λ > 0.
type Linear struct {
	// Theta is θ, one weight per feature.
	Theta []float64
	// L2 is the strength λ of the penalty (λ/2)‖θ‖² the model is trained with.
	L2 float64
}

// NewLinear returns a linear model with a copy of theta and L2 strength l2.
func NewLinear(theta []float64, l2 float64) (*Linear, error) {
	if len(theta) == 0 {
		return nil, fmt.Errorf("reward: linear model needs at least one weight")
	}
	for i, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("reward: weight %d is %v", i, v)
		}
	}
	if l2 < 0 || math.IsNaN(l2) {
		return nil, fmt.Errorf("reward: L2 strength %v is negative", l2)
	}
	return &Linear{Theta: append([]float64(nil), theta...), L2: l2}, nil
}

// InputDim returns the feature dimension d = len(Theta).
func (m *Linear) InputDim() int { return len(m.Theta) }

// NumParams returns the number of parameters, d.
func (m *Linear) NumParams() int { return len(m.Theta) }

// Params returns θ (not a copy).
func (m *Linear) Params() []float64 { return m.Theta }

// Regularization returns λ.
func (m *Linear) Regularization() float64 { return m.L2 }

// Layers returns the single layer of the model: W = θᵀ, 1×d, no bias.
func (m *Linear) Layers() []Layer {
	return []Layer{{Name: "linear", Offset: 0, Out: 1, In: len(m.Theta)}}
}

// Score returns θᵀφᵢ for each row φᵢ of features.
func (m *Linear) Score(features *mat.Dense) ([]float64, error) {
	n, err := checkScoreInput(features, len(m.Theta))
	if err != nil {
		return nil, err
	}
	r := make([]float64, n)
	mat.NewVecDense(n, r).MulVec(features, mat.NewVecDense(len(m.Theta), m.Theta))
	return r, nil
}

// Margins returns θᵀ(φ_w − φ_l) for every pair of c.
func (m *Linear) Margins(c *pref.Comparisons) ([]float64, error) { return margins(m, c) }

// Accuracy returns the weighted fraction of pairs ranked correctly.
func (m *Linear) Accuracy(c *pref.Comparisons) (float64, error) { return accuracy(m, c) }

// Loss returns the weighted mean Bradley–Terry loss of c (no L2 term).
func (m *Linear) Loss(c *pref.Comparisons) (float64, error) { return meanLoss(m, c) }

// differences writes u = φ_w − φ_l for pairs start … start+b−1 of c into dst
// (b×d) and their margins θᵀu into margins (length b, may be nil), checking
// in the same pass that every difference is finite (see finiteDifferences).
func (m *Linear) differences(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error {
	b, _ := dst.Dims()
	if err := checkBlock(c, start, b, len(m.Theta), margins); err != nil {
		return err
	}
	if err := finiteDifferences(c, start, dst); err != nil {
		return err
	}
	if margins != nil {
		mat.NewVecDense(b, margins).MulVec(dst, mat.NewVecDense(len(m.Theta), m.Theta))
	}
	return nil
}

// finiteDifferences writes chosen − rejected for pairs start … start+b−1 of c
// into the rows of dst (b×d) in one pass that also checks them: v − v is 0
// for a finite v and NaN otherwise, so one sum per row flags a NaN or
// infinite feature (or a difference that overflows), which is then located
// and reported by pair and column.
func finiteDifferences(c *pref.Comparisons, start int, dst *mat.Dense) error {
	b, d := dst.Dims()
	for i := 0; i < b; i++ {
		w, l := c.Chosen.RawRowView(start + i)[:d], c.Rejected.RawRowView(start + i)[:d]
		u := dst.RawRowView(i)[:d]
		check := 0.0
		for j := range u {
			v := w[j] - l[j]
			u[j] = v
			check += v - v
		}
		if check != 0 {
			return nonFiniteDifference(start+i, w, l)
		}
	}
	return nil
}

// nonFiniteDifference names the first non-finite entry of pair i's chosen
// features w or rejected features l, or the column whose difference
// overflows.
func nonFiniteDifference(i int, w, l []float64) error {
	for j := range w {
		switch {
		case math.IsNaN(w[j]) || math.IsInf(w[j], 0):
			return fmt.Errorf("reward: chosen features row %d column %d is %v (pair %d)", i, j, w[j], i)
		case math.IsNaN(l[j]) || math.IsInf(l[j], 0):
			return fmt.Errorf("reward: rejected features row %d column %d is %v (pair %d)", i, j, l[j], i)
		case math.IsInf(w[j]-l[j], 0):
			return fmt.Errorf("reward: pair %d column %d: chosen %v minus rejected %v overflows", i, j, w[j], l[j])
		}
	}
	return fmt.Errorf("reward: pair %d has a non-finite feature difference", i)
}

// checkBlock validates a request for rows start … start+b−1 of c for a model
// with input dimension d.
func checkBlock(c *pref.Comparisons, start, b, d int, margins []float64) error {
	if err := checkComparisons(c, d); err != nil {
		return err
	}
	if start < 0 || start+b > c.Len() {
		return fmt.Errorf("reward: rows %d…%d are outside the %d comparisons", start, start+b-1, c.Len())
	}
	if margins != nil && len(margins) != b {
		return fmt.Errorf("reward: %d margins for a block of %d pairs", len(margins), b)
	}
	return nil
}

// MarginGradients writes the margin gradients ∇θ mᵢ = uᵢ = φ_w − φ_l of pairs
// start … start+b−1 of c into the rows of dst (b×d), and their margins into
// margins (length b; nil to skip).
func (m *Linear) MarginGradients(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error {
	if dst == nil {
		return fmt.Errorf("reward: gradient block is nil")
	}
	if _, cols := dst.Dims(); cols != len(m.Theta) {
		return fmt.Errorf("reward: gradient block has %d columns for %d parameters", cols, len(m.Theta))
	}
	return m.differences(c, start, margins, dst)
}

// LayerTerms fills terms[0] (the only layer) for pairs start … start+b−1 of
// c, b being the number of rows of terms[0].AChosen: the inputs are φ_w and
// φ_l, and the margin's output gradients are +1 and −1.
func (m *Linear) LayerTerms(c *pref.Comparisons, start int, terms []LayerTerms) error {
	if len(terms) != 1 {
		return fmt.Errorf("reward: linear model has 1 layer, got terms for %d", len(terms))
	}
	t := terms[0]
	if err := checkTerms(terms, m.Layers()); err != nil {
		return err
	}
	b, d := t.AChosen.Dims()
	if err := checkBlock(c, start, b, len(m.Theta), nil); err != nil {
		return err
	}
	t.AChosen.Copy(c.Chosen.Slice(start, start+b, 0, d))
	t.ARejected.Copy(c.Rejected.Slice(start, start+b, 0, d))
	for i := 0; i < b; i++ {
		t.SChosen.Set(i, 0, 1)
		t.SRejected.Set(i, 0, -1)
	}
	return nil
}

// PairGradients returns the n×d matrix whose row i is the loss gradient
// gᵢ = −(1 − σ(θᵀuᵢ)) uᵢ of pair i (unweighted, without the L2 term).
func (m *Linear) PairGradients(c *pref.Comparisons) (*mat.Dense, error) {
	return pairGradients(m, c)
}

// objective prepares the training objective of c for m; its evaluations
// report non-finite features.
func (m *Linear) objective(c *pref.Comparisons) (*linearObjective, error) {
	if err := checkComparisons(c, len(m.Theta)); err != nil {
		return nil, err
	}
	w, err := normalizedWeights(c)
	if err != nil {
		return nil, err
	}
	return newLinearObjective(c, w, m.L2), nil
}

// Objective returns the training objective L(θ) = Σ ŵᵢ ℓᵢ + (λ/2)‖θ‖² on c.
func (m *Linear) Objective(c *pref.Comparisons) (float64, error) {
	o, err := m.objective(c)
	if err != nil {
		return 0, err
	}
	return o.evaluate(m.Theta, nil, nil)
}

// Gradient returns ∇L(θ) = Σ ŵᵢ gᵢ + λθ on c.
func (m *Linear) Gradient(c *pref.Comparisons) ([]float64, error) {
	o, err := m.objective(c)
	if err != nil {
		return nil, err
	}
	g := make([]float64, len(m.Theta))
	if _, err := o.evaluate(m.Theta, g, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// Hessian returns H = Σ ŵᵢ σ(mᵢ)(1−σ(mᵢ)) uᵢuᵢᵀ + λI on c (d×d), at a cost
// of O(n·d²).
func (m *Linear) Hessian(c *pref.Comparisons) (*mat.SymDense, error) {
	o, err := m.objective(c)
	if err != nil {
		return nil, err
	}
	h := mat.NewSymDense(len(m.Theta), nil)
	t := job.Start("reward: Hessian", 0)
	_, err = o.evaluate(m.Theta, nil, h)
	t.Done(err)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// HessianVec returns H v on c in O(n·d) without forming H:
// Uᵀ(ŵ ⊙ σ(1−σ) ⊙ (U v)) + λv.
func (m *Linear) HessianVec(c *pref.Comparisons, v []float64) ([]float64, error) {
	if len(v) != len(m.Theta) {
		return nil, fmt.Errorf("reward: vector has length %d for %d parameters", len(v), len(m.Theta))
	}
	o, err := m.objective(c)
	if err != nil {
		return nil, err
	}
	return o.hessianVec(m.Theta, v)
}
