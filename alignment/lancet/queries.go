package lancet

import (
	"fmt"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

// Queries are a model's undesirable generations, the measurements whose
// influence LinFAC traces back to the training data.
type Queries struct {
	// Sequences holds context ++ response of every detected generation,
	// with loss weight 1 on the response tokens up to the shortest prefix
	// that the detector flags, and 0 on the context and the rest.
	Sequences []transformer.Sequence
	// Texts holds the detected responses' text.
	Texts []string
	// Contexts holds the index, in the contexts given to FindQueries, of
	// each detected generation.
	Contexts []int
	// Sampled is the number of generations examined.
	Sampled int
}

// Rate returns the fraction of sampled generations that were detected.
func (q *Queries) Rate() float64 {
	if q.Sampled == 0 {
		return 0
	}
	return float64(len(q.Sequences)) / float64(q.Sampled)
}

// FindQueries samples one response of m to every context (with cfg) and keeps
// those whose decoded text detect flags as undesirable (for example
// tasks.ContainsForbidden), as sequences for LinFAC.Scores. A query's loss
// covers the response only up to its shortest prefix that detect already
// flags: the measurement is the likelihood of producing the undesirable
// content, not of the unremarkable text around it, which would otherwise
// credit every training example that teaches that text.
func FindQueries(m *transformer.Model, tok tokenizer.Tokenizer, contexts []policy.Context, detect func(string) bool, cfg policy.SampleConfig) (*Queries, error) {
	if m == nil || tok == nil || detect == nil {
		return nil, fmt.Errorf("lancet: FindQueries: model, tokenizer and detector are required")
	}
	responses, err := policy.Sample(m, contexts, cfg)
	if err != nil {
		return nil, fmt.Errorf("lancet: FindQueries: %w", err)
	}
	q := &Queries{Sampled: len(responses)}
	for i, r := range responses {
		text, err := tok.Decode(r)
		if err != nil {
			return nil, fmt.Errorf("lancet: FindQueries: response %d: %w", i, err)
		}
		if !detect(text) {
			continue
		}
		seq, err := ResponseSequence(contexts[i], r)
		if err != nil {
			return nil, fmt.Errorf("lancet: FindQueries: response %d: %w", i, err)
		}
		k, err := flaggedPrefix(tok, r, detect)
		if err != nil {
			return nil, fmt.Errorf("lancet: FindQueries: response %d: %w", i, err)
		}
		clear(seq.Weights[len(seq.Weights)-len(r)+k:])
		q.Sequences = append(q.Sequences, seq)
		q.Texts = append(q.Texts, text)
		q.Contexts = append(q.Contexts, i)
	}
	return q, nil
}

// flaggedPrefix returns the length of the shortest prefix of response whose
// text detect flags (len(response) if only the whole is flagged).
func flaggedPrefix(tok tokenizer.Tokenizer, response []int, detect func(string) bool) (int, error) {
	for k := 1; k < len(response); k++ {
		text, err := tok.Decode(response[:k])
		if err != nil {
			return 0, err
		}
		if detect(text) {
			return k, nil
		}
	}
	return len(response), nil
}

// ResponseSequence returns the training sequence of a response to a context:
// the tokens context ++ response, with loss weight 0 on the positions that
// predict context tokens and 1 on those that predict the response.
func ResponseSequence(ctx policy.Context, response []int) (transformer.Sequence, error) {
	c := ctx.Tokens()
	if len(c) == 0 {
		return transformer.Sequence{}, fmt.Errorf("lancet: empty context")
	}
	if len(response) == 0 {
		return transformer.Sequence{}, fmt.Errorf("lancet: empty response")
	}
	tokens := append(append(make([]int, 0, len(c)+len(response)), c...), response...)
	w := make([]float64, len(tokens)-1)
	for i := len(c) - 1; i < len(w); i++ {
		w[i] = 1
	}
	return transformer.Sequence{Tokens: tokens, Weights: w}, nil
}
