package irl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/transformer"
)

func tinyModel(t *testing.T, seed uint64) *transformer.Model {
	t.Helper()
	m, err := transformer.New(transformer.Config{Vocab: 7, Context: 16, Layers: 1, Heads: 2, Width: 8, InitScale: 0.5, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tinyDemos() *Demonstrations {
	return &Demonstrations{
		Contexts:  []policy.Context{{Prompt: []int{1, 2}}, {Principle: []int{3}, Prompt: []int{4}}, {Prompt: []int{5}}},
		Responses: [][]int{{3, 3, 0}, {2, 0}, {6, 1, 1, 0}},
	}
}

// TestSpinGradient compares the self-play loss gradient with a central
// finite difference of the loss along a random direction, with one and
// with two negatives per demonstration.
func TestSpinGradient(t *testing.T) {
	m := tinyModel(t, 1)
	ref := tinyModel(t, 2)
	d := tinyDemos()
	for _, negatives := range [][][]int{
		{{4, 0}, {5, 5, 0}, {2, 0}},
		{{4, 0}, {1, 0}, {5, 5, 0}, {6, 2, 0}, {2, 0}, {3, 3, 3, 0}},
	} {
		k := len(negatives) / len(d.Contexts)
		negContexts := repeatEach(d.Contexts, k)
		refDemo, _ := policy.LogProbs(ref, d.Contexts, d.Responses)
		refNeg, _ := policy.LogProbs(ref, negContexts, negatives)
		const beta = 0.8
		loss, grad, err := spinGradient(m, d.Contexts, d.Responses, negatives, refDemo, refNeg, beta)
		if err != nil {
			t.Fatal(err)
		}
		lossAt := func(mm *transformer.Model) float64 {
			cd, _ := policy.LogProbs(mm, d.Contexts, d.Responses)
			cn, _ := policy.LogProbs(mm, negContexts, negatives)
			var l float64
			for q := range cn {
				i := q / k
				l += reward.PairLoss(beta*((cd[i]-refDemo[i])-(cn[q]-refNeg[q]))) / float64(len(cn))
			}
			return l
		}
		if math.Abs(loss-lossAt(m)) > 1e-12 {
			t.Fatalf("K=%d: loss %v, recomputed %v", k, loss, lossAt(m))
		}
		rng := rand.New(rand.NewPCG(3, 4))
		dir := make([]float64, len(grad))
		for i := range dir {
			dir[i] = rng.NormFloat64()
		}
		const h = 1e-5
		plus, minus := m.Clone(), m.Clone()
		addScaled(plus.Params(), dir, h)
		addScaled(minus.Params(), dir, -h)
		fd := (lossAt(plus) - lossAt(minus)) / (2 * h)
		if an := dot(grad, dir); math.Abs(an-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("K=%d: directional derivative %v, finite difference %v", k, an, fd)
		}
	}
	if _, _, err := spinGradient(m, d.Contexts, d.Responses, [][]int{{1, 0}}, nil, nil, 0.1); err == nil {
		t.Error("1 negative for 3 demonstrations: no error")
	}
}

// TestMethodsOnTinyModel checks that SFT raises the demonstrations'
// likelihood, IRFT widens the gap between demonstrations and the initial
// model's samples, RFT learns a reward preferring the demonstrations'
// features, and that runs are seeded.
func TestMethodsOnTinyModel(t *testing.T) {
	d := tinyDemos()
	stop := policy.SampleConfig{StopTokens: []int{0}, MaxTokens: 6}
	cfg := Config{Steps: 30, BatchSize: 3, LearningRate: 1e-2, Sampling: stop, Seed: 5}
	init := tinyModel(t, 1)
	before, _ := policy.LogProbs(init, d.Contexts, d.Responses)

	sft := init.Clone()
	if _, err := SFT(sft, d, cfg); err != nil {
		t.Fatal(err)
	}
	after, _ := policy.LogProbs(sft, d.Contexts, d.Responses)
	for i := range after {
		if !(after[i] > before[i]) {
			t.Errorf("SFT: log π(demonstration %d) %v → %v", i, before[i], after[i])
		}
	}

	c := cfg
	c.Stages = 2
	irft := init.Clone()
	res, err := IRFT(irft, d, c)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Losses[0]-math.Log(2)) > 1e-12 {
		t.Errorf("IRFT first loss %v, want log 2 (π_θ = π_t)", res.Losses[0])
	}
	again := init.Clone()
	if _, err := IRFT(again, d, c); err != nil {
		t.Fatal(err)
	}
	for i, v := range irft.Params() {
		if v != again.Params()[i] {
			t.Fatal("seeded IRFT runs differ")
		}
	}
	negatives, _ := sampleResponses(init, repeatEach(d.Contexts, c.samples(1)), c, c.Seed+1)
	pairs := &Pairs{Contexts: repeatEach(d.Contexts, c.samples(1)), Chosen: repeatEach(d.Responses, c.samples(1)), Rejected: negatives}
	gap, err := ImplicitRewardGap(irft, init, pairs, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !(gap.Mean > 0) || gap.Accuracy != 1 {
		t.Errorf("IRFT gap on its own pairs %+v, want positive on every pair", gap)
	}
	cur, _ := policy.LogProbs(irft, pairs.Contexts, pairs.Chosen)
	ref, _ := policy.LogProbs(init, pairs.Contexts, pairs.Chosen)
	var chosen float64
	for i := range cur {
		chosen += 0.1 * (cur[i] - ref[i]) / float64(len(cur))
	}
	if math.Abs(gap.Chosen-chosen) > 1e-9 || math.Abs(gap.Chosen-gap.Rejected-gap.Mean) > 1e-9 {
		t.Errorf("gap %+v: Chosen want %v, and Chosen − Rejected = Mean", gap, chosen)
	}

	// Features: the count of token 3 and of token 6; demonstrations have more.
	features := func(_ int, r []int) ([]float64, error) {
		var f [2]float64
		for _, tok := range r {
			switch tok {
			case 3:
				f[0]++
			case 6:
				f[1]++
			}
		}
		return f[:], nil
	}
	rft := init.Clone()
	rres, err := RFT(rft, d, features, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(rres.Reward[0] > 0) {
		t.Errorf("RFT reward weights %v: the demonstrations' token 3 should be rewarded", rres.Reward)
	}
	// The policy step follows the learnt reward: samples say token 3 more often.
	rewarded := func(m *transformer.Model) float64 {
		ctxs := make([]policy.Context, 300)
		for i := range ctxs {
			ctxs[i] = d.Contexts[i%len(d.Contexts)]
		}
		out, err := policy.Sample(m, ctxs, policy.SampleConfig{StopTokens: []int{0}, MaxTokens: 6, Seed: 17})
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, r := range out {
			f, _ := features(0, r)
			n += f[0] / float64(len(out))
		}
		return n
	}
	if before, after := rewarded(init), rewarded(rft); !(after > before) {
		t.Errorf("RFT: token 3 per sample %v → %v, want more", before, after)
	}
	if _, err := RFT(init.Clone(), d, features, Config{Samples: 1}); err == nil {
		t.Error("RFT with one sample per demonstration: no error")
	}

	if _, err := SFT(init.Clone(), &Demonstrations{Contexts: d.Contexts}, cfg); err == nil {
		t.Error("responses missing: no error")
	}
	if _, err := IRFT(init.Clone(), d, Config{Steps: 2, Stages: 3}); err == nil {
		t.Error("more stages than steps: no error")
	}
}

// TestLeaveOneOut checks the RLOO baseline on groups laid out in a row:
// each return minus the mean of the others of its group, so every group's
// advantages sum to zero.
func TestLeaveOneOut(t *testing.T) {
	cases := []struct {
		returns []float64
		k       int
		want    []float64
	}{
		{[]float64{1, 3}, 2, []float64{-2, 2}},
		{[]float64{1, 2, 6, 0, 0, 3}, 3, []float64{-3, -1.5, 4.5, -1.5, -1.5, 3}},
		{[]float64{5, 5, 5, 5}, 4, []float64{0, 0, 0, 0}},
	}
	for _, c := range cases {
		got := leaveOneOut(c.returns, c.k)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("leaveOneOut(%v, %d) = %v, want %v", c.returns, c.k, got, c.want)
				break
			}
		}
	}
}

func TestWinRate(t *testing.T) {
	w, err := WinRate([]float64{1, 2, 3, 4}, []float64{0, 2, 5, 1})
	if err != nil || w != 2.5/4 {
		t.Errorf("win rate %v, %v; want 0.625", w, err)
	}
	if _, err := WinRate([]float64{1}, nil); err == nil {
		t.Error("mismatched lengths: no error")
	}
}

// TestPathKL checks the exact path KL against a step-by-step computation
// from the logits of each prefix, and that a model has none to itself.
func TestPathKL(t *testing.T) {
	m, ref := tinyModel(t, 1), tinyModel(t, 2)
	ctx, resp := []int{1, 2}, []int{3, 4, 0}
	got, err := pathKL(m, ref, ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	prefix := append([]int(nil), ctx...)
	for _, tok := range resp {
		lm, _ := m.Logits(prefix)
		lr, _ := ref.Logits(prefix)
		a := policy.LogSoftmax(nil, lm.RawRowView(len(prefix)-1))
		b := policy.LogSoftmax(nil, lr.RawRowView(len(prefix)-1))
		for v := range a {
			want += math.Exp(a[v]) * (a[v] - b[v])
		}
		prefix = append(prefix, tok)
	}
	if math.Abs(got-want) > 1e-12 || !(got > 0) {
		t.Errorf("path KL %v, step by step %v", got, want)
	}
	if self, _ := pathKL(m, m, ctx, resp); self != 0 {
		t.Errorf("KL of a model to itself %v", self)
	}
}
