package transformer

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/policy"
)

// stream decodes one sequence incrementally, keeping every layer's keys
// and values (a KV cache): each Append costs O(layers·(d² + d·h + t·d)).
type stream struct {
	m      *Model
	keys   [][]float64 // per layer: t×d
	values [][]float64
	n      int
}

// NewStream starts incremental decoding (policy.Streamer); its logits equal
// those of Logits on the same tokens.
func (m *Model) NewStream() policy.Stream {
	return &stream{m: m, keys: make([][]float64, m.cfg.Layers), values: make([][]float64, m.cfg.Layers)}
}

// Len returns the number of tokens fed so far.
func (s *stream) Len() int { return s.n }

// Append feeds token and returns the next-token logits.
func (s *stream) Append(token int) ([]float64, error) {
	m := s.m
	cfg := m.cfg
	d, heads := cfg.Width, cfg.Heads
	if token < 0 || token >= cfg.Vocab {
		return nil, fmt.Errorf("transformer: token %d at position %d is outside the vocabulary of %d ids", token, s.n, cfg.Vocab)
	}
	if s.n >= cfg.Context {
		return nil, fmt.Errorf("transformer: context window of %d tokens is full", cfg.Context)
	}
	x := make([]float64, d)
	m.embedRow(token, s.n, x)
	dh := d / heads
	scale := 1 / math.Sqrt(float64(dh))
	ln, q, k, v := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	att, mid := make([]float64, d), make([]float64, d)
	act := make([]float64, cfg.Hidden)
	scores := make([]float64, s.n+1)
	for l := range m.w.layers {
		lw := &m.w.layers[l]
		layerNorm(x, 1, d, lw.ln1Gain, lw.ln1Bias, ln, nil, nil)
		lw.q.forward(ln, 1, q)
		lw.k.forward(ln, 1, k)
		lw.v.forward(ln, 1, v)
		s.keys[l] = append(s.keys[l], k...)
		s.values[l] = append(s.values[l], v...)
		keys, values := s.keys[l], s.values[l]
		for hd := 0; hd < heads; hd++ {
			c := hd * dh
			for j := range scores {
				var dot float64
				for i, qi := range q[c : c+dh] {
					dot += qi * keys[j*d+c+i]
				}
				scores[j] = dot * scale
			}
			softmaxInPlace(scores)
			out := att[c : c+dh]
			clear(out)
			for j, p := range scores {
				for i := range out {
					out[i] += p * values[j*d+c+i]
				}
			}
		}
		lw.o.forward(att, 1, mid)
		for i := range mid {
			mid[i] += x[i]
		}
		layerNorm(mid, 1, d, lw.ln2Gain, lw.ln2Bias, ln, nil, nil)
		lw.mlpIn.forward(ln, 1, act)
		for i, a := range act {
			act[i] = gelu(a)
		}
		lw.mlpOut.forward(act, 1, x)
		for i := range x {
			x[i] += mid[i]
		}
	}
	layerNorm(x, 1, d, m.w.lnfGain, m.w.lnfBias, ln, nil, nil)
	logits := make([]float64, cfg.Vocab)
	m.w.unembed.forward(ln, 1, logits)
	s.n++
	return logits, nil
}
