// Package checkpoint loads small language models saved in the format of
// Karpathy's llama2.c (run.c): a Llama-2 architecture with RMSNorm, rotary
// position embeddings (RoPE), multi-head (optionally grouped-query)
// attention and a SwiGLU feed-forward network, and its SentencePiece-style
// tokenizer.bin. The loaded model is inference only and implements
// policy.Policy and policy.Streamer.
package checkpoint

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	_ "github.com/golign/golign/alignment/backend" // BLAS chosen at build time
	"github.com/golign/golign/alignment/policy"
)

// exportMagic ("ak42") starts the versioned exports of llama2.c's
// export.py, which this package does not read.
const exportMagic = 0x616b3432

// Config is the header of a llama2.c checkpoint: seven little-endian int32
// values in this order.
type Config struct {
	// Dim is the model width; HiddenDim the SwiGLU width.
	Dim, HiddenDim int
	// Layers, Heads and KVHeads count blocks, query heads and key/value
	// heads (KVHeads < Heads is grouped-query attention).
	Layers, Heads, KVHeads int
	// Vocab is the vocabulary size; SeqLen the longest sequence.
	Vocab, SeqLen int
	// SharedClassifier tells whether the output classifier is the token
	// embedding; the file says so with a positive vocabulary size, and
	// stores a separate classifier after the other weights when it is
	// negative.
	SharedClassifier bool
}

// HeadSize returns Dim/Heads.
func (c Config) HeadSize() int { return c.Dim / c.Heads }

// KVDim returns the width of keys and values, KVHeads·HeadSize.
func (c Config) KVDim() int { return c.KVHeads * c.HeadSize() }

func (c Config) validate() error {
	switch {
	case c.Dim <= 0 || c.HiddenDim <= 0 || c.Layers <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.Vocab <= 0 || c.SeqLen <= 0:
		return fmt.Errorf("checkpoint: header %+v has a non-positive size", c)
	case c.Dim%c.Heads != 0:
		return fmt.Errorf("checkpoint: dim %d is not a multiple of n_heads %d", c.Dim, c.Heads)
	case c.HeadSize()%2 != 0:
		return fmt.Errorf("checkpoint: head size %d is odd, RoPE needs pairs", c.HeadSize())
	case c.Heads%c.KVHeads != 0:
		return fmt.Errorf("checkpoint: n_heads %d is not a multiple of n_kv_heads %d", c.Heads, c.KVHeads)
	case c.Dim > 1<<16 || c.HiddenDim > 1<<18 || c.Layers > 1<<10 || c.Vocab > 1<<20 || c.SeqLen > 1<<20:
		return fmt.Errorf("checkpoint: header %+v is implausibly large", c)
	}
	return nil
}

// numWeights returns the number of float32 values the file must hold after
// the header, in llama2.c's order.
func (c Config) numWeights() int64 {
	d, h, l, kv := int64(c.Dim), int64(c.HiddenDim), int64(c.Layers), int64(c.KVDim())
	n := int64(c.Vocab)*d + l*d + l*d*d + 2*l*d*kv + l*d*d + l*d + 3*l*d*h + d + int64(c.SeqLen)*int64(c.HeadSize())
	if !c.SharedClassifier {
		n += int64(c.Vocab) * d
	}
	return n
}

// layer holds one block's weights, each a row-major out×in matrix.
type layer struct {
	attnNorm, ffnNorm []float64 // Dim
	wq, wk, wv, wo    []float64 // Dim×Dim, KVDim×Dim, KVDim×Dim, Dim×Dim
	w1, w2, w3        []float64 // Hidden×Dim, Dim×Hidden, Hidden×Dim
}

// Model is a loaded llama2.c checkpoint. It is safe for concurrent use.
type Model struct {
	cfg        Config
	embed      []float64 // Vocab×Dim
	layers     []layer
	finalNorm  []float64
	classifier []float64 // Vocab×Dim (the embedding when shared)
}

// Config returns the checkpoint's header.
func (m *Model) Config() Config { return m.cfg }

// VocabSize returns the vocabulary size.
func (m *Model) VocabSize() int { return m.cfg.Vocab }

// ContextLength returns the checkpoint's sequence length.
func (m *Model) ContextLength() int { return m.cfg.SeqLen }

// LoadFile reads a checkpoint from the named file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Load reads a llama2.c checkpoint (the "legacy" version-0 export of
// export.py): the Config header as seven int32, then float32 weights in
// the order token embedding, attention RMSNorm weights, wq, wk, wv, wo,
// FFN RMSNorm weights, w1, w2, w3 (each stacked over layers), final
// RMSNorm weight, two unused RoPE tables of SeqLen·HeadSize/2 values, and
// the classifier when it is not shared. A header with impossible sizes, a
// truncated file, trailing data or non-finite weights are errors.
func Load(r io.Reader) (*Model, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var head [7]int32
	if err := binary.Read(br, binary.LittleEndian, &head); err != nil {
		return nil, fmt.Errorf("checkpoint: header: %w", truncated(err))
	}
	if uint32(head[0]) == exportMagic {
		return nil, fmt.Errorf("checkpoint: file starts with the magic of llama2.c's versioned export (version %d); only the legacy format (export.py --version 0) is supported", head[1])
	}
	cfg := Config{Dim: int(head[0]), HiddenDim: int(head[1]), Layers: int(head[2]), Heads: int(head[3]), KVHeads: int(head[4]), Vocab: int(head[5]), SeqLen: int(head[6])}
	cfg.SharedClassifier = cfg.Vocab > 0
	if cfg.Vocab < 0 {
		cfg.Vocab = -cfg.Vocab
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg}
	// read reads n float32 values; the slice grows as data arrives, so a
	// truncated file whose header claims a huge model fails without
	// allocating it.
	read := func(name string, n int) ([]float64, error) {
		out := make([]float64, 0, min(n, 1<<20))
		buf := make([]byte, 4*min(n, 1<<14))
		for len(out) < n {
			k := min(n-len(out), len(buf)/4)
			if _, err := io.ReadFull(br, buf[:4*k]); err != nil {
				return nil, fmt.Errorf("checkpoint: %s: %w", name, truncated(err))
			}
			for i := 0; i < k; i++ {
				v := float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("checkpoint: %s: value %d is %v", name, len(out), v)
				}
				out = append(out, v)
			}
		}
		return out, nil
	}
	d, h, kv, l := cfg.Dim, cfg.HiddenDim, cfg.KVDim(), cfg.Layers
	type tensor struct {
		name string
		n    int
		dst  *[]float64
	}
	var attnNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3, ropeTables []float64
	tensors := []tensor{
		{"token_embedding_table", cfg.Vocab * d, &m.embed},
		{"rms_att_weight", l * d, &attnNorm},
		{"wq", l * d * d, &wq},
		{"wk", l * kv * d, &wk},
		{"wv", l * kv * d, &wv},
		{"wo", l * d * d, &wo},
		{"rms_ffn_weight", l * d, &ffnNorm},
		{"w1", l * h * d, &w1},
		{"w2", l * d * h, &w2},
		{"w3", l * h * d, &w3},
		{"rms_final_weight", d, &m.finalNorm},
		{"freq_cis (unused)", cfg.SeqLen * cfg.HeadSize(), &ropeTables},
	}
	if !cfg.SharedClassifier {
		tensors = append(tensors, tensor{"wcls", cfg.Vocab * d, &m.classifier})
	}
	for _, t := range tensors {
		v, err := read(t.name, t.n)
		if err != nil {
			return nil, err
		}
		*t.dst = v
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("checkpoint: data after the %d weights the header %+v describes (wrong header or format version?)", cfg.numWeights(), cfg)
	}
	if cfg.SharedClassifier {
		m.classifier = m.embed
	}
	m.layers = make([]layer, l)
	for i := range m.layers {
		m.layers[i] = layer{
			attnNorm: attnNorm[i*d : (i+1)*d],
			ffnNorm:  ffnNorm[i*d : (i+1)*d],
			wq:       wq[i*d*d : (i+1)*d*d],
			wk:       wk[i*kv*d : (i+1)*kv*d],
			wv:       wv[i*kv*d : (i+1)*kv*d],
			wo:       wo[i*d*d : (i+1)*d*d],
			w1:       w1[i*h*d : (i+1)*h*d],
			w2:       w2[i*d*h : (i+1)*d*h],
			w3:       w3[i*h*d : (i+1)*h*d],
		}
	}
	return m, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("file is truncated")
	}
	return err
}

// Logits returns the len(tokens)×Vocab next-token logits after every
// prefix (policy.Policy), computed by a stream.
func (m *Model) Logits(tokens []int) (*mat.Dense, error) {
	if err := policy.CheckTokens(tokens, m.cfg.Vocab, m.cfg.SeqLen); err != nil {
		return nil, err
	}
	out := mat.NewDense(len(tokens), m.cfg.Vocab, nil)
	s := m.NewStream()
	for i, t := range tokens {
		l, err := s.Append(t)
		if err != nil {
			return nil, err
		}
		out.SetRow(i, l)
	}
	return out, nil
}

// stream is llama2.c's forward pass: one token at a time with a key/value
// cache per layer.
type stream struct {
	m            *Model
	keys, values [][]float64 // per layer: t×KVDim
	n            int
}

// NewStream starts incremental decoding (policy.Streamer).
func (m *Model) NewStream() policy.Stream {
	return &stream{m: m, keys: make([][]float64, m.cfg.Layers), values: make([][]float64, m.cfg.Layers)}
}

// Len returns the number of tokens fed.
func (s *stream) Len() int { return s.n }

// matVec sets y = W x for the row-major rows×cols matrix W.
func matVec(w []float64, rows, cols int, x, y []float64) {
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: rows, Cols: cols, Stride: cols, Data: w},
		blas64.Vector{N: cols, Inc: 1, Data: x}, 0, blas64.Vector{N: rows, Inc: 1, Data: y})
}

// rmsNorm sets y = weight ⊙ x / sqrt(mean(x²) + 1e-5) (Zhang & Sennrich
// 2019), as llama2.c computes it.
func rmsNorm(x, weight, y []float64) {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	s := 1 / math.Sqrt(ss/float64(len(x))+1e-5)
	for i, v := range x {
		y[i] = weight[i] * s * v
	}
}

// rope rotates each pair (v[i], v[i+1]) by the angle pos·10000^(−(i mod
// headSize)/headSize) (Su et al. 2021, eq. 34, pairing adjacent
// coordinates as llama2.c does).
func rope(v []float64, pos, headSize int) {
	for i := 0; i < len(v); i += 2 {
		freq := 1 / math.Pow(10000, float64(i%headSize)/float64(headSize))
		sin, cos := math.Sincos(float64(pos) * freq)
		a, b := v[i], v[i+1]
		v[i] = a*cos - b*sin
		v[i+1] = a*sin + b*cos
	}
}

// Append feeds one token and returns the logits of the next.
func (s *stream) Append(token int) ([]float64, error) {
	m := s.m
	c := m.cfg
	if token < 0 || token >= c.Vocab {
		return nil, fmt.Errorf("checkpoint: token %d at position %d is outside the vocabulary of %d ids", token, s.n, c.Vocab)
	}
	if s.n >= c.SeqLen {
		return nil, fmt.Errorf("checkpoint: context window of %d tokens is full", c.SeqLen)
	}
	d, kvDim, hs := c.Dim, c.KVDim(), c.HeadSize()
	group := c.Heads / c.KVHeads
	x := append([]float64(nil), m.embed[token*d:(token+1)*d]...)
	xb, q, att, proj := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	k, v := make([]float64, kvDim), make([]float64, kvDim)
	hb, hb3 := make([]float64, c.HiddenDim), make([]float64, c.HiddenDim)
	scores := make([]float64, s.n+1)
	scale := 1 / math.Sqrt(float64(hs))
	for li := range m.layers {
		w := &m.layers[li]
		rmsNorm(x, w.attnNorm, xb)
		matVec(w.wq, d, d, xb, q)
		matVec(w.wk, kvDim, d, xb, k)
		matVec(w.wv, kvDim, d, xb, v)
		rope(q, s.n, hs)
		rope(k, s.n, hs)
		s.keys[li] = append(s.keys[li], k...)
		s.values[li] = append(s.values[li], v...)
		keys, values := s.keys[li], s.values[li]
		for h := 0; h < c.Heads; h++ {
			qh := q[h*hs : (h+1)*hs]
			kvo := (h / group) * hs
			for t := range scores {
				var dot float64
				for i, qi := range qh {
					dot += qi * keys[t*kvDim+kvo+i]
				}
				scores[t] = dot * scale
			}
			policy.LogSoftmax(scores, scores)
			out := att[h*hs : (h+1)*hs]
			clear(out)
			for t, lp := range scores {
				p := math.Exp(lp)
				for i := range out {
					out[i] += p * values[t*kvDim+kvo+i]
				}
			}
		}
		matVec(w.wo, d, d, att, proj)
		for i := range x {
			x[i] += proj[i]
		}
		rmsNorm(x, w.ffnNorm, xb)
		matVec(w.w1, c.HiddenDim, d, xb, hb)
		matVec(w.w3, c.HiddenDim, d, xb, hb3)
		for i, a := range hb {
			hb[i] = a / (1 + math.Exp(-a)) * hb3[i] // SwiGLU: silu(W1 x) ⊙ W3 x
		}
		matVec(w.w2, d, c.HiddenDim, hb, proj)
		for i := range x {
			x[i] += proj[i]
		}
	}
	rmsNorm(x, m.finalNorm, xb)
	logits := make([]float64, c.Vocab)
	matVec(m.classifier, c.Vocab, d, xb, logits)
	s.n++
	return logits, nil
}
