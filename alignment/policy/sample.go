package policy

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/golign/golign/alignment/internal/parallel"
)

// SampleConfig configures sampling. The zero value samples at temperature 1
// from the full distribution, up to 64 tokens, with seed 0.
type SampleConfig struct {
	// Temperature divides the logits; 0 means 1. Greedy overrides it.
	Temperature float64
	// Greedy picks the most likely token at every step.
	Greedy bool
	// TopK keeps only the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches TopP (nucleus sampling); 0 or 1 keeps all.
	TopP float64
	// MaxTokens bounds the response length; 0 means 64. Generation also
	// stops when the context window of the policy is full.
	MaxTokens int
	// StopTokens end a response; the stop token itself is not returned.
	StopTokens []int
	// Seed seeds the generator. Context i of a batch uses the stream
	// (Seed, i), so a response does not depend on the rest of the batch.
	Seed uint64
}

func (c SampleConfig) temperature() float64 {
	if c.Temperature == 0 {
		return 1
	}
	return c.Temperature
}

func (c SampleConfig) maxTokens() int {
	if c.MaxTokens == 0 {
		return 64
	}
	return c.MaxTokens
}

// Validate reports a negative or NaN setting.
func (c SampleConfig) Validate() error {
	switch {
	case !(c.Temperature >= 0):
		return fmt.Errorf("policy: sampling temperature %v must be ≥ 0", c.Temperature)
	case c.TopK < 0:
		return fmt.Errorf("policy: top-k %d must be ≥ 0", c.TopK)
	case !(c.TopP >= 0 && c.TopP <= 1):
		return fmt.Errorf("policy: top-p %v must be in [0, 1]", c.TopP)
	case c.MaxTokens < 0:
		return fmt.Errorf("policy: max tokens %d must be ≥ 0", c.MaxTokens)
	}
	return nil
}

// Distribution returns the sampling distribution of one step: the softmax
// of logits/temperature, restricted to the top-k tokens and then to the
// top-p nucleus (the smallest set of most likely tokens whose mass reaches
// p, Holtzman et al. 2020), renormalised. Ties at the top-k boundary are
// broken towards the lower token id. With Greedy it puts mass 1 on the
// most likely token.
func Distribution(logits []float64, cfg SampleConfig) []float64 {
	probs := make([]float64, len(logits))
	if cfg.Greedy {
		best := 0
		for i, l := range logits {
			if l > logits[best] {
				best = i
			}
		}
		probs[best] = 1
		return probs
	}
	t := cfg.temperature()
	scaled := make([]float64, len(logits))
	for i, l := range logits {
		scaled[i] = l / t
	}
	LogSoftmax(probs, scaled)
	for i := range probs {
		probs[i] = math.Exp(probs[i])
	}
	if (cfg.TopK == 0 || cfg.TopK >= len(probs)) && (cfg.TopP == 0 || cfg.TopP == 1) {
		return probs
	}
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	// Most likely first; equal probabilities keep token order.
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(probs[b], probs[a]); c != 0 {
			return c
		}
		return a - b
	})
	keep := len(order)
	if cfg.TopK > 0 && cfg.TopK < keep {
		keep = cfg.TopK
	}
	if cfg.TopP > 0 && cfg.TopP < 1 {
		var kept float64
		for _, i := range order[:keep] {
			kept += probs[i]
		}
		var mass float64
		for n, i := range order[:keep] {
			mass += probs[i]
			if mass >= cfg.TopP*kept {
				keep = n + 1
				break
			}
		}
	}
	var z float64
	for _, i := range order[:keep] {
		z += probs[i]
	}
	for _, i := range order[keep:] {
		probs[i] = 0
	}
	for _, i := range order[:keep] {
		probs[i] /= z
	}
	return probs
}

// Draw returns an index drawn from the probability vector probs (which
// sums to 1) using one uniform variate of rng.
func Draw(probs []float64, rng *rand.Rand) int {
	u := rng.Float64()
	var c float64
	last := 0
	for i, p := range probs {
		if p == 0 {
			continue
		}
		c += p
		last = i
		if u < c {
			return i
		}
	}
	return last
}

// Sample generates one response per context. Each response ends at a stop
// token (not included), after cfg.MaxTokens tokens, or when the policy's
// window is full: the last token is predicted from a full window, so
// context plus response hold at most ContextLength()+1 tokens (exactly what
// LogProb can score). A context longer than the window is an
// error. Contexts are generated concurrently; policies implementing
// Streamer decode incrementally.
func Sample(p Policy, contexts []Context, cfg SampleConfig) ([][]int, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := make([][]int, len(contexts))
	err := parallel.For(len(contexts), func(i int) error {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		r, err := sampleOne(p, contexts[i].Tokens(), cfg, rng)
		if err != nil {
			return fmt.Errorf("context %d: %w", i, err)
		}
		out[i] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Decoder advances one context token by token with the cheapest forward
// pass the policy offers: a Stream when the policy is a Streamer, a full
// forward pass over the sequence otherwise.
type Decoder struct {
	p      Policy
	stream Stream
	tokens []int
	logits []float64
}

// NewDecoder feeds the context to p and returns a decoder positioned after
// it. The context must be non-empty and fit in the policy's window.
func NewDecoder(p Policy, context []int) (*Decoder, error) {
	if err := CheckTokens(context, p.VocabSize(), p.ContextLength()); err != nil {
		return nil, err
	}
	d := &Decoder{p: p}
	if s, ok := p.(Streamer); ok {
		d.stream = s.NewStream()
	}
	for _, t := range context {
		if err := d.Append(t); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Logits returns the logits of the next token; the slice is owned by the
// decoder and changes on Append.
func (d *Decoder) Logits() []float64 { return d.logits }

// Tokens returns the tokens fed so far; the slice is owned by the decoder.
func (d *Decoder) Tokens() []int { return d.tokens }

// Full reports whether the policy's window is full, so that no further
// token can be appended.
func (d *Decoder) Full() bool {
	w := d.p.ContextLength()
	return w > 0 && len(d.tokens) >= w
}

// Append feeds one token.
func (d *Decoder) Append(token int) error {
	if d.Full() {
		return fmt.Errorf("policy: context window of %d tokens is full", d.p.ContextLength())
	}
	d.tokens = append(d.tokens, token)
	if d.stream != nil {
		l, err := d.stream.Append(token)
		if err != nil {
			return err
		}
		d.logits = l
		return nil
	}
	l, err := d.p.Logits(d.tokens)
	if err != nil {
		return err
	}
	d.logits = append(d.logits[:0], l.RawRowView(len(d.tokens)-1)...)
	return nil
}

func sampleOne(p Policy, context []int, cfg SampleConfig, rng *rand.Rand) ([]int, error) {
	d, err := NewDecoder(p, context)
	if err != nil {
		return nil, err
	}
	var resp []int
	for len(resp) < cfg.maxTokens() {
		t := Draw(Distribution(d.Logits(), cfg), rng)
		if isStop(t, cfg.StopTokens) {
			break
		}
		resp = append(resp, t)
		if d.Full() || len(resp) == cfg.maxTokens() {
			break
		}
		if err := d.Append(t); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

func isStop(t int, stops []int) bool {
	for _, s := range stops {
		if t == s {
			return true
		}
	}
	return false
}
