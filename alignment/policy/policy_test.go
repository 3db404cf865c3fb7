package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bigram is a test policy whose logits depend only on the last token.
type bigram struct {
	table  *mat.Dense // V×V: row a = logits after token a
	window int
}

func newBigram(v, window int, seed uint64) *bigram {
	rng := rand.New(rand.NewPCG(seed, 1))
	t := mat.NewDense(v, v, nil)
	for i := 0; i < v; i++ {
		for j := 0; j < v; j++ {
			t.Set(i, j, 2*rng.NormFloat64())
		}
	}
	return &bigram{table: t, window: window}
}

func (b *bigram) VocabSize() int     { r, _ := b.table.Dims(); return r }
func (b *bigram) ContextLength() int { return b.window }
func (b *bigram) Logits(tokens []int) (*mat.Dense, error) {
	if err := CheckTokens(tokens, b.VocabSize(), b.window); err != nil {
		return nil, err
	}
	out := mat.NewDense(len(tokens), b.VocabSize(), nil)
	for i, t := range tokens {
		out.SetRow(i, b.table.RawRowView(t))
	}
	return out, nil
}

func TestLogProbMatchesChainRule(t *testing.T) {
	b := newBigram(5, 0, 1)
	ctx := Context{Principle: []int{4}, Prompt: []int{0, 1}}
	resp := []int{2, 3, 2}
	per, sum, err := LogProb(b, ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	prev := 1
	var want float64
	for j, y := range resp {
		row := b.table.RawRowView(prev)
		var z float64
		for _, l := range row {
			z += math.Exp(l)
		}
		lp := row[y] - math.Log(z)
		if math.Abs(per[j]-lp) > 1e-12 {
			t.Errorf("token %d: log-prob %v, want %v", j, per[j], lp)
		}
		want += lp
		prev = y
	}
	if math.Abs(sum-want) > 1e-12 {
		t.Errorf("sum %v, want %v", sum, want)
	}
	sums, err := LogProbs(b, []Context{ctx, ctx}, [][]int{resp, resp[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sums[0]-want) > 1e-12 || math.Abs(sums[1]-per[0]) > 1e-12 {
		t.Errorf("batched log-probs %v, want [%v %v]", sums, want, per[0])
	}
}

func TestDistributionMasks(t *testing.T) {
	logits := []float64{math.Log(0.1), math.Log(0.4), math.Log(0.2), math.Log(0.3)}
	cases := []struct {
		name string
		cfg  SampleConfig
		want []float64
	}{
		{"full", SampleConfig{}, []float64{0.1, 0.4, 0.2, 0.3}},
		{"top-2", SampleConfig{TopK: 2}, []float64{0, 0.4 / 0.7, 0, 0.3 / 0.7}},
		{"top-p 0.65", SampleConfig{TopP: 0.65}, []float64{0, 0.4 / 0.7, 0, 0.3 / 0.7}},
		{"top-p 0.75", SampleConfig{TopP: 0.75}, []float64{0, 0.4 / 0.9, 0.2 / 0.9, 0.3 / 0.9}},
		{"top-p 0.4 exactly", SampleConfig{TopP: 0.4}, []float64{0, 1, 0, 0}},
		{"top-k 3 then top-p 0.5", SampleConfig{TopK: 3, TopP: 0.5}, []float64{0, 0.4 / 0.7, 0, 0.3 / 0.7}},
		{"greedy", SampleConfig{Greedy: true}, []float64{0, 1, 0, 0}},
	}
	for _, c := range cases {
		got := Distribution(logits, c.cfg)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-9 {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	// Equal probabilities at the top-k boundary: the lower token id stays.
	tied := Distribution([]float64{0, 1, 1, 0}, SampleConfig{TopK: 1})
	if tied[1] != 1 || tied[2] != 0 {
		t.Errorf("top-1 of a tie: got %v, want the lower id, token 1", tied)
	}
	// Temperature 2 halves the logits: p ∝ sqrt(p).
	got := Distribution(logits, SampleConfig{Temperature: 2})
	var z float64
	for _, l := range logits {
		z += math.Sqrt(math.Exp(l))
	}
	for i, l := range logits {
		if w := math.Sqrt(math.Exp(l)) / z; math.Abs(got[i]-w) > 1e-12 {
			t.Errorf("temperature 2: p[%d] = %v, want %v", i, got[i], w)
		}
	}
}

// TestSamplingMatchesSoftmax draws first tokens many times and compares
// the counts with softmax(logits) by Pearson's chi-square statistic.
func TestSamplingMatchesSoftmax(t *testing.T) {
	b := newBigram(6, 0, 7)
	const n = 4000
	ctxs := make([]Context, n)
	for i := range ctxs {
		ctxs[i] = Context{Prompt: []int{3}}
	}
	for _, cfg := range []SampleConfig{{MaxTokens: 1, Seed: 3}, {MaxTokens: 1, Seed: 4, Temperature: 0.7, TopK: 4}} {
		out, err := Sample(b, ctxs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]float64, 6)
		for _, r := range out {
			counts[r[0]]++
		}
		p := Distribution(b.table.RawRowView(3), cfg)
		var chi2 float64
		df := -1
		for i := range p {
			if p[i] == 0 {
				if counts[i] != 0 {
					t.Fatalf("%+v: drew masked token %d", cfg, i)
				}
				continue
			}
			e := n * p[i]
			chi2 += (counts[i] - e) * (counts[i] - e) / e
			df++
		}
		// 99.9% quantile of chi-square with ≤5 degrees of freedom is 20.5.
		if chi2 > 20.5 {
			t.Errorf("%+v: chi-square %v with %d dof; counts %v, probs %v", cfg, chi2, df, counts, p)
		}
	}
}

func TestSampleStopsAndSeeds(t *testing.T) {
	b := newBigram(4, 6, 2)
	ctx := []Context{{Prompt: []int{0, 1}}, {Prompt: []int{2}}}
	cfg := SampleConfig{Seed: 9, MaxTokens: 100}
	a, err := Sample(b, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The window of 6 bounds the fed tokens: context + response − 1.
	if len(a[0]) != 5 || len(a[1]) != 6 {
		t.Errorf("responses %v overflow the window", a)
	}
	again, _ := Sample(b, ctx, cfg)
	for i := range a {
		if len(a[i]) != len(again[i]) {
			t.Fatalf("same seed gave %v then %v", a, again)
		}
		for j := range a[i] {
			if a[i][j] != again[i][j] {
				t.Fatalf("same seed gave %v then %v", a, again)
			}
		}
	}
	// Greedy with the argmax as stop token returns an empty response.
	row := b.table.RawRowView(1)
	best := 0
	for i := range row {
		if row[i] > row[best] {
			best = i
		}
	}
	g, err := Sample(b, ctx[:1], SampleConfig{Greedy: true, StopTokens: []int{best}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g[0]) != 0 {
		t.Errorf("greedy response %v should stop at once on token %d", g[0], best)
	}
}

func TestBadInput(t *testing.T) {
	b := newBigram(4, 3, 2)
	if _, err := Sample(b, []Context{{Prompt: []int{0, 1, 2, 3}}}, SampleConfig{}); err == nil {
		t.Error("context longer than the window accepted")
	}
	if _, err := Sample(b, []Context{{Prompt: []int{7}}}, SampleConfig{}); err == nil {
		t.Error("token outside the vocabulary accepted")
	}
	if _, err := Sample(b, []Context{{Prompt: []int{1}}}, SampleConfig{TopP: 1.5}); err == nil {
		t.Error("top-p 1.5 accepted")
	}
	if _, _, err := LogProb(b, Context{}, []int{1}); err == nil {
		t.Error("empty context accepted")
	}
	if _, _, err := LogProb(b, Context{Prompt: []int{1}}, []int{9}); err == nil {
		t.Error("response token outside the vocabulary accepted")
	}
	if _, err := NextLogits(b, []Context{{Prompt: []int{1}}, {}}); err == nil {
		t.Error("empty context accepted by NextLogits")
	}
}
