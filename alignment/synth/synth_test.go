package synth

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// within checks that count successes of n trials fit probability p to
// 4.5 binomial standard deviations.
func within(t *testing.T, what string, count, n int, p float64) {
	t.Helper()
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(count)-float64(n)*p) > 4.5*sd+1e-9 {
		t.Errorf("%s: %d of %d, want about %.1f (p = %v)", what, count, n, float64(n)*p, p)
	}
}

func TestDefaultLengthBias(t *testing.T) {
	data, err := Generate(Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := data.Train
	if c.Len() != 1000 || c.Dim() != 16 || data.Validation.Len() != 200 {
		t.Fatalf("sizes %d×%d, validation %d", c.Len(), c.Dim(), data.Validation.Len())
	}
	if data.Utility[LengthFeature] != 0 || data.Utility[AgreementFeature] != 0 {
		t.Errorf("true utility weighs length or agreement: %v", data.Utility[:2])
	}
	if n := floats.Norm(data.Utility, 2); math.Abs(n-2) > 1e-12 {
		t.Errorf("utility norm %v, want 2", n)
	}
	eligible, flipped := 0, 0
	for i := 0; i < c.Len(); i++ {
		chosen, rejected := c.Chosen.RawRowView(i), c.Rejected.RawRowView(i)
		margin := floats.Dot(data.Utility, chosen) - floats.Dot(data.Utility, rejected)
		if math.Abs(margin-data.TrueMargin[i]) > 1e-12 {
			t.Fatalf("pair %d: recorded margin %v, recomputed %v", i, data.TrueMargin[i], margin)
		}
		if (margin < 0) != data.Flipped[i] {
			t.Fatalf("pair %d: margin %v but flipped %v", i, margin, data.Flipped[i])
		}
		// The truly preferred response is the rejected one when flipped.
		trueShorter := chosen[LengthFeature] < rejected[LengthFeature]
		if data.Flipped[i] {
			trueShorter = rejected[LengthFeature] < chosen[LengthFeature]
			if !trueShorter {
				t.Fatalf("pair %d flipped although the preferred response is the longer", i)
			}
		}
		if trueShorter {
			eligible++
		}
		if data.Flipped[i] {
			flipped++
		}
		if c.Labeler[i] != "length-biased" {
			t.Fatalf("pair %d labelled by %q", i, c.Labeler[i])
		}
	}
	within(t, "flips among pairs whose preferred response is shorter", flipped, eligible, 0.5)
	within(t, "pairs whose preferred response is shorter", eligible, c.Len(), 0.5)
	for i := 0; i < data.Validation.Len(); i++ {
		m := floats.Dot(data.Utility, data.Validation.Chosen.RawRowView(i)) - floats.Dot(data.Utility, data.Validation.Rejected.RawRowView(i))
		if m <= 0 {
			t.Fatalf("validation pair %d is not ordered by the truth (margin %v)", i, m)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, _ := Generate(Config{Seed: 7, Pairs: 50})
	b, _ := Generate(Config{Seed: 7, Pairs: 50})
	c, _ := Generate(Config{Seed: 8, Pairs: 50})
	if !mat.Equal(a.Train.Chosen, b.Train.Chosen) || !slices.Equal(a.Flipped, b.Flipped) || !mat.Equal(a.Validation.Rejected, b.Validation.Rejected) {
		t.Error("same seed gave different data")
	}
	if mat.Equal(a.Train.Chosen, c.Train.Chosen) {
		t.Error("different seeds gave the same data")
	}
}

func TestLabelerBiases(t *testing.T) {
	const n = 4000
	tests := []struct {
		name      string
		labeler   Labeler
		eligible  func(data *Data, i int) bool // the pairs the bias applies to, by the truth
		rate      float64
		outside   float64
		wantTotal [2]float64 // bounds of the overall flip rate
	}{
		{"unbiased ε = 0", Labeler{Bias: Unbiased}, func(*Data, int) bool { return true }, 0, 0, [2]float64{0, 0}},
		{"unbiased ε = 0.1", Labeler{Bias: Unbiased, Rate: 0.1}, func(*Data, int) bool { return true }, 0.1, 0, [2]float64{0.08, 0.12}},
		{"sycophancy", Labeler{Bias: SycophancyBiased, Rate: 0.6}, func(d *Data, i int) bool {
			return truePreferred(d, i)[AgreementFeature] < trueOther(d, i)[AgreementFeature]
		}, 0.6, 0, [2]float64{0.27, 0.33}},
		{"region", Labeler{Bias: RegionBiased, Rate: 0.7, OutsideRate: 0.03}, func(d *Data, i int) bool { return d.InRegion[i] }, 0.7, 0.03, [2]float64{0.15, 0.25}},
	}
	for _, tc := range tests {
		data, err := Generate(Config{Seed: 3, Pairs: n, Validation: -1, Labelers: []Labeler{tc.labeler}})
		if err != nil {
			t.Fatal(err)
		}
		if data.Validation != nil {
			t.Errorf("%s: validation set despite Validation < 0", tc.name)
		}
		in, inFlipped, out, outFlipped, regionCount := 0, 0, 0, 0, 0
		for i := 0; i < n; i++ {
			if data.InRegion[i] {
				regionCount++
			}
			if tc.eligible(data, i) {
				in++
				if data.Flipped[i] {
					inFlipped++
				}
			} else {
				out++
				if data.Flipped[i] {
					outFlipped++
				}
			}
		}
		within(t, tc.name+": flips where the bias applies", inFlipped, in, tc.rate)
		within(t, tc.name+": flips elsewhere", outFlipped, out, tc.outside)
		within(t, tc.name+": pairs in the region", regionCount, n, 0.25)
		total := float64(inFlipped+outFlipped) / n
		if total < tc.wantTotal[0] || total > tc.wantTotal[1] {
			t.Errorf("%s: overall flip rate %v outside %v", tc.name, total, tc.wantTotal)
		}
	}
}

// truePreferred and trueOther return pair i's truly preferred and
// dispreferred responses.
func truePreferred(d *Data, i int) []float64 {
	if d.Flipped[i] {
		return d.Train.Rejected.RawRowView(i)
	}
	return d.Train.Chosen.RawRowView(i)
}

func trueOther(d *Data, i int) []float64 {
	if d.Flipped[i] {
		return d.Train.Chosen.RawRowView(i)
	}
	return d.Train.Rejected.RawRowView(i)
}

func TestLabelerMix(t *testing.T) {
	cfg := Config{Seed: 5, Pairs: 6000, Labelers: []Labeler{
		{ID: "a", Bias: Unbiased}, {ID: "b", Bias: Unbiased, Share: 2}, {Bias: LengthBiased, Rate: 1},
	}}
	data, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	flips := map[string]int{}
	for i, id := range data.Train.Labeler {
		counts[id]++
		if data.Flipped[i] {
			flips[id]++
		}
	}
	within(t, "share of a", counts["a"], 6000, 0.25)
	within(t, "share of b", counts["b"], 6000, 0.5)
	within(t, "share of labeler2", counts["labeler2"], 6000, 0.25)
	if flips["a"] != 0 || flips["b"] != 0 {
		t.Errorf("exact labelers flipped pairs: %v", flips)
	}
	within(t, "flips of the length-biased labeler (all pairs with a shorter preferred response)", flips["labeler2"], counts["labeler2"], 0.5)
}

func TestNoisyTruth(t *testing.T) {
	const beta = 0.8
	data, err := Generate(Config{Seed: 9, Pairs: 10, Validation: 5000, Sharpness: beta})
	if err != nil {
		t.Fatal(err)
	}
	// Each validation pair is ordered by the utility with probability
	// σ(β|m|): compare the count with its expectation.
	v := data.Validation
	var expected, variance float64
	agree := 0
	for i := 0; i < v.Len(); i++ {
		m := floats.Dot(data.Utility, v.Chosen.RawRowView(i)) - floats.Dot(data.Utility, v.Rejected.RawRowView(i))
		p := 1 / (1 + math.Exp(-beta*math.Abs(m)))
		expected += p
		variance += p * (1 - p)
		if m > 0 {
			agree++
		}
	}
	if math.Abs(float64(agree)-expected) > 4.5*math.Sqrt(variance) {
		t.Errorf("%d pairs ordered by the utility, expected %.1f ± %.1f", agree, expected, math.Sqrt(variance))
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Dim: 2},
		{Pairs: -1},
		{Sharpness: -1},
		{RegionFraction: 1.5},
		{Labelers: []Labeler{{Rate: 2}}},
		{Labelers: []Labeler{{Share: -1}}},
		{Labelers: []Labeler{{Bias: Bias(9)}}},
	} {
		if _, err := Generate(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func TestChosenLowerAndFlipMask(t *testing.T) {
	data, _ := Generate(Config{Seed: 2, Pairs: 3000})
	concise, err := ChosenLower(data.Validation, LengthFeature)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range concise {
		if c != (data.Validation.Chosen.At(i, 0) < data.Validation.Rejected.At(i, 0)) {
			t.Fatal("ChosenLower disagrees with the features")
		}
	}
	eligible := make([]bool, 3000)
	for i := range eligible {
		eligible[i] = i%3 == 0
	}
	mask, err := FlipMask(eligible, 0.3, 11)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for i, f := range mask {
		if f && !eligible[i] {
			t.Fatal("flipped an ineligible pair")
		}
		if f {
			count++
		}
	}
	within(t, "FlipMask flips", count, 1000, 0.3)
	if _, err := FlipMask(eligible, 1.1, 1); err == nil {
		t.Error("rate 1.1 accepted")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(Config{Pairs: 10000, Dim: 64}); err != nil {
			b.Fatal(err)
		}
	}
}
