package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

const tol = 1e-12

func close(a, b float64) bool { return math.Abs(a-b) <= tol }

// pairwiseAUC is the definition of ROC-AUC: the fraction of
// (positive, negative) pairs ordered correctly, ties counting one half.
func pairwiseAUC(scores []float64, positive []bool) float64 {
	var s, n float64
	for i := range scores {
		for j := range scores {
			if !positive[i] || positive[j] {
				continue
			}
			n++
			switch {
			case scores[i] > scores[j]:
				s++
			case scores[i] == scores[j]:
				s += 0.5
			}
		}
	}
	return s / n
}

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name     string
		scores   []float64
		positive []bool
		want     float64
	}{
		{"perfect", []float64{4, 3, 2, 1}, []bool{true, true, false, false}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []bool{true, true, false, false}, 0},
		{"all tied", []float64{7, 7, 7, 7}, []bool{true, false, true, false}, 0.5},
		{"hand", []float64{0.9, 0.8, 0.7, 0.6}, []bool{true, false, true, false}, 0.75},
		{"tie with a negative", []float64{1, 1, 0}, []bool{true, false, false}, 0.75},
	}
	for _, tc := range tests {
		got, err := ROCAUC(tc.scores, tc.positive)
		if err != nil || !close(got, tc.want) {
			t.Errorf("%s: ROCAUC = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func randomRanking(rng *rand.Rand, n, levels int) ([]float64, []bool) {
	scores := make([]float64, n)
	positive := make([]bool, n)
	for i := range scores {
		scores[i] = float64(rng.IntN(levels))
		positive[i] = rng.IntN(3) == 0
	}
	positive[0], positive[1] = true, false
	return scores, positive
}

func TestROCAUCMatchesPairwiseDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		scores, positive := randomRanking(rng, 2+rng.IntN(60), 1+rng.IntN(10))
		got, err := ROCAUC(scores, positive)
		if err != nil {
			t.Fatal(err)
		}
		if want := pairwiseAUC(scores, positive); !close(got, want) {
			t.Fatalf("trial %d: ROCAUC = %v, pairwise definition %v", trial, got, want)
		}
	}
}

func TestROCAUCOfRandomScoresIsNearHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 20000
	scores := make([]float64, n)
	positive := make([]bool, n)
	for i := range scores {
		scores[i] = rng.Float64()
		positive[i] = rng.IntN(2) == 0
	}
	got, err := ROCAUC(scores, positive)
	if err != nil {
		t.Fatal(err)
	}
	// Under no association the AUC has standard error
	// √((n₊+n₋+1)/(12 n₊ n₋)) ≈ 0.004 here; allow 5 of them.
	if math.Abs(got-0.5) > 0.02 {
		t.Errorf("AUC of random scores = %v, want ≈ 0.5", got)
	}
}

func TestROCCurveAreaEqualsAUC(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 30; trial++ {
		scores, positive := randomRanking(rng, 2+rng.IntN(80), 1+rng.IntN(12))
		fpr, tpr, err := ROCCurve(scores, positive)
		if err != nil {
			t.Fatal(err)
		}
		if fpr[0] != 0 || tpr[0] != 0 || fpr[len(fpr)-1] != 1 || tpr[len(tpr)-1] != 1 {
			t.Fatalf("curve does not run from (0,0) to (1,1): %v %v", fpr, tpr)
		}
		area := 0.0
		for i := 1; i < len(fpr); i++ {
			if fpr[i] < fpr[i-1] || tpr[i] < tpr[i-1] {
				t.Fatalf("curve not monotone at %d", i)
			}
			area += (fpr[i] - fpr[i-1]) * (tpr[i] + tpr[i-1]) / 2
		}
		auc, _ := ROCAUC(scores, positive)
		if math.Abs(area-auc) > 1e-9 {
			t.Fatalf("trial %d: trapezoid area %v, AUC %v", trial, area, auc)
		}
	}
}

// expectedPrecisionByEnumeration averages precision@k over all orderings
// of the items, each ordering sorted by score and ties left in the order
// given — the definition of the tie-averaged precision@k.
func expectedPrecisionByEnumeration(scores []float64, positive []bool, k int) float64 {
	n := len(scores)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	var sum float64
	var count int
	var permute func(int)
	permute = func(at int) {
		if at == n {
			// Stable-sort the permutation by descending score.
			order := append([]int(nil), perm...)
			for i := 1; i < n; i++ {
				for j := i; j > 0 && scores[order[j]] > scores[order[j-1]]; j-- {
					order[j], order[j-1] = order[j-1], order[j]
				}
			}
			tp := 0
			for _, i := range order[:k] {
				if positive[i] {
					tp++
				}
			}
			sum += float64(tp) / float64(k)
			count++
			return
		}
		for i := at; i < n; i++ {
			perm[at], perm[i] = perm[i], perm[at]
			permute(at + 1)
			perm[at], perm[i] = perm[i], perm[at]
		}
	}
	permute(0)
	return sum / float64(count)
}

func TestPrecisionAndRecallAtK(t *testing.T) {
	scores := []float64{3, 2, 2, 1, 2, 0}
	positive := []bool{true, true, false, false, true, false}
	for k := 1; k <= len(scores); k++ {
		p, err := PrecisionAtK(scores, positive, k)
		if err != nil {
			t.Fatal(err)
		}
		if want := expectedPrecisionByEnumeration(scores, positive, k); math.Abs(p-want) > 1e-12 {
			t.Errorf("precision@%d = %v, want %v", k, p, want)
		}
		r, _ := RecallAtK(scores, positive, k)
		if math.Abs(r-p*float64(k)/3) > 1e-12 {
			t.Errorf("recall@%d = %v, want precision·k/positives = %v", k, r, p*float64(k)/3)
		}
	}
	// Hand-computed: the top item is positive, then one of the two items
	// tied at score 2, one of which is positive: (1 + 1/2)/2.
	if p, _ := PrecisionAtK([]float64{3, 2, 2, 1}, []bool{true, true, false, false}, 2); !close(p, 0.75) {
		t.Errorf("precision@2 = %v, want 0.75", p)
	}
	if _, err := PrecisionAtK(scores, positive, 0); err == nil {
		t.Error("k = 0 accepted")
	}
}

func TestAveragePrecision(t *testing.T) {
	tests := []struct {
		scores   []float64
		positive []bool
		want     float64
	}{
		{[]float64{4, 3, 2, 1}, []bool{true, true, false, false}, 1},
		{[]float64{0.9, 0.8, 0.7, 0.6}, []bool{true, false, true, false}, 0.5*1 + 0.5*2.0/3},
		{[]float64{1, 2, 3, 4}, []bool{true, false, false, false}, 0.25},
		// A tie of a positive and a negative enters as one threshold.
		{[]float64{5, 5, 1}, []bool{true, false, true}, 0.5*0.5 + 0.5*2.0/3},
	}
	for i, tc := range tests {
		got, err := AveragePrecision(tc.scores, tc.positive)
		if err != nil || !close(got, tc.want) {
			t.Errorf("case %d: AP = %v, %v; want %v", i, got, err, tc.want)
		}
	}
}

func TestCorrelations(t *testing.T) {
	tests := []struct {
		name                     string
		x, y                     []float64
		pearson, spearman, kendl float64
	}{
		{"identity", []float64{1, 2, 3}, []float64{2, 4, 6}, 1, 1, 1},
		{"reversed", []float64{1, 2, 3}, []float64{6, 4, 2}, -1, -1, -1},
		{"one swap", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8, 0.8, 4.0 / 6},
		// Ranks of x are 1, 2.5, 2.5, 4; τ_b = 5/√(5·6).
		{"tie in x", []float64{1, 2, 2, 3}, []float64{1, 2, 3, 4}, 4.5 / math.Sqrt(22.5), 4.5 / math.Sqrt(22.5), 5 / math.Sqrt(30)},
		// Monotone but not linear: ranks agree perfectly.
		{"monotone", []float64{1, 2, 3, 4}, []float64{1, 8, 27, 64}, 0, 1, 1},
	}
	for _, tc := range tests {
		p, err := Pearson(tc.x, tc.y)
		if err != nil {
			t.Fatal(err)
		}
		if tc.name != "monotone" && math.Abs(p-tc.pearson) > 1e-12 {
			t.Errorf("%s: Pearson = %v, want %v", tc.name, p, tc.pearson)
		}
		if s, _ := Spearman(tc.x, tc.y); math.Abs(s-tc.spearman) > 1e-12 {
			t.Errorf("%s: Spearman = %v, want %v", tc.name, s, tc.spearman)
		}
		if k, _ := KendallTau(tc.x, tc.y); math.Abs(k-tc.kendl) > 1e-12 {
			t.Errorf("%s: Kendall = %v, want %v", tc.name, k, tc.kendl)
		}
	}
}

// kendallByPairs is the definition of τ_b, over all pairs in O(n²).
func kendallByPairs(x, y []float64) float64 {
	sign := func(v float64) int {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	var concordant, discordant, tiedX, tiedY int
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			sx, sy := sign(x[i]-x[j]), sign(y[i]-y[j])
			if sx == 0 {
				tiedX++
			}
			if sy == 0 {
				tiedY++
			}
			if sx != 0 && sy != 0 {
				if sx == sy {
					concordant++
				} else {
					discordant++
				}
			}
		}
	}
	n0 := len(x) * (len(x) - 1) / 2
	return float64(concordant-discordant) / math.Sqrt(float64(n0-tiedX)*float64(n0-tiedY))
}

func TestKendallMatchesPairwiseDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 200; trial++ {
		n := 2 + rng.IntN(50)
		levels := 1 + rng.IntN(8)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = float64(rng.IntN(levels))
			y[i] = float64(rng.IntN(levels)) + 0.5*x[i]
		}
		x[0], x[1], y[0], y[1] = 0, 100, 0, 100 // neither constant
		got, err := KendallTau(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if want := kendallByPairs(x, y); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: Kendall = %v, pairwise definition %v (x %v, y %v)", trial, got, want, x, y)
		}
	}
}

func TestBadInput(t *testing.T) {
	nan := math.NaN()
	if _, err := ROCAUC([]float64{1, nan}, []bool{true, false}); err == nil {
		t.Error("NaN score accepted")
	}
	if _, err := ROCAUC([]float64{1, 2}, []bool{true, true}); err == nil {
		t.Error("AUC without negatives accepted")
	}
	if _, err := ROCAUC([]float64{1}, []bool{true, false}); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := Pearson([]float64{1, 1, 1}, []float64{1, 2, 3}); err == nil {
		t.Error("constant input accepted")
	}
	if _, err := Spearman([]float64{1, math.Inf(1)}, []float64{1, 2}); err == nil {
		t.Error("Inf accepted")
	}
	if _, err := PreferenceAccuracy(nil); err == nil {
		t.Error("empty margins accepted")
	}
}

func TestAccuracies(t *testing.T) {
	if a, _ := Accuracy([]bool{true, false, true, true}, []bool{true, true, true, false}); !close(a, 0.5) {
		t.Errorf("Accuracy = %v, want 0.5", a)
	}
	if a, _ := PreferenceAccuracy([]float64{1, -1, 0, 2}); !close(a, 2.5/4) {
		t.Errorf("PreferenceAccuracy = %v, want 0.625", a)
	}
}

func TestRanks(t *testing.T) {
	got := Ranks([]float64{10, 30, 20, 30, 10})
	want := []float64{1.5, 4.5, 3, 4.5, 1.5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Ranks = %v, want %v", got, want)
		}
	}
}

func BenchmarkROCAUC(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	scores, positive := randomRanking(rng, 100000, 1<<30)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ROCAUC(scores, positive); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKendallTau(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	x, y := make([]float64, 100000), make([]float64, 100000)
	for i := range x {
		x[i], y[i] = rng.Float64(), rng.Float64()
	}
	for b.Loop() {
		if _, err := KendallTau(x, y); err != nil {
			b.Fatal(err)
		}
	}
}
