package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/golign/golign/alignment/compress"
	"gonum.org/v1/gonum/mat"
)

// TestLogLogFit recovers the exponent and constant of exact power laws.
func TestLogLogFit(t *testing.T) {
	for _, tc := range []struct{ c, b float64 }{{3, 1.5}, {0.01, 1}, {2e-6, 2.7}} {
		x := []float64{100, 200, 400, 800, 1600}
		y := make([]float64, len(x))
		for i := range x {
			y[i] = tc.c * math.Pow(x[i], tc.b)
		}
		slope, intercept := logLogFit(x, y)
		if math.Abs(slope-tc.b) > 1e-12 || math.Abs(math.Exp(intercept)-tc.c) > 1e-9*tc.c {
			t.Errorf("fit of %g·x^%g: slope %g, constant %g", tc.c, tc.b, slope, math.Exp(intercept))
		}
	}
}

// TestOPORPLayout checks that the bins and signs handed to the NumPy peer
// reproduce golign's sketch: y_bin(i) += sign(i)·x_i.
func TestOPORPLayout(t *testing.T) {
	for _, tc := range []struct{ d, k int }{{64, 8}, {100, 7}, {4096, 512}} {
		bins, signs, err := oporpLayout(tc.d, tc.k, 9)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := compress.NewOPORP(tc.d, tc.k, 9)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 1))
		x := make([]float64, tc.d)
		fillNormal(x, rng, 1)
		want, err := sk.Compress(x)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, tc.k)
		for i, v := range x {
			got[int(bins[i])] += signs[i] * v
		}
		for b := range got {
			if math.Abs(got[b]-want[b]) > 1e-12 {
				t.Fatalf("D=%d K=%d: bin %d is %g from the layout, %g from the sketch", tc.d, tc.k, b, got[b], want[b])
			}
		}
	}
}

// TestCompareAnswers checks the relative difference of saved answers and
// that mismatched shapes are an error.
func TestCompareAnswers(t *testing.T) {
	dir := t.TempDir()
	if err := saveNPY(answerPath(dir), mat.NewDense(2, 2, []float64{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	if err := saveNPY(filepath.Join(dir, "numpy.npy"), mat.NewDense(2, 2, []float64{1, 2, 3, 4.5})); err != nil {
		t.Fatal(err)
	}
	got, err := compareAnswers(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.5 / 4.5; math.Abs(got-want) > 1e-15 {
		t.Errorf("max relative difference %g, want %g", got, want)
	}
	if err := saveNPY(filepath.Join(dir, "numpy.npy"), mat.NewDense(1, 4, []float64{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	if _, err := compareAnswers(dir); err == nil {
		t.Error("answers of shapes 2×2 and 1×4 compared without error")
	}
}

// TestParamsRoundTrip checks that params.json keeps every field.
func TestParamsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := Params{N: 3, Dim: 4, Queries: 5, K: 2, L2: 1e-3, Tolerance: 1e-10, MaxIterations: 50, Steps: 7, Seed: 11}
	if err := writeParams(dir, p); err != nil {
		t.Fatal(err)
	}
	got, err := readParams(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != p {
		t.Errorf("read %+v, wrote %+v", got, p)
	}
}
