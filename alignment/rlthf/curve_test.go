package rlthf

import (
	"math"
	"strings"
	"testing"
)

// sampleCurve evaluates f at n evenly spaced points of [0, 1].
func sampleCurve(n int, f func(x float64) float64) []float64 {
	v := make([]float64, n)
	for k := range v {
		v[k] = f(float64(k) / float64(n-1))
	}
	return v
}

// piecewise is the decreasing polyline through the given (x, y) corners.
func piecewise(xs, ys []float64) func(float64) float64 {
	return func(x float64) float64 {
		for j := 1; j < len(xs); j++ {
			if x <= xs[j] {
				return ys[j-1] + (ys[j]-ys[j-1])*(x-xs[j-1])/(xs[j]-xs[j-1])
			}
		}
		return ys[len(ys)-1]
	}
}

func TestFindLandmarksKnownCurves(t *testing.T) {
	// The logistic quantile y = log((1−x)/x) on [ε, 1−ε] meets the slope of
	// its chord, −2·log((1−ε)/ε)/(1−2ε), where x(1−x) = (1−2ε)/(2·log((1−ε)/ε)):
	// the elbow and the knee are the two roots. The curve is odd about its
	// middle, so the elbow's mirror point is symmetric to the elbow.
	const eps = 0.01
	c := (1 - 2*eps) / (2 * math.Log((1-eps)/eps))
	root := math.Sqrt(1 - 4*c)
	toGrid := func(x float64) float64 { return (x - eps) / (1 - 2*eps) }
	logistic := func(u float64) float64 {
		x := eps + (1-2*eps)*u
		return math.Log((1 - x) / x)
	}
	corners := []float64{0, 0.1, 0.9, 1}
	tests := []struct {
		name                string
		n                   int
		f                   func(float64) float64
		elbow, knee, mirror float64 // fractions of the curve; −1 when missing
		tol                 float64 // in fractions of the curve
		note                string
	}{
		{"polyline, mirror in the tail", 1001, piecewise(corners, []float64{6, 2, 0, -4}), 0.1, 0.9, 0.95, 0.001, ""},
		{"polyline, no mirror", 1001, piecewise(corners, []float64{3, 1.4, 0.6, -1}), 0.1, 0.9, -1, 0.001, ""},
		{"logistic quantile", 2001, logistic, toGrid((1 - root) / 2), toGrid((1 + root) / 2), 1 - toGrid((1-root)/2), 0.001, ""},
		{"straight line", 500, func(x float64) float64 { return 1 - 2*x }, -1, -1, -1, 0, "nearly straight"},
		{"constant", 500, func(float64) float64 { return 0.3 }, -1, -1, -1, 0, "all margins are equal"},
		{"convex only", 1001, func(x float64) float64 { return math.Pow(1-x, 4) }, 1 - math.Pow(0.25, 1.0/3), -1, -1, 0.001, "no knee"},
		{"concave only", 1001, func(x float64) float64 { return -math.Pow(x, 4) }, -1, math.Pow(0.25, 1.0/3), -1, 0.001, "no elbow"},
		{"two points", 2, func(x float64) float64 { return -x }, -1, -1, -1, 0, "2 points"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := FindLandmarks(sampleCurve(tc.n, tc.f), 0)
			check := func(what string, got int, want float64) {
				t.Helper()
				if want < 0 {
					if got != -1 {
						t.Errorf("%s at %d, want none", what, got)
					}
					return
				}
				if frac := float64(got) / float64(tc.n-1); math.Abs(frac-want) > tc.tol+1/float64(tc.n-1) {
					t.Errorf("%s at %.4f of the curve, want %.4f", what, frac, want)
				}
			}
			check("elbow", l.Elbow, tc.elbow)
			check("knee", l.Knee, tc.knee)
			check("mirror", l.Mirror, tc.mirror)
			if tc.note == "" && l.Note != "" || !strings.Contains(l.Note, tc.note) {
				t.Errorf("note %q, want one containing %q", l.Note, tc.note)
			}
		})
	}
}

func TestFindLandmarksScaleInvariant(t *testing.T) {
	base := sampleCurve(777, func(x float64) float64 { return math.Tan(math.Pi * (0.47 - 0.94*x)) })
	want := FindLandmarks(base, 0)
	for _, a := range []float64{1e-6, 3, 1e5} {
		for _, b := range []float64{-7, 0, 2} {
			v := make([]float64, len(base))
			for k := range v {
				v[k] = a*base[k] + b
			}
			got := FindLandmarks(v, 0)
			if got.Elbow != want.Elbow || got.Knee != want.Knee || math.Abs(got.KneeDistance-want.KneeDistance) > 1e-9 {
				t.Errorf("a=%v b=%v: elbow %d knee %d (%.6f), want %d %d (%.6f)", a, b,
					got.Elbow, got.Knee, got.KneeDistance, want.Elbow, want.Knee, want.KneeDistance)
			}
		}
	}
}

func TestNewCurve(t *testing.T) {
	m := []float64{0.5, -2, 3, 0.5, 0.5, 1}
	c, err := NewCurve(m, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range c.Order {
		if c.Margins[k] != m[i] {
			t.Fatalf("position %d holds margin %v but pair %d has %v", k, c.Margins[k], i, m[i])
		}
		if k > 0 && c.Margins[k] > c.Margins[k-1] {
			t.Fatalf("margins not decreasing at %d: %v", k, c.Margins)
		}
	}
	// Ties are ordered by the seed, not by index: some seed puts pair 4
	// before pair 0.
	moved := false
	for seed := uint64(0); seed < 20 && !moved; seed++ {
		c, _ := NewCurve(m, seed, 0)
		moved = c.Order[2] != 0
	}
	if !moved {
		t.Error("equal margins always keep their index order")
	}
	for _, bad := range [][]float64{nil, {1, math.NaN()}, {math.Inf(-1)}} {
		if _, err := NewCurve(bad, 0, 0); err == nil {
			t.Errorf("NewCurve(%v) succeeded", bad)
		}
	}
}
