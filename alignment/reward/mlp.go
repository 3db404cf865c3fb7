package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Activation is the nonlinearity of an MLP's hidden layers.
type Activation int

const (
	// Tanh is tanh(z).
	Tanh Activation = iota
	// ReLU is max(z, 0).
	ReLU
	// GELU is the exact Gaussian error linear unit z·Φ(z) (Hendrycks &
	// Gimpel 2016).
	GELU
)

// String returns the activation's name.
func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	case GELU:
		return "gelu"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// apply returns the activation of z.
func (a Activation) apply(z float64) float64 {
	switch a {
	case ReLU:
		return math.Max(z, 0)
	case GELU:
		return z * 0.5 * (1 + math.Erf(z/math.Sqrt2))
	}
	return math.Tanh(z)
}

// derivative returns the activation's derivative at z, given its value h.
func (a Activation) derivative(z, h float64) float64 {
	switch a {
	case ReLU:
		if z > 0 {
			return 1
		}
		return 0
	case GELU:
		return 0.5*(1+math.Erf(z/math.Sqrt2)) + z*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
	}
	return 1 - h*h
}

// MLP is a reward head r_θ(φ) = w_outᵀ h_L with hidden layers
// h_k = act(W_k [h_{k−1}; 1]), h_0 = φ: one or more hidden layers with bias,
// and a linear output without bias (a bias would cancel in every margin).
//
// θ stores the layers one after the other, each weight matrix row-major with
// its bias as the last column (see Layers). Per-pair gradients come from
// backpropagation on the chosen and rejected responses stacked in one batch.
type MLP struct {
	// Sizes are the input dimension d followed by the hidden widths.
	Sizes []int
	// Activation is the hidden nonlinearity.
	Activation Activation
	// L2 is the strength λ of the penalty (λ/2)‖θ‖².
	L2 float64
	// Theta holds all parameters.
	Theta []float64
}

// NewMLP returns an MLP with input dimension sizes[0] and hidden widths
// sizes[1:], weights drawn from N(0, gain/fan_in) (gain 2 for ReLU, 1
// otherwise; He / LeCun initialisation) with the given seed, biases zero.
func NewMLP(sizes []int, act Activation, l2 float64, seed uint64) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("reward: MLP sizes %v need an input dimension and at least one hidden width", sizes)
	}
	for i, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("reward: MLP size %d is %d; sizes must be positive", i, s)
		}
	}
	if act < Tanh || act > GELU {
		return nil, fmt.Errorf("reward: unknown activation %d", int(act))
	}
	if l2 < 0 || math.IsNaN(l2) || math.IsInf(l2, 0) {
		return nil, fmt.Errorf("reward: L2 strength %v must be finite and non-negative", l2)
	}
	m := &MLP{Sizes: append([]int(nil), sizes...), Activation: act, L2: l2}
	layers := m.Layers()
	last := layers[len(layers)-1]
	m.Theta = make([]float64, last.Offset+last.Size())
	rng := rand.New(rand.NewPCG(seed, 0x6d6c70))
	gain := 1.0
	if act == ReLU {
		gain = 2
	}
	for k, l := range layers {
		fanIn := l.In
		if k < len(layers)-1 {
			fanIn-- // bias column
		}
		std := math.Sqrt(gain / float64(fanIn))
		w := m.Theta[l.Offset : l.Offset+l.Size()]
		for o := 0; o < l.Out; o++ {
			for i := 0; i < fanIn; i++ {
				w[o*l.In+i] = std * rng.NormFloat64()
			}
		}
	}
	return m, nil
}

// Layers returns the hidden layers (Out = width, In = previous width + 1 for
// the bias) followed by the output layer (Out = 1, In = last width).
func (m *MLP) Layers() []Layer {
	var ls []Layer
	off := 0
	for k := 1; k < len(m.Sizes); k++ {
		l := Layer{Name: fmt.Sprintf("hidden%d", k), Offset: off, Out: m.Sizes[k], In: m.Sizes[k-1] + 1}
		ls = append(ls, l)
		off += l.Size()
	}
	return append(ls, Layer{Name: "output", Offset: off, Out: 1, In: m.Sizes[len(m.Sizes)-1]})
}

// InputDim returns d = Sizes[0] (0 when Sizes is empty).
func (m *MLP) InputDim() int {
	if len(m.Sizes) == 0 {
		return 0
	}
	return m.Sizes[0]
}

// check reports an MLP whose exported fields disagree: sizes, activation
// and the length of Theta.
func (m *MLP) check() error {
	if len(m.Sizes) < 2 {
		return fmt.Errorf("reward: MLP sizes %v need an input dimension and a hidden width", m.Sizes)
	}
	for i, s := range m.Sizes {
		if s <= 0 {
			return fmt.Errorf("reward: MLP size %d is %d", i, s)
		}
	}
	if m.Activation < Tanh || m.Activation > GELU {
		return fmt.Errorf("reward: unknown activation %d", int(m.Activation))
	}
	ls := m.Layers()
	if want := ls[len(ls)-1].Offset + ls[len(ls)-1].Size(); len(m.Theta) != want {
		return fmt.Errorf("reward: MLP sizes %v need %d parameters, Theta has %d", m.Sizes, want, len(m.Theta))
	}
	return nil
}

// NumParams returns the number of parameters.
func (m *MLP) NumParams() int { return len(m.Theta) }

// Params returns θ (not a copy).
func (m *MLP) Params() []float64 { return m.Theta }

// Regularization returns λ.
func (m *MLP) Regularization() float64 { return m.L2 }

// weights returns layer l's weight matrix as a view of θ.
func (m *MLP) weights(l Layer) *mat.Dense {
	return mat.NewDense(l.Out, l.In, m.Theta[l.Offset:l.Offset+l.Size()])
}

// mlpPass holds the activations and output gradients of one batch of R rows.
type mlpPass struct {
	layers []Layer
	inputs []*mat.Dense // inputs[k]: R×In_k, with a trailing column of ones for biased layers
	pre    []*mat.Dense // pre[k]: R×Out_k pre-activations of hidden layer k
	grads  []*mat.Dense // grads[k]: R×Out_k gradient of the output w.r.t. layer k's output
	reward []float64    // R rewards
}

func (m *MLP) newPass(rows int) *mlpPass {
	p := &mlpPass{layers: m.Layers(), reward: make([]float64, rows)}
	for k, l := range p.layers {
		in := mat.NewDense(rows, l.In, nil)
		if k < len(p.layers)-1 {
			for i := 0; i < rows; i++ {
				in.Set(i, l.In-1, 1)
			}
			p.pre = append(p.pre, mat.NewDense(rows, l.Out, nil))
		}
		p.inputs = append(p.inputs, in)
		p.grads = append(p.grads, mat.NewDense(rows, l.Out, nil))
	}
	return p
}

// setInput copies rows of x (starting at row start) into rows dst… of the
// first layer's input.
func (p *mlpPass) setInput(dst int, x mat.Matrix, rows []int) {
	in := p.inputs[0]
	d := p.layers[0].In - 1
	for j, r := range rows {
		row := in.RawRowView(dst + j)[:d]
		mat.Row(row, r, x)
	}
}

// forward computes the rewards of the rows already in p.inputs[0].
func (m *MLP) forward(p *mlpPass) {
	L := len(p.layers)
	for k := 0; k < L-1; k++ {
		l := p.layers[k]
		p.pre[k].Mul(p.inputs[k], m.weights(l).T())
		rows, _ := p.pre[k].Dims()
		next := p.inputs[k+1]
		for i := 0; i < rows; i++ {
			z := p.pre[k].RawRowView(i)
			h := next.RawRowView(i)
			for j, v := range z {
				h[j] = m.Activation.apply(v)
			}
		}
	}
	out := p.layers[L-1]
	rows, _ := p.inputs[L-1].Dims()
	mat.NewVecDense(rows, p.reward).MulVec(p.inputs[L-1], mat.NewVecDense(out.In, m.Theta[out.Offset:out.Offset+out.Size()]))
}

// backward propagates the output gradient delta (one value per row) down the
// network, filling p.grads.
func (m *MLP) backward(p *mlpPass, delta []float64) {
	L := len(p.layers)
	top := p.grads[L-1]
	for i, v := range delta {
		top.Set(i, 0, v)
	}
	for k := L - 2; k >= 0; k-- {
		above := p.layers[k+1]
		w := m.weights(above).Slice(0, above.Out, 0, p.layers[k].Out)
		g := p.grads[k]
		g.Mul(p.grads[k+1], w)
		rows, _ := g.Dims()
		for i := 0; i < rows; i++ {
			gr := g.RawRowView(i)
			z := p.pre[k].RawRowView(i)
			h := p.inputs[k+1].RawRowView(i)
			for j := range gr {
				gr[j] *= m.Activation.derivative(z[j], h[j])
			}
		}
	}
}

// scoreBlock is the number of rows Score evaluates at once.
const scoreBlock = 2048

// Score returns the reward of each row of features.
func (m *MLP) Score(features *mat.Dense) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	n, err := checkScoreInput(features, m.InputDim())
	if err != nil {
		return nil, err
	}
	r := make([]float64, n)
	b := min(n, scoreBlock)
	p := m.newPass(b)
	rows := make([]int, b)
	for start := 0; start < n; start += b {
		cnt := min(b, n-start)
		if cnt < b {
			p = m.newPass(cnt)
		}
		for j := 0; j < cnt; j++ {
			rows[j] = start + j
		}
		p.setInput(0, features, rows[:cnt])
		m.forward(p)
		copy(r[start:], p.reward[:cnt])
	}
	return r, nil
}

// Margins returns r(chosen) − r(rejected) for every pair of c.
func (m *MLP) Margins(c *pref.Comparisons) ([]float64, error) { return margins(m, c) }

// Accuracy returns the weighted fraction of pairs ranked correctly.
func (m *MLP) Accuracy(c *pref.Comparisons) (float64, error) { return accuracy(m, c) }

// Loss returns the weighted mean Bradley–Terry loss of c (no L2 term).
func (m *MLP) Loss(c *pref.Comparisons) (float64, error) { return meanLoss(m, c) }

// pairPass runs forward and backward for the pairs rows of c with the
// chosen responses in rows 0…b−1 and the rejected in b…2b−1, back-propagating
// delta (nil: +1 for chosen, −1 for rejected, i.e. the margin's gradient).
// It returns the pass and the margins.
func (m *MLP) pairPass(p *mlpPass, c *pref.Comparisons, rows []int, delta []float64) []float64 {
	b := len(rows)
	p.setInput(0, c.Chosen, rows)
	p.setInput(b, c.Rejected, rows)
	m.forward(p)
	mg := make([]float64, b)
	for i := range mg {
		mg[i] = p.reward[i] - p.reward[b+i]
	}
	if delta == nil {
		delta = make([]float64, 2*b)
		for i := 0; i < b; i++ {
			delta[i], delta[b+i] = 1, -1
		}
	}
	m.backward(p, delta)
	return mg
}

// blockRows returns start, start+1, …, start+b−1.
func blockRows(start, b int) []int {
	rows := make([]int, b)
	for i := range rows {
		rows[i] = start + i
	}
	return rows
}

// MarginGradients writes ∇θ mᵢ for pairs start … start+b−1 of c into the rows
// of dst (b×D) and their margins into margins (length b; nil to skip). Layer
// k's block of row i is s_w ⊗ a_w + s_l ⊗ a_l (see Layer).
func (m *MLP) MarginGradients(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error {
	if dst == nil {
		return fmt.Errorf("reward: gradient block is nil")
	}
	if err := m.check(); err != nil {
		return err
	}
	b, cols := dst.Dims()
	if cols != len(m.Theta) {
		return fmt.Errorf("reward: gradient block has %d columns for %d parameters", cols, len(m.Theta))
	}
	if err := checkBlock(c, start, b, m.InputDim(), margins); err != nil {
		return err
	}
	p := m.newPass(2 * b)
	mg := m.pairPass(p, c, blockRows(start, b), nil)
	if margins != nil {
		copy(margins, mg)
	}
	for k, l := range p.layers {
		for i := 0; i < b; i++ {
			row := dst.RawRowView(i)[l.Offset : l.Offset+l.Size()]
			aw, al := p.inputs[k].RawRowView(i)[:l.In], p.inputs[k].RawRowView(b + i)[:l.In]
			sw, sl := p.grads[k].RawRowView(i), p.grads[k].RawRowView(b+i)
			for o := 0; o < l.Out; o++ {
				outerRow(row[o*l.In:(o+1)*l.In], sw[o], aw, sl[o], al)
			}
		}
	}
	return nil
}

// shortRow is the row length below which outerRow runs a plain loop: the
// assembly kernels' call costs more than they save on short rows.
const shortRow = 64

// outerRow writes a·x + b·y into dst (one row of s_w ⊗ a_w + s_l ⊗ a_l).
func outerRow(dst []float64, a float64, x []float64, b float64, y []float64) {
	if len(dst) >= shortRow {
		floats.ScaleTo(dst, a, x)
		floats.AddScaled(dst, b, y)
		return
	}
	x, y = x[:len(dst)], y[:len(dst)]
	for j := range dst {
		dst[j] = a*x[j] + b*y[j]
	}
}

// PairGradients returns the n×D matrix whose row i is the loss gradient
// gᵢ = −(1 − σ(mᵢ)) ∇θ mᵢ of pair i (unweighted, without the L2 term).
func (m *MLP) PairGradients(c *pref.Comparisons) (*mat.Dense, error) {
	return pairGradients(m, c)
}

// LayerTerms fills terms[k] for every layer k with the inputs and margin
// output gradients of pairs start … start+b−1, b being the number of rows of
// terms[0].AChosen.
func (m *MLP) LayerTerms(c *pref.Comparisons, start int, terms []LayerTerms) error {
	if err := m.check(); err != nil {
		return err
	}
	layers := m.Layers()
	if len(terms) != len(layers) {
		return fmt.Errorf("reward: MLP has %d layers, got terms for %d", len(layers), len(terms))
	}
	if err := checkTerms(terms, layers); err != nil {
		return err
	}
	b, _ := terms[0].AChosen.Dims()
	if err := checkBlock(c, start, b, m.InputDim(), nil); err != nil {
		return err
	}
	p := m.newPass(2 * b)
	m.pairPass(p, c, blockRows(start, b), nil)
	for k, l := range layers {
		t := terms[k]
		t.AChosen.Copy(p.inputs[k].Slice(0, b, 0, l.In))
		t.ARejected.Copy(p.inputs[k].Slice(b, 2*b, 0, l.In))
		t.SChosen.Copy(p.grads[k].Slice(0, b, 0, l.Out))
		t.SRejected.Copy(p.grads[k].Slice(b, 2*b, 0, l.Out))
	}
	return nil
}

// batchGradient writes into grad the gradient of Σᵢ coefᵢ mᵢ over the batch
// whose backward pass used delta = [coef; −coef]: layer k gets
// grads[k]ᵀ inputs[k].
func (m *MLP) batchGradient(p *mlpPass, grad []float64) {
	for k, l := range p.layers {
		mat.NewDense(l.Out, l.In, grad[l.Offset:l.Offset+l.Size()]).Mul(p.grads[k].T(), p.inputs[k])
	}
}

// objectiveOn returns the loss Σ ŵᵢℓᵢ over pairs rows of c with weights w
// (summing to one over rows), without the penalty, and writes the gradient
// of the objective Σ ŵᵢℓᵢ + (λ/2)‖θ‖² into grad.
func (m *MLP) objectiveOn(p *mlpPass, c *pref.Comparisons, rows []int, w []float64, grad []float64) float64 {
	b := len(rows)
	p.setInput(0, c.Chosen, rows)
	p.setInput(b, c.Rejected, rows)
	m.forward(p)
	delta := make([]float64, 2*b)
	f := 0.0
	for i := 0; i < b; i++ {
		mg := p.reward[i] - p.reward[b+i]
		f += w[i] * softplus(-mg)
		delta[i] = -w[i] * (1 - sigmoid(mg))
		delta[b+i] = -delta[i]
	}
	m.backward(p, delta)
	m.batchGradient(p, grad)
	floats.AddScaled(grad, m.L2, m.Theta)
	return f
}

// Gradient returns ∇L(θ) of the full-batch training objective on c.
func (m *MLP) Gradient(c *pref.Comparisons) ([]float64, error) {
	_, g, err := m.ObjectiveGradient(c)
	return g, err
}

// ObjectiveGradient returns the training objective L(θ) on c and its
// gradient.
func (m *MLP) ObjectiveGradient(c *pref.Comparisons) (float64, []float64, error) {
	if err := m.check(); err != nil {
		return 0, nil, err
	}
	w, err := checkTrainingData(c, m.InputDim())
	if err != nil {
		return 0, nil, err
	}
	n := c.Len()
	grad := make([]float64, len(m.Theta))
	f := m.objectiveOn(m.newPass(2*n), c, blockRows(0, n), w, grad)
	return f + 0.5*m.L2*floats.Dot(m.Theta, m.Theta), grad, nil
}
