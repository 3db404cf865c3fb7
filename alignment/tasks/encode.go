package tasks

import (
	"fmt"
	"strings"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

// TrainTokenizer learns the byte-level BPE tokenizer of a corpus from the
// texts of examples, with vocabSize ids (0 means 400, enough for about
// one id per word of the corpus). Any text still encodes, through bytes.
func TrainTokenizer(examples []Example, vocabSize int) (*tokenizer.BPE, error) {
	if vocabSize == 0 {
		vocabSize = 400
	}
	var b strings.Builder
	for _, e := range examples {
		b.WriteString(e.Text())
	}
	return tokenizer.TrainBPE(b.String(), vocabSize)
}

// StopToken returns the id of the newline that ends every response.
func StopToken(tok tokenizer.Tokenizer) (int, error) {
	ids, err := tok.Encode("\n")
	if err != nil || len(ids) != 1 {
		return 0, fmt.Errorf("tasks: the tokenizer has no single token for a newline")
	}
	return ids[0], nil
}

// TrainingSequences encodes examples for language-model training. With
// responseOnly the loss weights are 0 on the principle and prompt and 1 on
// the response and its newline (supervised fine-tuning); otherwise every
// token is predicted.
func TrainingSequences(examples []Example, tok tokenizer.Tokenizer, responseOnly bool) ([]transformer.Sequence, error) {
	seqs := make([]transformer.Sequence, len(examples))
	for i, e := range examples {
		ctx, err := Context(tok, e.Principle, e.Question)
		if err != nil {
			return nil, fmt.Errorf("example %d: %w", i, err)
		}
		resp, err := tok.Encode(e.Response + "\n")
		if err != nil {
			return nil, fmt.Errorf("example %d: response: %w", i, err)
		}
		x := ctx.Tokens()
		s := transformer.Sequence{Tokens: append(x, resp...)}
		if responseOnly {
			s.Weights = make([]float64, len(s.Tokens)-1)
			for j := len(x) - 1; j < len(s.Weights); j++ {
				s.Weights[j] = 1
			}
		}
		seqs[i] = s
	}
	return seqs, nil
}

// Context encodes the principle line ("" for none) and the prompt of
// question as a policy context.
func Context(tok tokenizer.Tokenizer, principle, question string) (policy.Context, error) {
	var c policy.Context
	var err error
	if principle != "" {
		if c.Principle, err = tok.Encode(PrincipleText(principle)); err != nil {
			return c, fmt.Errorf("tasks: principle: %w", err)
		}
	}
	if c.Prompt, err = tok.Encode(PromptText(question)); err != nil {
		return c, fmt.Errorf("tasks: prompt: %w", err)
	}
	return c, nil
}

// Contexts encodes the questions of examples under principle ("" for
// none), ignoring the examples' own principles.
func Contexts(examples []Example, tok tokenizer.Tokenizer, principle string) ([]policy.Context, error) {
	out := make([]policy.Context, len(examples))
	for i, e := range examples {
		c, err := Context(tok, principle, e.Question)
		if err != nil {
			return nil, fmt.Errorf("example %d: %w", i, err)
		}
		out[i] = c
	}
	return out, nil
}

// Decode decodes sampled responses.
func Decode(tok tokenizer.Tokenizer, responses [][]int) ([]string, error) {
	out := make([]string, len(responses))
	for i, r := range responses {
		s, err := tok.Decode(r)
		if err != nil {
			return nil, fmt.Errorf("response %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// MeanScores averages the Scores of a set of responses.
type MeanScores struct {
	// Words, Facts, Helpfulness, Conciseness and Politeness are the means
	// of the Scores fields of the same names.
	Words, Facts, Helpfulness, Conciseness, Politeness float64
	// ForbiddenRate is the fraction of responses with the forbidden
	// phrase.
	ForbiddenRate float64
	// N is the number of responses averaged.
	N int
}

// ScoreResponses scores responses[i] as an answer to examples[i].Question
// and returns each score and their means.
func ScoreResponses(examples []Example, responses []string) ([]Scores, MeanScores, error) {
	if len(examples) != len(responses) {
		return nil, MeanScores{}, fmt.Errorf("tasks: %d examples but %d responses", len(examples), len(responses))
	}
	scores := make([]Scores, len(responses))
	m := MeanScores{N: len(responses)}
	for i, r := range responses {
		s := Score(examples[i].Question, r)
		scores[i] = s
		m.Words += float64(s.Words)
		m.Facts += float64(s.Facts)
		m.Helpfulness += s.Helpfulness
		m.Conciseness += s.Conciseness
		m.Politeness += s.Politeness
		m.ForbiddenRate += 1 - s.Harmlessness()
	}
	if n := float64(len(responses)); n > 0 {
		m.Words /= n
		m.Facts /= n
		m.Helpfulness /= n
		m.Conciseness /= n
		m.Politeness /= n
		m.ForbiddenRate /= n
	}
	return scores, m, nil
}
