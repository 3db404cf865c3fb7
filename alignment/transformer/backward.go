package transformer

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/policy"
)

// Sequence is one example for language-model training: position i of
// Tokens[:len−1] predicts Tokens[i+1] with weight Weights[i]. Weights is
// nil for weight 1 everywhere, or has len(Tokens)−1 entries (e.g. 0 over
// a prompt and 1 over the response, to train on responses only). Targets,
// when non-nil, replaces Tokens[1:] as the predicted tokens (e.g. tokens
// sampled from the model, for the true Fisher).
type Sequence struct {
	Tokens  []int
	Weights []float64
	Targets []int
}

// target returns the token predicted at position i.
func (s Sequence) target(i int) int {
	if s.Targets != nil {
		return s.Targets[i]
	}
	return s.Tokens[i+1]
}

// validate reports what is wrong with the sequence for a model of vocab
// ids and the given context.
func (s Sequence) validate(vocab, context int) error {
	if len(s.Tokens) < 2 {
		return fmt.Errorf("transformer: a sequence needs at least 2 tokens, has %d", len(s.Tokens))
	}
	if s.Weights != nil && len(s.Weights) != len(s.Tokens)-1 {
		return fmt.Errorf("transformer: %d weights for %d predicted tokens", len(s.Weights), len(s.Tokens)-1)
	}
	if s.Targets != nil {
		if len(s.Targets) != len(s.Tokens)-1 {
			return fmt.Errorf("transformer: %d targets for %d predicted tokens", len(s.Targets), len(s.Tokens)-1)
		}
		if err := policy.CheckTokens(s.Targets, vocab, 0); err != nil {
			return fmt.Errorf("transformer: targets: %w", err)
		}
	}
	if err := policy.CheckTokens(s.Tokens, vocab, context+1); err != nil {
		return fmt.Errorf("transformer: %w", err)
	}
	return nil
}

func (s Sequence) weight(i int) float64 {
	if s.Weights == nil {
		return 1
	}
	return s.Weights[i]
}

// crossEntropy returns Σ_t w_t·(−log softmax(logits_t)[y_t]) over the
// batch and the total weight, and overwrites logits with the gradient of
// that sum, w_t·(softmax(logits_t) − onehot(y_t)).
func crossEntropy(seqs []Sequence, logits []float64, vocab int) (loss, weight float64) {
	r := 0
	for _, s := range seqs {
		for i := range len(s.Tokens) - 1 {
			y := s.target(i)
			row := logits[r*vocab : (r+1)*vocab]
			w := s.weight(i)
			lp := policy.LogSoftmax(row, row)
			loss -= w * lp[y]
			weight += w
			for j, v := range row {
				row[j] = w * math.Exp(v)
			}
			row[y] -= w
			r++
		}
	}
	return loss, weight
}

// inputs returns the token sequences the model reads: each Tokens[:len−1].
func inputs(seqs []Sequence) [][]int {
	in := make([][]int, len(seqs))
	for i, s := range seqs {
		in[i] = s.Tokens[:len(s.Tokens)-1]
	}
	return in
}

// lossGrad runs forward and backward passes over seqs, adds the gradient
// of the summed weighted loss to g (unless g has no storage) and returns
// the summed loss and total weight. When record is non-nil it receives,
// for each linear map (by index in Linears order), its output gradients
// (n×Out, valid only during the call).
func (m *Model) lossGrad(seqs []Sequence, g weights, record func(linear int, dy []float64)) (*trace, float64, float64) {
	tr := m.forward(inputs(seqs))
	loss, weight := crossEntropy(seqs, tr.logits, m.cfg.Vocab)
	m.backward(tr, tr.logits, g, record)
	return tr, loss, weight
}

// backward propagates dlogits (n×V) through the model, accumulating into
// the gradient views g.
func (m *Model) backward(tr *trace, dlogits []float64, g weights, record func(int, []float64)) {
	cfg := m.cfg
	n, d, h := tr.n, cfg.Width, cfg.Hidden
	if record == nil {
		record = func(int, []float64) {}
	}
	const perLayer = 6
	record(perLayer*cfg.Layers, dlogits)
	dlnf := make([]float64, n*d)
	m.w.unembed.backward(tr.lnf, dlogits, n, g.unembed, dlnf, false)
	dx := make([]float64, n*d)
	layerNormBackward(dlnf, tr.lnfHat, tr.lnfStd, n, d, m.w.lnfGain, g.lnfGain, g.lnfBias, dx)
	dact, dln := make([]float64, n*h), make([]float64, n*d)
	datt, dq, dk, dv := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	for l := cfg.Layers - 1; l >= 0; l-- {
		lw, gw, lt := &m.w.layers[l], &g.layers[l], &tr.layers[l]
		base := perLayer * l
		// MLP branch: out = mid + W_out·gelu(W_in·LN2(mid)).
		record(base+5, dx)
		lw.mlpOut.backward(lt.act, dx, n, gw.mlpOut, dact, false)
		for i, v := range lt.pre {
			dact[i] *= geluGrad(v)
		}
		record(base+4, dact)
		lw.mlpIn.backward(lt.ln2, dact, n, gw.mlpIn, dln, false)
		layerNormBackward(dln, lt.ln2Hat, lt.ln2Std, n, d, lw.ln2Gain, gw.ln2Gain, gw.ln2Bias, dx)
		// Attention branch: mid = in + W_o·attention(LN1(in)).
		record(base+3, dx)
		lw.o.backward(lt.att, dx, n, gw.o, datt, false)
		m.attendBackward(tr, lt, datt, dq, dk, dv)
		record(base, dq)
		record(base+1, dk)
		record(base+2, dv)
		lw.q.backward(lt.ln1, dq, n, gw.q, dln, false)
		lw.k.backward(lt.ln1, dk, n, gw.k, dln, true)
		lw.v.backward(lt.ln1, dv, n, gw.v, dln, true)
		layerNormBackward(dln, lt.ln1Hat, lt.ln1Std, n, d, lw.ln1Gain, gw.ln1Gain, gw.ln1Bias, dx)
	}
	r := 0
	for _, s := range tr.seqs {
		for p, tok := range s {
			row := dx[r*d : (r+1)*d]
			ge := g.embed[tok*d : (tok+1)*d]
			for j, v := range row {
				ge[j] += v
			}
			if g.position != nil {
				gp := g.position[p*d : (p+1)*d]
				for j, v := range row {
					gp[j] += v
				}
			}
			r++
		}
	}
}
