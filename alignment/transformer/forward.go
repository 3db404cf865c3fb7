package transformer

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// layerTrace holds one block's activations for the backward pass.
type layerTrace struct {
	in                  []float64 // n×d residual stream entering the block
	ln1, ln1Hat, ln1Std []float64 // LayerNorm output, x̂ (n×d), 1/σ (n)
	q, k, v             []float64 // n×d
	probs               []float64 // attention weights: per sequence, per head, T×T
	att                 []float64 // n×d heads' outputs, input of the o map
	mid                 []float64 // n×d residual stream after attention
	ln2, ln2Hat, ln2Std []float64
	pre, act            []float64 // n×h MLP pre-activation and GELU output
}

// trace holds the activations of a forward pass over a batch of
// sequences stacked row-wise: sequence s occupies rows offsets[s] to
// offsets[s+1]-1.
type trace struct {
	seqs    [][]int
	offsets []int
	n       int
	layers  []layerTrace
	out     []float64 // n×d residual stream after the last block
	lnfHat  []float64
	lnfStd  []float64
	lnf     []float64 // n×d final LayerNorm output, input of the unembedding
	logits  []float64 // n×V
}

// probOffset returns where sequence s's attention weights start in
// layerTrace.probs.
func (tr *trace) probOffset(s, heads int) int {
	o := 0
	for i := 0; i < s; i++ {
		t := len(tr.seqs[i])
		o += heads * t * t
	}
	return o
}

// embed returns the n×d input of the first block: token embedding plus
// position code.
func (m *Model) embed(seqs [][]int, n int) []float64 {
	d := m.cfg.Width
	x := make([]float64, n*d)
	r := 0
	for _, s := range seqs {
		for p, tok := range s {
			m.embedRow(tok, p, x[r*d:(r+1)*d])
			r++
		}
	}
	return x
}

// embedRow writes the embedding of token tok at position p into dst.
func (m *Model) embedRow(tok, p int, dst []float64) {
	d := m.cfg.Width
	pos := m.w.position
	if pos == nil {
		pos = m.sinusoidal
	}
	copy(dst, m.w.embed[tok*d:(tok+1)*d])
	for j, v := range pos[p*d : (p+1)*d] {
		dst[j] += v
	}
}

// forward runs the model over seqs (each valid and within the context).
func (m *Model) forward(seqs [][]int) *trace {
	cfg := m.cfg
	d, h, heads := cfg.Width, cfg.Hidden, cfg.Heads
	tr := &trace{seqs: seqs, offsets: make([]int, len(seqs)+1)}
	probs := 0
	for i, s := range seqs {
		tr.offsets[i+1] = tr.offsets[i] + len(s)
		probs += heads * len(s) * len(s)
	}
	n := tr.offsets[len(seqs)]
	tr.n = n
	x := m.embed(seqs, n)
	tr.layers = make([]layerTrace, cfg.Layers)
	for l := range tr.layers {
		lw := &m.w.layers[l]
		lt := &tr.layers[l]
		lt.in = x
		lt.ln1, lt.ln1Hat, lt.ln1Std = make([]float64, n*d), make([]float64, n*d), make([]float64, n)
		layerNorm(x, n, d, lw.ln1Gain, lw.ln1Bias, lt.ln1, lt.ln1Hat, lt.ln1Std)
		lt.q, lt.k, lt.v = make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
		lw.q.forward(lt.ln1, n, lt.q)
		lw.k.forward(lt.ln1, n, lt.k)
		lw.v.forward(lt.ln1, n, lt.v)
		lt.probs = make([]float64, probs)
		lt.att = make([]float64, n*d)
		m.attend(tr, lt)
		lt.mid = make([]float64, n*d)
		lw.o.forward(lt.att, n, lt.mid)
		for i, v := range x {
			lt.mid[i] += v
		}
		lt.ln2, lt.ln2Hat, lt.ln2Std = make([]float64, n*d), make([]float64, n*d), make([]float64, n)
		layerNorm(lt.mid, n, d, lw.ln2Gain, lw.ln2Bias, lt.ln2, lt.ln2Hat, lt.ln2Std)
		lt.pre, lt.act = make([]float64, n*h), make([]float64, n*h)
		lw.mlpIn.forward(lt.ln2, n, lt.pre)
		for i, v := range lt.pre {
			lt.act[i] = gelu(v)
		}
		x = make([]float64, n*d)
		lw.mlpOut.forward(lt.act, n, x)
		for i, v := range lt.mid {
			x[i] += v
		}
	}
	tr.out = x
	tr.lnf, tr.lnfHat, tr.lnfStd = make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	layerNorm(x, n, d, m.w.lnfGain, m.w.lnfBias, tr.lnf, tr.lnfHat, tr.lnfStd)
	tr.logits = make([]float64, n*cfg.Vocab)
	m.w.unembed.forward(tr.lnf, n, tr.logits)
	return tr
}

// attend computes causal multi-head self-attention (Vaswani et al. 2017,
// eq. 1): per sequence and head, P = softmax(Q Kᵀ/sqrt(d_head)) with
// future positions masked, and output P V written to the head's columns of
// lt.att.
func (m *Model) attend(tr *trace, lt *layerTrace) {
	d, heads := m.cfg.Width, m.cfg.Heads
	dh := d / heads
	scale := 1 / math.Sqrt(float64(dh))
	po := 0
	for s, seq := range tr.seqs {
		t, o := len(seq), tr.offsets[s]*d
		for hd := 0; hd < heads; hd++ {
			c := o + hd*dh
			p := lt.probs[po : po+t*t]
			po += t * t
			blas64.Gemm(blas.NoTrans, blas.Trans, scale, matrix(lt.q[c:], t, dh, d), matrix(lt.k[c:], t, dh, d), 0, matrix(p, t, t, t))
			for i := 0; i < t; i++ {
				softmaxInPlace(p[i*t : i*t+i+1])
				clear(p[i*t+i+1 : (i+1)*t])
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, matrix(p, t, t, t), matrix(lt.v[c:], t, dh, d), 0, matrix(lt.att[c:], t, dh, d))
		}
	}
}

// attendBackward turns the gradient datt of the heads' outputs into the
// gradients dq, dk, dv (n×d, overwritten). With dP = dO Vᵀ: dV = Pᵀ dO,
// dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS K/sqrt(d_head), dK = dSᵀ
// Q/sqrt(d_head).
func (m *Model) attendBackward(tr *trace, lt *layerTrace, datt, dq, dk, dv []float64) {
	d, heads := m.cfg.Width, m.cfg.Heads
	dh := d / heads
	scale := 1 / math.Sqrt(float64(dh))
	po := 0
	var dp []float64
	for s, seq := range tr.seqs {
		t, o := len(seq), tr.offsets[s]*d
		if cap(dp) < t*t {
			dp = make([]float64, t*t)
		}
		dp = dp[:t*t]
		for hd := 0; hd < heads; hd++ {
			c := o + hd*dh
			p := lt.probs[po : po+t*t]
			po += t * t
			dO := matrix(datt[c:], t, dh, d)
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, dO, matrix(lt.v[c:], t, dh, d), 0, matrix(dp, t, t, t))
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, matrix(p, t, t, t), dO, 0, matrix(dv[c:], t, dh, d))
			for i := 0; i < t; i++ {
				pr, dr := p[i*t:i*t+i+1], dp[i*t:(i+1)*t]
				var dot float64
				for j, pj := range pr {
					dot += pj * dr[j]
				}
				for j, pj := range pr {
					dr[j] = pj * (dr[j] - dot)
				}
				clear(dr[i+1:])
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, scale, matrix(dp, t, t, t), matrix(lt.k[c:], t, dh, d), 0, matrix(dq[c:], t, dh, d))
			blas64.Gemm(blas.Trans, blas.NoTrans, scale, matrix(dp, t, t, t), matrix(lt.q[c:], t, dh, d), 0, matrix(dk[c:], t, dh, d))
		}
	}
}
