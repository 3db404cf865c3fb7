// Package reward holds Bradley–Terry reward models trained on preference
// pairs: a linear model r_θ(x, y) = θᵀφ(x, y) and a small MLP reward head over
// feature vectors.
//
// Both models are trained on the weighted mean Bradley–Terry loss plus an L2
// penalty,
//
//	L(θ) = Σᵢ wᵢ ℓ(zᵢ; θ) / Σᵢ wᵢ + (λ/2)‖θ‖²,  ℓ(z; θ) = −log σ(m(z; θ)),
//
// where m(z; θ) = r_θ(x, y_w) − r_θ(x, y_l) is the reward margin of pair z
// (chosen minus rejected) and wᵢ the pair weights (1 when
// pref.Comparisons.Weight is nil).
//
// Besides training and evaluation (Score, Margins, Accuracy, Loss, Save/Load)
// the models expose the derivatives that influence functions need: per-pair
// margin gradients ∇θ m(zᵢ) (the loss gradient is −(1−σ(mᵢ))∇θ mᵢ), Hessians
// and Hessian-vector products of the objective, and for each linear layer the
// per-pair inputs a_t and output gradients s_t (t ∈ {chosen, rejected}) that
// K-FAC and EK-FAC factors are built from.
package reward

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	_ "github.com/golign/golign/alignment/backend" // BLAS backend chosen at build time
)

// Model is a trained reward model.
type Model interface {
	// Score returns the reward of each row of features (n×d): rᵢ = r_θ(φᵢ).
	Score(features *mat.Dense) ([]float64, error)
	// Margins returns r(chosen) − r(rejected) for every pair of c.
	Margins(c *pref.Comparisons) ([]float64, error)
	// Accuracy returns the weighted fraction of pairs of c whose chosen
	// response gets the higher reward (ties count one half).
	Accuracy(c *pref.Comparisons) (float64, error)
	// Loss returns the weighted mean Bradley–Terry loss of c, without the L2
	// penalty.
	Loss(c *pref.Comparisons) (float64, error)
	// InputDim returns the feature dimension d the model scores.
	InputDim() int
	// NumParams returns the number of parameters D.
	NumParams() int
	// Params returns the parameter vector θ (not a copy).
	Params() []float64
	// Regularization returns the L2 strength λ the model was trained with.
	Regularization() float64
}

// Layer describes one linear layer of a model inside its parameter vector θ:
// the weight matrix W (Out×In, row-major, bias as the last column when the
// layer has one) occupies θ[Offset : Offset+Out·In]. The gradient of a loss
// with respect to W for one pair is Σ_t s_t a_tᵀ over the pair's two
// responses, with a_t the layer's input (with a trailing 1 for the bias) and
// s_t the gradient with respect to the layer's output.
type Layer struct {
	Name            string
	Offset, Out, In int
}

// Size returns the number of parameters of the layer, Out·In.
func (l Layer) Size() int { return l.Out * l.In }

// LayerTerms holds, for a block of b pairs and one layer, the layer inputs of
// the chosen and rejected responses (b×In) and the gradients of the pair's
// margin m = r(y_w) − r(y_l) with respect to the layer outputs (b×Out). The
// margin gradient of the layer's weights for pair i is
// SChosenᵢ ⊗ AChosenᵢ + SRejectedᵢ ⊗ ARejectedᵢ (row-major Out×In).
type LayerTerms struct {
	AChosen, ARejected *mat.Dense
	SChosen, SRejected *mat.Dense
}

// sigmoid returns σ(x) = 1/(1+e^{−x}) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Sigmoid returns the logistic function σ(x) = 1/(1+e^{−x}), computed without
// overflow for large |x|.
func Sigmoid(x float64) float64 { return sigmoid(x) }

// softplus returns log(1+eˣ) without overflow; −log σ(m) = softplus(−m).
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// PairLoss returns the Bradley–Terry loss −log σ(m) of a pair with margin m.
func PairLoss(margin float64) float64 { return softplus(-margin) }

// normalizedWeights returns wᵢ/Σw for the pairs of c, checking the weights.
func normalizedWeights(c *pref.Comparisons) ([]float64, error) {
	n := c.Len()
	w := make([]float64, n)
	if c.Weight == nil {
		for i := range w {
			w[i] = 1 / float64(n)
		}
		return w, nil
	}
	total := 0.0
	for i, v := range c.Weight {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("reward: weight of pair %d is %v; weights must be finite and non-negative", i, v)
		}
		total += v
	}
	if total == 0 {
		return nil, fmt.Errorf("reward: all %d pair weights are zero", n)
	}
	for i, v := range c.Weight {
		w[i] = v / total
	}
	return w, nil
}

// NormalizedWeights returns the weight of each pair of c divided by the total
// weight (1/n each when c.Weight is nil), or an error naming a negative or
// non-finite weight.
func NormalizedWeights(c *pref.Comparisons) ([]float64, error) {
	if err := checkComparisons(c, -1); err != nil {
		return nil, err
	}
	return normalizedWeights(c)
}

// checkComparisons validates c and, when d ≥ 0, its feature dimension.
func checkComparisons(c *pref.Comparisons, d int) error {
	if c == nil {
		return fmt.Errorf("reward: comparisons are nil")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Len() == 0 {
		return fmt.Errorf("reward: no comparisons")
	}
	if d >= 0 && c.Dim() != d {
		return fmt.Errorf("reward: comparisons have %d features but the model takes %d", c.Dim(), d)
	}
	return nil
}

// checkFinite reports the first non-finite entry of m, naming it by what.
func checkFinite(what string, m *mat.Dense) error {
	r, cols := m.Dims()
	for i := 0; i < r; i++ {
		for j, v := range m.RawRowView(i)[:cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("reward: %s row %d column %d is %v", what, i, j, v)
			}
		}
	}
	return nil
}

// checkTrainingData validates c for training a model of input dimension d
// (d < 0: any) and returns the normalised weights.
func checkTrainingData(c *pref.Comparisons, d int) ([]float64, error) {
	if err := checkComparisons(c, d); err != nil {
		return nil, err
	}
	if err := checkFinite("chosen features", c.Chosen); err != nil {
		return nil, err
	}
	if err := checkFinite("rejected features", c.Rejected); err != nil {
		return nil, err
	}
	return normalizedWeights(c)
}

// margins computes Score(chosen) − Score(rejected) for any model.
func margins(m Model, c *pref.Comparisons) ([]float64, error) {
	if err := checkComparisons(c, m.InputDim()); err != nil {
		return nil, err
	}
	rw, err := m.Score(c.Chosen)
	if err != nil {
		return nil, err
	}
	rl, err := m.Score(c.Rejected)
	if err != nil {
		return nil, err
	}
	for i := range rw {
		rw[i] -= rl[i]
	}
	return rw, nil
}

// accuracy is the weighted fraction of positive margins (ties count ½).
func accuracy(m Model, c *pref.Comparisons) (float64, error) {
	mg, err := m.Margins(c)
	if err != nil {
		return 0, err
	}
	// NaN or infinite features would give a NaN loss or a silent miscount.
	w, err := checkTrainingData(c, m.InputDim())
	if err != nil {
		return 0, err
	}
	acc := 0.0
	for i, v := range mg {
		switch {
		case v > 0:
			acc += w[i]
		case v == 0:
			acc += w[i] / 2
		}
	}
	return acc, nil
}

// meanLoss is the weighted mean Bradley–Terry loss of c under m.
func meanLoss(m Model, c *pref.Comparisons) (float64, error) {
	mg, err := m.Margins(c)
	if err != nil {
		return 0, err
	}
	// NaN or infinite features would give a NaN loss or a silent miscount.
	w, err := checkTrainingData(c, m.InputDim())
	if err != nil {
		return 0, err
	}
	loss := 0.0
	for i, v := range mg {
		loss += w[i] * softplus(-v)
	}
	return loss, nil
}

// checkScoreInput validates a feature matrix given to Score.
func checkScoreInput(features *mat.Dense, d int) (int, error) {
	if features == nil {
		return 0, fmt.Errorf("reward: features are nil")
	}
	n, cols := features.Dims()
	if cols != d {
		return 0, fmt.Errorf("reward: features have %d columns but the model takes %d", cols, d)
	}
	return n, nil
}

// marginGradienter is a model that gives per-pair margin gradients.
type marginGradienter interface {
	Model
	MarginGradients(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error
}

// pairGradients returns the per-pair loss gradients −(1 − σ(mᵢ)) ∇θ mᵢ of
// all pairs of c as rows.
func pairGradients(m marginGradienter, c *pref.Comparisons) (*mat.Dense, error) {
	if err := checkComparisons(c, m.InputDim()); err != nil {
		return nil, err
	}
	n := c.Len()
	g := mat.NewDense(n, m.NumParams(), nil)
	mg := make([]float64, n)
	if err := m.MarginGradients(c, 0, mg, g); err != nil {
		return nil, err
	}
	for i, v := range mg {
		floats.Scale(-(1 - sigmoid(v)), g.RawRowView(i))
	}
	return g, nil
}

// checkTerms validates layer-term buffers against the model's layers: b rows
// each, In columns for the inputs and Out for the output gradients.
func checkTerms(terms []LayerTerms, layers []Layer) error {
	if len(terms) == 0 || terms[0].AChosen == nil {
		return fmt.Errorf("reward: layer terms are missing")
	}
	b, _ := terms[0].AChosen.Dims()
	for k, l := range layers {
		t := terms[k]
		for _, x := range []struct {
			m    *mat.Dense
			cols int
			name string
		}{{t.AChosen, l.In, "AChosen"}, {t.ARejected, l.In, "ARejected"}, {t.SChosen, l.Out, "SChosen"}, {t.SRejected, l.Out, "SRejected"}} {
			if x.m == nil {
				return fmt.Errorf("reward: layer %s: %s is nil", l.Name, x.name)
			}
			if r, c := x.m.Dims(); r != b || c != x.cols {
				return fmt.Errorf("reward: layer %s: %s is %d×%d, want %d×%d", l.Name, x.name, r, c, b, x.cols)
			}
		}
	}
	return nil
}
