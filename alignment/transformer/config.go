// Package transformer is a small decoder-only transformer (GPT-2 style:
// learned or sinusoidal positions, pre-LayerNorm blocks of causal
// multi-head self-attention and a GELU MLP, tied or untied output) with a
// native, hand-written backward pass. It trains with Adam, samples through
// package policy, and exposes what influence methods need: per-example
// gradients and, for every linear map, the per-token inputs a_t and output
// gradients s_t whose outer products make up the gradient (the statistics
// of K-FAC and EK-FAC).
//
// All matrix products go through gonum's blas64, so the BLAS
// implementation chosen at build time applies.
package transformer

import (
	"fmt"
)

// Positions selects how token positions enter the model.
type Positions int

const (
	// LearnedPositions adds a trained embedding per position (GPT-2).
	LearnedPositions Positions = iota
	// SinusoidalPositions adds the fixed sine/cosine code of Vaswani et
	// al. 2017, §3.5: PE(p, 2i) = sin(p/10000^(2i/d)), PE(p, 2i+1) =
	// cos(p/10000^(2i/d)).
	SinusoidalPositions
)

// Config describes a model. Only Vocab is required; the defaults give the
// default model: 134k parameters over the 400-token BPE vocabulary of the
// tasks corpus, which the default TrainConfig (300 steps) takes to a
// held-out loss of 0.2 nats per token in about 50 CPU-seconds.
type Config struct {
	// Vocab is the number of token ids.
	Vocab int
	// Context is the longest sequence the model reads; 0 means 128.
	Context int
	// Layers is the number of transformer blocks; 0 means 2.
	Layers int
	// Heads is the number of attention heads; 0 means 4. Width must be a
	// multiple of Heads.
	Heads int
	// Width is the model (residual stream) width d; 0 means 64.
	Width int
	// Hidden is the MLP width; 0 means 4·Width.
	Hidden int
	// Positions selects learned (the zero value) or sinusoidal positions.
	Positions Positions
	// UntiedOutput gives the unembedding its own weights; by default it is
	// the transpose of the token embedding.
	UntiedOutput bool
	// InitScale is the standard deviation of the initial weights; 0 means
	// 0.02. Output projections of residual branches are scaled by
	// 1/sqrt(2·Layers) (GPT-2).
	InitScale float64
	// Seed seeds the initial weights.
	Seed uint64
}

// withDefaults returns c with zero fields replaced by their defaults, or an
// error naming an invalid field.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Context, 128)
	def(&c.Layers, 2)
	def(&c.Heads, 4)
	def(&c.Width, 64)
	def(&c.Hidden, 4*c.Width)
	if c.InitScale == 0 {
		c.InitScale = 0.02
	}
	switch {
	case c.Vocab <= 0:
		return c, fmt.Errorf("transformer: Vocab %d must be positive", c.Vocab)
	case c.Context < 0 || c.Layers < 0 || c.Heads < 0 || c.Width < 0 || c.Hidden < 0:
		return c, fmt.Errorf("transformer: negative size in %+v", c)
	case c.Vocab > 1<<22 || c.Context > 1<<20 || c.Layers > 1<<10 || c.Width > 1<<16 || c.Hidden > 1<<18:
		return c, fmt.Errorf("transformer: configuration %+v is implausibly large", c)
	case c.Width%c.Heads != 0:
		return c, fmt.Errorf("transformer: Width %d is not a multiple of Heads %d", c.Width, c.Heads)
	case c.Positions != LearnedPositions && c.Positions != SinusoidalPositions:
		return c, fmt.Errorf("transformer: unknown Positions %d", c.Positions)
	case c.Positions == SinusoidalPositions && c.Width%2 != 0:
		return c, fmt.Errorf("transformer: sinusoidal positions need an even Width, not %d", c.Width)
	case !(c.InitScale > 0):
		return c, fmt.Errorf("transformer: InitScale %v must be positive", c.InitScale)
	}
	return c, nil
}
