// Package textfeat turns (prompt, response) text into feature vectors
// without any external model: a block of named, interpretable features
// (length, punctuation, politeness, refusal, apology, agreement and hedging
// markers, overlap with the prompt, …) followed by a block of signed hashed
// n-gram counts (word unigrams and bigrams, character n-grams within words).
//
// Signed feature hashing (Weinberger et al., "Feature hashing for large
// scale multitask learning", ICML 2009, eq. 2): n-gram g adds ξ(g) ∈ {±1}
// to coordinate h(g) mod D, so that inner products of hashed vectors are
// unbiased estimates of inner products of the exact n-gram count vectors.
// Character n-grams are taken inside each word padded with "<" and ">", as
// in fastText (Bojanowski et al. 2017).
//
// The output is deterministic: it depends only on the text and the Config.
package textfeat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
)

// Config sets up a Featurizer. Its zero value gives 16 interpretable
// features and 4096 hashed features of word unigrams and bigrams and
// character 3- and 4-grams, unnormalised.
type Config struct {
	// HashDim is the number D of hashed features. If 0, it is 4096 (2¹²);
	// a negative value gives no hashed features, only the interpretable ones.
	HashDim int
	// WordNGrams is the longest word n-gram hashed. If 0, it is 2 (unigrams
	// and bigrams); a negative value hashes no word n-grams.
	WordNGrams int
	// CharMinN and CharMaxN bound the lengths of the character n-grams
	// hashed. If both are 0, they are 3 and 4; a negative CharMaxN hashes no
	// character n-grams.
	CharMinN, CharMaxN int
	// HashSeed selects the hash functions h and ξ; different seeds give
	// independent hashings.
	HashSeed uint64
	// L2Normalize scales each response's hashed block to unit Euclidean
	// norm (the interpretable block is left as is). The default keeps raw
	// signed counts.
	L2Normalize bool
}

// Indices of the interpretable features, which come first in every feature
// vector, in this order.
const (
	// LengthIndex is the index of the response length in word tokens,
	// divided by 100 ("length_tokens_100").
	LengthIndex = iota
	logLengthIndex
	charsPerTokenIndex
	questionMarksIndex
	exclamationMarksIndex
	lineBreaksIndex
	listItemsIndex
	digitsIndex
	politenessIndex // the marker counts follow in the order of markerLists
	refusalIndex
	apologyIndex
	agreementIndex
	hedgingIndex
	secondPersonIndex
	promptOverlapIndex
	newTokensIndex
	numInterpretable
)

// interpretableNames names the interpretable features.
var interpretableNames = [numInterpretable]string{
	LengthIndex:           "length_tokens_100",  // response length in word tokens, divided by 100
	logLengthIndex:        "log_length_tokens",  // log(1 + tokens)
	charsPerTokenIndex:    "chars_per_token",    // mean token length in characters
	questionMarksIndex:    "question_marks",     // count of '?'
	exclamationMarksIndex: "exclamation_marks",  // count of '!'
	lineBreaksIndex:       "line_breaks",        // count of '\n'
	listItemsIndex:        "list_items",         // lines starting with "-", "*", "•" or "<digits>."
	digitsIndex:           "digits",             // tokens made of digits
	politenessIndex:       "politeness_markers", // "please", "thank you", "happy to", …
	refusalIndex:          "refusal_markers",    // "i can't", "i won't", "unable to", …
	apologyIndex:          "apology_markers",    // "sorry", "apologize", …
	agreementIndex:        "agreement_markers",  // "you're right", "i agree", "absolutely", "yes", …
	hedgingIndex:          "hedging_markers",    // "maybe", "perhaps", "i think", …
	secondPersonIndex:     "second_person",      // "you", "your", …
	promptOverlapIndex:    "prompt_overlap",     // fraction of the response's distinct tokens found in the prompt
	newTokensIndex:        "new_tokens_frac",    // fraction of the response's tokens absent from the prompt
}

// markerLists are the phrase lists counted from politenessIndex on.
var markerLists = [][]string{politenessMarkers, refusalMarkers, apologyMarkers, agreementMarkers, hedgingMarkers, secondPersonMarkers}

// Featurizer maps text to feature vectors; see the package documentation.
// It is safe for concurrent use.
type Featurizer struct {
	cfg  Config
	sets []phraseSet // politeness, refusal, apology, agreement, hedging, second person
}

// New returns a Featurizer for cfg, with defaults filled in as documented
// on Config.
func New(cfg Config) (*Featurizer, error) {
	if cfg.HashDim == 0 {
		cfg.HashDim = 1 << 12
	}
	if cfg.HashDim < 0 {
		cfg.HashDim = 0
	}
	if cfg.WordNGrams == 0 {
		cfg.WordNGrams = 2
	}
	if cfg.CharMinN == 0 && cfg.CharMaxN == 0 {
		cfg.CharMinN, cfg.CharMaxN = 3, 4
	}
	if cfg.CharMaxN >= 0 && (cfg.CharMinN < 1 || cfg.CharMinN > cfg.CharMaxN) {
		return nil, fmt.Errorf("textfeat: character n-gram lengths %d…%d: want 1 ≤ CharMinN ≤ CharMaxN", cfg.CharMinN, cfg.CharMaxN)
	}
	f := &Featurizer{cfg: cfg}
	for _, m := range markerLists {
		f.sets = append(f.sets, newPhraseSet(m))
	}
	return f, nil
}

// Dim returns the length of the feature vectors: the interpretable
// features plus HashDim.
func (f *Featurizer) Dim() int { return numInterpretable + f.cfg.HashDim }

// Names returns the name of each feature: the interpretable ones
// ("length_tokens_100", "log_length_tokens", …) then "hash0" … "hash<D−1>".
func (f *Featurizer) Names() []string {
	names := make([]string, 0, f.Dim())
	names = append(names, interpretableNames[:]...)
	for j := 0; j < f.cfg.HashDim; j++ {
		names = append(names, "hash"+strconv.Itoa(j))
	}
	return names
}

// NumInterpretable returns how many interpretable features lead each vector.
func (f *Featurizer) NumInterpretable() int { return numInterpretable }

// Featurize returns the feature vector of response answering prompt.
func (f *Featurizer) Featurize(prompt, response string) []float64 {
	out := make([]float64, f.Dim())
	f.featurizeInto(out, promptVocabulary(prompt), response)
	return out
}

// promptVocabulary returns the set of the prompt's tokens.
func promptVocabulary(prompt string) map[string]bool {
	toks := tokenize(prompt)
	vocab := make(map[string]bool, len(toks))
	for _, t := range toks {
		vocab[t] = true
	}
	return vocab
}

// featurizeInto writes the features of response into out, given the
// prompt's vocabulary.
func (f *Featurizer) featurizeInto(out []float64, inPrompt map[string]bool, response string) {
	toks := tokenize(response)
	n := float64(len(toks))
	out[LengthIndex] = n / 100
	out[logLengthIndex] = math.Log1p(n)
	if len(toks) > 0 {
		chars := 0
		for _, t := range toks {
			chars += utf8.RuneCountInString(t)
		}
		out[charsPerTokenIndex] = float64(chars) / n
	}
	out[questionMarksIndex] = float64(strings.Count(response, "?"))
	out[exclamationMarksIndex] = float64(strings.Count(response, "!"))
	out[lineBreaksIndex] = float64(strings.Count(response, "\n"))
	out[listItemsIndex] = float64(countListItems(response))
	digits := 0
	for _, t := range toks {
		if strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			digits++
		}
	}
	out[digitsIndex] = float64(digits)
	for k, s := range f.sets {
		out[politenessIndex+k] = float64(s.count(toks))
	}
	if len(toks) > 0 {
		distinct := map[string]bool{}
		shared, fresh := 0, 0
		for _, t := range toks {
			if !inPrompt[t] {
				fresh++
			}
			if !distinct[t] {
				distinct[t] = true
				if inPrompt[t] {
					shared++
				}
			}
		}
		out[promptOverlapIndex] = float64(shared) / float64(len(distinct))
		out[newTokensIndex] = float64(fresh) / n
	}
	if f.cfg.HashDim > 0 {
		f.hashInto(out[numInterpretable:], toks)
	}
}

// countListItems counts lines that start, after spaces, with a bullet
// ("-", "*", "•") or a number followed by "." or ")".
func countListItems(s string) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimLeft(line, " \t")
		switch {
		case strings.HasPrefix(line, "- "), strings.HasPrefix(line, "* "), strings.HasPrefix(line, "•"):
			n++
		default:
			d := 0
			for d < len(line) && line[d] >= '0' && line[d] <= '9' {
				d++
			}
			if d > 0 && d < len(line) && (line[d] == '.' || line[d] == ')') {
				n++
			}
		}
	}
	return n
}

// tokenize lowercases s and splits it into word tokens: maximal runs of
// letters, digits and marks, with apostrophes (’ normalised to ') kept
// inside words ("don't", "you're").
func tokenize(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	var toks []string
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		if r == '\'' && start >= 0 && i+1 < len(s) {
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			word = unicode.IsLetter(next)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			toks = append(toks, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, s[start:])
	}
	return toks
}

// Matrix returns the n×Dim feature matrix of n (prompt, response) pairs:
// row i is Featurize(prompts[i], responses[i]). Rows are computed in
// parallel; the job.Task steps once per row.
func (f *Featurizer) Matrix(prompts, responses []string) (*mat.Dense, error) {
	if len(prompts) != len(responses) {
		return nil, fmt.Errorf("textfeat: %d prompts but %d responses", len(prompts), len(responses))
	}
	if len(prompts) == 0 {
		return nil, fmt.Errorf("textfeat: no texts")
	}
	m := mat.NewDense(len(prompts), f.Dim(), nil)
	err := f.parallelRows(len(prompts), "featurizing", func(i int) {
		f.featurizeInto(m.RawRowView(i), promptVocabulary(prompts[i]), responses[i])
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Comparisons featurizes the chosen and rejected responses of each pair
// into pref.Comparisons, keeping the labelers (nil when none is set).
func (f *Featurizer) Comparisons(pairs pref.Dataset) (*pref.Comparisons, error) {
	if len(pairs) == 0 {
		return nil, fmt.Errorf("textfeat: no preference pairs")
	}
	c := &pref.Comparisons{
		Chosen:   mat.NewDense(len(pairs), f.Dim(), nil),
		Rejected: mat.NewDense(len(pairs), f.Dim(), nil),
	}
	err := f.parallelRows(len(pairs), "featurizing pairs", func(i int) {
		pt := promptVocabulary(pairs[i].Prompt)
		f.featurizeInto(c.Chosen.RawRowView(i), pt, pairs[i].Chosen)
		f.featurizeInto(c.Rejected.RawRowView(i), pt, pairs[i].Rejected)
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if p.Labeler != "" {
			c.Labeler = pairs.Labelers()
			break
		}
	}
	return c, nil
}

// parallelRows runs row(i) for i in 0…n−1 on GOMAXPROCS goroutines,
// stepping a job.Task per row and stopping early when interrupted; a panic
// in a row is returned as an error (a *parallel.PanicError).
func (f *Featurizer) parallelRows(n int, label string, row func(i int)) error {
	t := job.Start(label, n)
	err := parallel.Until(n, func(i int) error {
		row(i)
		return t.Step(1)
	})
	t.Done(err)
	return err
}
