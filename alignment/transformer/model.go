package transformer

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	_ "github.com/golign/golign/alignment/backend" // BLAS chosen at build time
	"github.com/golign/golign/alignment/policy"
)

// Model is a decoder-only transformer. Its methods that only read the
// parameters (Logits, Loss, Gradient, LinearStatistics, streams) are safe
// for concurrent use; training mutates the parameters and must not run
// concurrently with them.
type Model struct {
	cfg        Config
	params     []float64
	w          weights
	blocks     []Block
	linears    []Linear
	sinusoidal []float64 // Context×Width, sinusoidal positions only
}

// New returns a model with weights initialised from cfg.Seed: normal with
// standard deviation InitScale (InitScale/sqrt(2·Layers) for the attention
// output and MLP output maps), zero biases, unit LayerNorm gains.
func New(cfg Config) (*Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := newShell(cfg, nil)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7a11))
	fill := func(v []float64, std float64) {
		for i := range v {
			v[i] = std * rng.NormFloat64()
		}
	}
	ones := func(v []float64) {
		for i := range v {
			v[i] = 1
		}
	}
	s := cfg.InitScale
	fill(m.w.embed, s)
	fill(m.w.position, s)
	resid := s / math.Sqrt(2*float64(cfg.Layers))
	for _, l := range m.w.layers {
		ones(l.ln1Gain)
		ones(l.ln2Gain)
		fill(l.q.w, s)
		fill(l.k.w, s)
		fill(l.v.w, s)
		fill(l.o.w, resid)
		fill(l.mlpIn.w, s)
		fill(l.mlpOut.w, resid)
	}
	ones(m.w.lnfGain)
	if cfg.UntiedOutput {
		fill(m.w.unembed.w, s)
	}
	return m, nil
}

// newShell returns a model of a validated configuration over params (of
// the configuration's size), or over zero parameters when params is nil.
func newShell(cfg Config, params []float64) *Model {
	if params == nil {
		_, _, _, size := bind(cfg, nil)
		params = make([]float64, size)
	}
	m := &Model{cfg: cfg, params: params}
	m.w, m.blocks, m.linears, _ = bind(cfg, m.params)
	if cfg.Positions == SinusoidalPositions {
		d := cfg.Width
		m.sinusoidal = make([]float64, cfg.Context*d)
		for p := 0; p < cfg.Context; p++ {
			for i := 0; i < d; i += 2 {
				a := float64(p) / math.Pow(10000, float64(i)/float64(d))
				m.sinusoidal[p*d+i] = math.Sin(a)
				m.sinusoidal[p*d+i+1] = math.Cos(a)
			}
		}
	}
	return m
}

// Config returns the model's configuration with defaults filled in.
func (m *Model) Config() Config { return m.cfg }

// Params returns the flat parameter vector laid out as described by
// Blocks. It is the model's own storage: writing to it changes the model.
func (m *Model) Params() []float64 { return m.params }

// NumParams returns the number of parameters.
func (m *Model) NumParams() int { return len(m.params) }

// Blocks returns the layout of the parameter vector (see Block).
func (m *Model) Blocks() []Block { return append([]Block(nil), m.blocks...) }

// Linears returns every linear map of the model in forward order (see
// Linear).
func (m *Model) Linears() []Linear { return append([]Linear(nil), m.linears...) }

// Clone returns an independent copy of the model.
func (m *Model) Clone() *Model {
	c := newShell(m.cfg, nil)
	copy(c.params, m.params)
	return c
}

// VocabSize returns the number of token ids.
func (m *Model) VocabSize() int { return m.cfg.Vocab }

// ContextLength returns the longest sequence the model reads.
func (m *Model) ContextLength() int { return m.cfg.Context }

// Logits returns the len(tokens)×Vocab matrix of next-token logits after
// every prefix of tokens (policy.Policy). Sequences longer than the context
// are an error.
func (m *Model) Logits(tokens []int) (*mat.Dense, error) {
	if err := policy.CheckTokens(tokens, m.cfg.Vocab, m.cfg.Context); err != nil {
		return nil, err
	}
	tr := m.forward([][]int{tokens})
	return mat.NewDense(len(tokens), m.cfg.Vocab, tr.logits), nil
}
