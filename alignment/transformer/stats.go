package transformer

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/policy"
)

// validateAll checks every sequence and names the first bad one.
func (m *Model) validateAll(seqs []Sequence) error {
	if len(seqs) == 0 {
		return fmt.Errorf("transformer: no sequences")
	}
	for i, s := range seqs {
		if err := s.validate(m.cfg.Vocab, m.cfg.Context); err != nil {
			return fmt.Errorf("sequence %d: %w", i, err)
		}
	}
	return nil
}

// Loss returns the mean weighted next-token negative log-likelihood (in
// nats) over seqs: Σ w_t·(−log p(y_t | y_<t)) / Σ w_t. Sequences are
// evaluated in batches on all cores; the loop stops with
// job.ErrInterrupted when the running cell is interrupted.
func (m *Model) Loss(seqs []Sequence) (float64, error) {
	if err := m.validateAll(seqs); err != nil {
		return 0, err
	}
	const batch = 16
	nb := (len(seqs) + batch - 1) / batch
	losses, weights := make([]float64, nb), make([]float64, nb)
	t := job.Start("evaluating loss", nb)
	err := parallel.For(nb, func(b int) error {
		if err := t.Step(1); err != nil {
			return err
		}
		part := seqs[b*batch : min((b+1)*batch, len(seqs))]
		tr := m.forward(inputs(part))
		losses[b], weights[b] = crossEntropy(part, tr.logits, m.cfg.Vocab)
		return nil
	})
	t.Done(err)
	if err != nil {
		return 0, err
	}
	var l, w float64
	for b := range losses {
		l += losses[b]
		w += weights[b]
	}
	if w == 0 {
		return 0, fmt.Errorf("transformer: sequences have zero total weight")
	}
	return l / w, nil
}

// Gradient returns the gradient of one sequence's summed weighted loss
// Σ_t w_t·(−log p(y_t | y_<t)) with respect to the flat parameters (laid
// out as Blocks), and that loss. For a tied output the embed block holds
// the sum of the lookup and unembedding gradients.
func (m *Model) Gradient(seq Sequence) ([]float64, float64, error) {
	if err := seq.validate(m.cfg.Vocab, m.cfg.Context); err != nil {
		return nil, 0, err
	}
	grad := make([]float64, len(m.params))
	g, _, _, _ := bind(m.cfg, grad)
	_, loss, _ := m.lossGrad([]Sequence{seq}, g, nil)
	return grad, loss, nil
}

// LinearStats are the K-FAC statistics of one linear map y = W x + b over
// the T predicted positions of a sequence: row t of Inputs is a_t, the
// input of the map at position t, and row t of OutputGrads is s_t =
// ∂L/∂y_t for the sequence's summed weighted loss L. The weight gradient
// is ∂L/∂W = Σ_t s_t a_tᵀ = OutputGradsᵀ·Inputs and the bias gradient
// Σ_t s_t (Grosse et al. 2023, §2.2; factors A = E[a aᵀ], S = E[s sᵀ]).
type LinearStats struct {
	Linear
	Inputs      *mat.Dense // T×In
	OutputGrads *mat.Dense // T×Out
}

// LinearStatistics returns the LinearStats of every linear map (attention
// q, k, v, o; MLP in, out; unembedding) for one sequence, in Linears order.
// With a tied output, the unembedding's statistics cover only its use as
// the output map, not the embedding lookup. For the true Fisher, pass a
// sequence whose Targets were sampled from the model (SampleTargets).
func (m *Model) LinearStatistics(seq Sequence) ([]LinearStats, error) {
	if err := seq.validate(m.cfg.Vocab, m.cfg.Context); err != nil {
		return nil, err
	}
	stats := make([]LinearStats, len(m.linears))
	t := len(seq.Tokens) - 1
	for i, l := range m.linears {
		stats[i] = LinearStats{Linear: l, OutputGrads: mat.NewDense(t, l.Out, nil)}
	}
	scratch := make([]float64, len(m.params))
	g, _, _, _ := bind(m.cfg, scratch)
	tr, _, _ := m.lossGrad([]Sequence{seq}, g, func(i int, dy []float64) {
		copy(stats[i].OutputGrads.RawMatrix().Data, dy)
	})
	const perLayer = 6
	for l, lt := range tr.layers {
		for j, x := range [][]float64{lt.ln1, lt.ln1, lt.ln1, lt.att, lt.ln2, lt.act} {
			s := &stats[perLayer*l+j]
			s.Inputs = mat.NewDense(t, s.In, x)
		}
	}
	stats[len(stats)-1].Inputs = mat.NewDense(t, m.cfg.Width, tr.lnf)
	return stats, nil
}

// SampleTargets returns seq with Targets drawn from the model's own
// next-token distribution at every position (seeded), the labels of the
// true Fisher information.
func (m *Model) SampleTargets(seq Sequence, seed uint64) (Sequence, error) {
	if err := seq.validate(m.cfg.Vocab, m.cfg.Context); err != nil {
		return Sequence{}, err
	}
	in := seq.Tokens[:len(seq.Tokens)-1]
	logits, err := m.Logits(in)
	if err != nil {
		return Sequence{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xf15e))
	out := Sequence{Tokens: seq.Tokens, Weights: seq.Weights, Targets: make([]int, len(in))}
	for i := range in {
		out.Targets[i] = policy.Draw(policy.Distribution(logits.RawRowView(i), policy.SampleConfig{}), rng)
	}
	return out, nil
}
