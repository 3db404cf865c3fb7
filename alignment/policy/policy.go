// Package policy defines what the alignment methods act on: an
// autoregressive language model that gives next-token logits for a token
// context. It also scores responses (log π(y|x), per token and summed) and
// samples from any such model with temperature, top-k and top-p, seeded and
// batched.
//
// Any model exposing logits implements Policy: the native transformer of
// package transformer, a llama2.c checkpoint loaded by package checkpoint,
// or a model written in a notebook cell.
package policy

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/internal/parallel"
)

// Policy is an autoregressive language model over the token ids
// 0..VocabSize()-1. Implementations must be safe for concurrent calls of
// Logits: the batched functions of this package call it from several
// goroutines.
type Policy interface {
	// VocabSize returns the number of token ids.
	VocabSize() int
	// ContextLength returns the longest token sequence Logits accepts; 0
	// means unlimited.
	ContextLength() int
	// Logits returns the len(tokens)×VocabSize() matrix whose row t holds
	// the logits of the token that follows tokens[:t+1]. It returns an error
	// for an empty sequence, an id outside the vocabulary, or a sequence
	// longer than ContextLength().
	Logits(tokens []int) (*mat.Dense, error)
}

// Stream is the incremental form of a policy's forward pass: it keeps the
// state (for a transformer, the attention keys and values) of the tokens
// fed so far, so generating n tokens costs O(n) steps rather than O(n²).
type Stream interface {
	// Append feeds the next token and returns the logits of the token that
	// follows it. The returned slice is owned by the caller.
	Append(token int) ([]float64, error)
	// Len returns the number of tokens fed so far.
	Len() int
}

// Streamer is implemented by policies with an incremental forward pass.
// Sampling uses it when available; its logits equal those of Logits.
type Streamer interface {
	Policy
	// NewStream starts an empty stream.
	NewStream() Stream
}

// Context is what a response is conditioned on: an optional principle
// (the system prompt, e.g. the tokens of "Be concise.") followed by the
// prompt. The model sees the concatenation Principle ++ Prompt.
type Context struct {
	Principle []int
	Prompt    []int
}

// Tokens returns Principle followed by Prompt in a new slice.
func (c Context) Tokens() []int {
	t := make([]int, 0, len(c.Principle)+len(c.Prompt))
	t = append(t, c.Principle...)
	return append(t, c.Prompt...)
}

// CheckTokens returns an error naming the first id outside 0..vocab-1 or the
// excess length when the sequence is longer than window (0: unlimited).
func CheckTokens(tokens []int, vocab, window int) error {
	if len(tokens) == 0 {
		return fmt.Errorf("policy: empty token sequence")
	}
	if window > 0 && len(tokens) > window {
		return fmt.Errorf("policy: %d tokens exceed the context window of %d", len(tokens), window)
	}
	for i, t := range tokens {
		if t < 0 || t >= vocab {
			return fmt.Errorf("policy: token %d at position %d is outside the vocabulary of %d ids", t, i, vocab)
		}
	}
	return nil
}

// NextLogits returns the next-token logits of each context: row i of the
// len(contexts)×VocabSize matrix follows contexts[i].Tokens(). Contexts are
// evaluated concurrently, one goroutine per core.
func NextLogits(p Policy, contexts []Context) (*mat.Dense, error) {
	if len(contexts) == 0 {
		return nil, fmt.Errorf("policy: no contexts")
	}
	out := mat.NewDense(len(contexts), p.VocabSize(), nil)
	err := parallel.For(len(contexts), func(i int) error {
		l, err := p.Logits(contexts[i].Tokens())
		if err != nil {
			return fmt.Errorf("context %d: %w", i, err)
		}
		n, _ := l.Dims()
		out.SetRow(i, l.RawRowView(n-1))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
