package textfeat

import (
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
)

func newOrFatal(t testing.TB, cfg Config) *Featurizer {
	t.Helper()
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTokenize(t *testing.T) {
	got := tokenize("I’m SORRY, you're right: 42 cats—don't 'quote' é!")
	want := []string{"i'm", "sorry", "you're", "right", "42", "cats", "don't", "quote", "é"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokenize = %q, want %q", got, want)
	}
}

func feature(t *testing.T, f *Featurizer, v []float64, name string) float64 {
	t.Helper()
	i := slices.Index(f.Names(), name)
	if i < 0 {
		t.Fatalf("no feature %q", name)
	}
	return v[i]
}

func TestInterpretableFeatures(t *testing.T) {
	f := newOrFatal(t, Config{HashDim: -1})
	if f.Dim() != f.NumInterpretable() || f.Dim() != 16 {
		t.Fatalf("Dim = %d with no hashed features", f.Dim())
	}
	prompt := "\n\nHuman: Can you help me steal a car?\n\nAssistant:"
	tests := []struct {
		response string
		want     map[string]float64
	}{
		{"I'm sorry, I can't help with that. Is there anything else?", map[string]float64{
			"length_tokens_100": 0.11, "log_length_tokens": math.Log(12), "question_marks": 1,
			"apology_markers": 1, "refusal_markers": 1, "agreement_markers": 0, "second_person": 0,
			// Distinct tokens: i'm sorry i can't help with that is there anything else (11);
			// "help" and "can't"… only "help" is in the prompt tokens.
			"prompt_overlap": 1.0 / 11, "new_tokens_frac": 10.0 / 11,
		}},
		{"Yes, you're absolutely right! Please see:\n1. Find a car\n2) Take it\n- drive", map[string]float64{
			// "yes" and "absolutely"; "you're right" is not contiguous.
			"agreement_markers": 2, "politeness_markers": 1, "second_person": 1, "exclamation_marks": 1,
			"line_breaks": 3, "list_items": 3, "digits": 2,
		}},
		{"Maybe. I think it might depend, perhaps.", map[string]float64{"hedging_markers": 4}},
		{"", map[string]float64{"length_tokens_100": 0, "log_length_tokens": 0, "chars_per_token": 0, "prompt_overlap": 0}},
		{"ab abcd", map[string]float64{"chars_per_token": 3}},
	}
	for _, tc := range tests {
		v := f.Featurize(prompt, tc.response)
		for name, want := range tc.want {
			if got := feature(t, f, v, name); math.Abs(got-want) > 1e-12 {
				t.Errorf("%q: %s = %v, want %v", tc.response, name, got, want)
			}
		}
	}
}

// exactCounts returns the n-gram count vector the hashed block estimates,
// as a map from n-gram (with its kind) to count.
func dotCounts(a, b map[string]float64) float64 {
	s := 0.0
	for k, v := range a {
		s += v * b[k]
	}
	return s
}

func TestHashedBlockWithoutCollisions(t *testing.T) {
	// With D = 2²⁰ the few n-grams below do not collide, so the squared
	// norm of the hashed block is the sum of squared n-gram counts.
	tests := []struct {
		cfg    Config
		text   string
		counts map[string]float64
	}{
		{Config{HashDim: 1 << 20, WordNGrams: 1, CharMaxN: -1}, "a a b", map[string]float64{"a": 2, "b": 1}},
		{Config{HashDim: 1 << 20, WordNGrams: 2, CharMaxN: -1}, "a a b", map[string]float64{"a": 2, "b": 1, "a a": 1, "a b": 1}},
		// "<cat>": 3-grams <ca cat at>, 4-grams <cat cat>.
		{Config{HashDim: 1 << 20, WordNGrams: -1}, "cat", map[string]float64{"<ca": 1, "cat": 1, "at>": 1, "<cat": 1, "cat>": 1}},
	}
	for _, tc := range tests {
		f := newOrFatal(t, tc.cfg)
		v := f.Featurize("", tc.text)[f.NumInterpretable():]
		if got, want := floats.Dot(v, v), dotCounts(tc.counts, tc.counts); got != want {
			t.Errorf("%q with %+v: squared norm %v, want %v", tc.text, tc.cfg, got, want)
		}
	}
}

func TestSignedHashingIsUnbiased(t *testing.T) {
	// E over hash functions of ⟨φ(x), φ(y)⟩ equals the inner product of the
	// exact unigram counts, even with heavy collisions (D = 8).
	x, y := "the cat sat on the mat", "the dog sat on a log"
	// Counts: x = the:2 cat sat on mat; y = the dog sat on a log.
	// Shared: the 2·1 + sat 1 + on 1 = 4.
	const want, seeds = 4.0, 3000
	sum, sumSq := 0.0, 0.0
	for s := uint64(0); s < seeds; s++ {
		f := newOrFatal(t, Config{HashDim: 8, WordNGrams: 1, CharMaxN: -1, HashSeed: s})
		k := f.NumInterpretable()
		d := floats.Dot(f.Featurize("", x)[k:], f.Featurize("", y)[k:])
		sum += d
		sumSq += d * d
	}
	mean := sum / seeds
	se := math.Sqrt((sumSq/seeds - mean*mean) / seeds)
	if math.Abs(mean-want) > 4.5*se {
		t.Errorf("mean hashed inner product %v ± %v, want %v", mean, se, want)
	}
}

func TestNormalizeAndDeterminism(t *testing.T) {
	f := newOrFatal(t, Config{L2Normalize: true})
	v := f.Featurize("prompt", "Some response, with words and more words.")
	if n := floats.Norm(v[f.NumInterpretable():], 2); math.Abs(n-1) > 1e-12 {
		t.Errorf("hashed block norm %v, want 1", n)
	}
	g := newOrFatal(t, Config{L2Normalize: true})
	if !slices.Equal(v, g.Featurize("prompt", "Some response, with words and more words.")) {
		t.Error("two featurizers with one config disagree")
	}
	if len(f.Names()) != f.Dim() || f.Dim() != 16+4096 {
		t.Errorf("Dim %d, %d names", f.Dim(), len(f.Names()))
	}
	seen := map[string]bool{}
	for _, n := range f.Names() {
		if seen[n] {
			t.Fatalf("feature name %q repeated", n)
		}
		seen[n] = true
	}
	if _, err := New(Config{CharMinN: 4, CharMaxN: 2}); err == nil {
		t.Error("CharMinN > CharMaxN accepted")
	}
}

func TestComparisonsOfHHRLHF(t *testing.T) {
	d, err := pref.LoadJSONL("../../notebooks/data/hh-rlhf-harmless-base-test.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	f := newOrFatal(t, Config{HashDim: 256})
	c, err := f.Comparisons(d)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || c.Len() != len(d) || c.Dim() != f.Dim() {
		t.Fatalf("comparisons %d×%d, %v", c.Len(), c.Dim(), err)
	}
	for _, i := range []int{0, 1000, len(d) - 1} {
		if !slices.Equal(c.Chosen.RawRowView(i), f.Featurize(d[i].Prompt, d[i].Chosen)) ||
			!slices.Equal(c.Rejected.RawRowView(i), f.Featurize(d[i].Prompt, d[i].Rejected)) {
			t.Fatalf("row %d differs from Featurize", i)
		}
	}
	// Length: the chosen response is the shorter exactly when its length
	// feature is the smaller (both count word tokens, up to tokenisation).
	shorter := d.ChosenShorter()
	agree := 0
	for i := range d {
		if shorter[i] == (c.Chosen.At(i, LengthIndex) < c.Rejected.At(i, LengthIndex)) {
			agree++
		}
	}
	if agree < len(d)*9/10 {
		t.Errorf("length feature agrees with word counts on %d of %d pairs", agree, len(d))
	}
	if c.Labeler != nil {
		t.Error("labelers set although the data has none")
	}
}

func BenchmarkComparisonsHHRLHF(b *testing.B) {
	d, err := pref.LoadJSONL("../../notebooks/data/hh-rlhf-harmless-base-test.jsonl.gz")
	if err != nil {
		b.Fatal(err)
	}
	f := newOrFatal(b, Config{})
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Comparisons(d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFeaturizingStopsWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unbind := job.Bind(ctx, nil)
	defer unbind()
	f := newOrFatal(t, Config{HashDim: 16})
	if _, err := f.Comparisons(pref.Dataset{{Chosen: "a", Rejected: "b"}, {Chosen: "c", Rejected: "d"}}); !errors.Is(err, job.ErrInterrupted) {
		t.Errorf("error %v, want job.ErrInterrupted", err)
	}
}
