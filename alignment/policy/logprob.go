package policy

import (
	"fmt"
	"math"

	"github.com/golign/golign/alignment/internal/parallel"
)

// LogSoftmax writes log softmax(logits) into dst (allocated when nil) and
// returns it: dst_i = logits_i − log Σ_j exp(logits_j), computed stably by
// subtracting the maximum.
func LogSoftmax(dst, logits []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(logits))
	}
	m := math.Inf(-1)
	for _, l := range logits {
		m = max(m, l)
	}
	var z float64
	for _, l := range logits {
		z += math.Exp(l - m)
	}
	lz := m + math.Log(z)
	for i, l := range logits {
		dst[i] = l - lz
	}
	return dst
}

// LogProb returns log π(y|x) of the response tokens given the context: per
// token, perToken[j] = log π(y_j | x, y_<j), and their sum. One forward pass
// over x ++ y computes all of them. The context must not be empty (a model
// needs at least one token, such as a beginning-of-text marker, to predict
// from).
func LogProb(p Policy, ctx Context, response []int) (perToken []float64, sum float64, err error) {
	x := ctx.Tokens()
	if len(x) == 0 {
		return nil, 0, fmt.Errorf("policy: log-probability needs a non-empty context")
	}
	if len(response) == 0 {
		return nil, 0, nil
	}
	seq := append(x, response...)
	// The last response token is predicted, never fed.
	logits, err := p.Logits(seq[:len(seq)-1])
	if err != nil {
		return nil, 0, err
	}
	perToken = make([]float64, len(response))
	row := make([]float64, p.VocabSize())
	for j, y := range response {
		if y < 0 || y >= len(row) {
			return nil, 0, fmt.Errorf("policy: response token %d at position %d is outside the vocabulary of %d ids", y, j, len(row))
		}
		LogSoftmax(row, logits.RawRowView(len(x)-1+j))
		perToken[j] = row[y]
		sum += row[y]
	}
	return perToken, sum, nil
}

// LogProbs returns the summed log π(y_i|x_i) of each (context, response)
// pair, evaluated concurrently.
func LogProbs(p Policy, contexts []Context, responses [][]int) ([]float64, error) {
	if len(contexts) != len(responses) {
		return nil, fmt.Errorf("policy: %d contexts but %d responses", len(contexts), len(responses))
	}
	out := make([]float64, len(contexts))
	err := parallel.For(len(contexts), func(i int) error {
		_, s, err := LogProb(p, contexts[i], responses[i])
		if err != nil {
			return fmt.Errorf("pair %d: %w", i, err)
		}
		out[i] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
