package rlthf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Curve is the reward-margin curve of RLTHF (Xu et al. 2025, §3.2): the
// margin mᵢ = s·(r(A) − r(B)) of every pair under its current label (s = +1
// when the label prefers A, −1 otherwise), sorted from the largest to the
// smallest. The head holds pairs the reward model confidently agrees with,
// the tail pairs it confidently contradicts.
type Curve struct {
	// Margins holds the margins in decreasing order.
	Margins []float64
	// Order maps a position of the curve to the index of its pair:
	// Margins[k] is the margin of pair Order[k]. Equal margins are ordered
	// by a seeded random permutation, so ties never favour low indices.
	Order []int
	Landmarks
}

// Landmarks are the points of a curve where its shape changes.
type Landmarks struct {
	// Elbow is the position where the steep confident head flattens (the
	// curve is farthest below its chord), −1 when the curve has none.
	Elbow int
	// Knee is the position after the elbow where the flat middle turns into
	// the steep tail (the curve is farthest above its chord), −1 when the
	// curve has none.
	Knee int
	// Mirror is the elbow's mirror point: the first position whose margin
	// is at most −Margins[Elbow], as confidently wrong as the elbow is
	// confidently right; −1 when there is no elbow, the elbow's margin is
	// not positive, or no margin is that low.
	Mirror int
	// ElbowDistance and KneeDistance are the perpendicular distances of the
	// elbow and the knee from the chord in normalised coordinates (both axes
	// scaled to [0, 1]); 0 when the landmark is missing.
	ElbowDistance, KneeDistance float64
	// Note explains a missing landmark; empty when both were found.
	Note string
}

// DefaultMinDistance is the smallest normalised distance from the chord
// that FindLandmarks accepts as an elbow or knee when given 0.
const DefaultMinDistance = 0.01

// NewCurve sorts margins into a Curve and finds its landmarks with
// FindLandmarks. seed orders equal margins; minDistance is as in
// FindLandmarks. It returns an error when margins is empty or holds a NaN
// or an infinity.
func NewCurve(margins []float64, seed uint64, minDistance float64) (*Curve, error) {
	if len(margins) == 0 {
		return nil, fmt.Errorf("rlthf: margin curve of no pairs")
	}
	for i, m := range margins {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return nil, fmt.Errorf("rlthf: margin of pair %d is %v", i, m)
		}
	}
	order := rand.New(rand.NewPCG(seed, 0x6d617267696e73)).Perm(len(margins))
	sort.SliceStable(order, func(a, b int) bool { return margins[order[a]] > margins[order[b]] })
	sorted := make([]float64, len(margins))
	for k, i := range order {
		sorted[k] = margins[i]
	}
	return &Curve{Margins: sorted, Order: order, Landmarks: FindLandmarks(sorted, minDistance)}, nil
}

// FindLandmarks finds the elbow, the knee and the elbow's mirror point of a
// curve given by its values in decreasing order, Kneedle-style (Satopää et
// al. 2011): both axes are normalised to [0, 1], xₖ = k/(n−1) and
// yₖ = (vₖ − v_min)/(v_max − v_min), so the chord from the first to the last
// point is y = 1 − x, and the signed difference dₖ = yₖ − (1 − xₖ) is
// computed for every point. The elbow is the point farthest below the chord
// (the minimum of d, where the convex head bends) and the knee the point
// farthest above it after the elbow (the maximum of d, where the concave tail
// begins); their perpendicular distance from the chord is |dₖ|/√2. A
// landmark closer to the chord than minDistance (DefaultMinDistance when 0)
// is reported missing: a straight line, a constant curve, a curve bending
// only one way. The result never depends on the scale or offset of the
// values. Values must be sorted in decreasing order; the function does not
// check.
func FindLandmarks(values []float64, minDistance float64) Landmarks {
	if minDistance == 0 {
		minDistance = DefaultMinDistance
	}
	l := Landmarks{Elbow: -1, Knee: -1, Mirror: -1}
	n := len(values)
	if n < 3 {
		l.Note = fmt.Sprintf("curve of %d points has no elbow or knee", n)
		return l
	}
	hi, lo := values[0], values[n-1]
	if !(hi > lo) {
		l.Note = "all margins are equal: the curve has no elbow or knee"
		return l
	}
	diff := func(k int) float64 {
		x := float64(k) / float64(n-1)
		y := (values[k] - lo) / (hi - lo)
		return y - (1 - x)
	}
	elbow, low := 0, 0.0
	for k := 1; k < n-1; k++ {
		if d := diff(k); d < low {
			elbow, low = k, d
		}
	}
	if -low/math.Sqrt2 >= minDistance {
		l.Elbow, l.ElbowDistance = elbow, -low/math.Sqrt2
	} else {
		elbow = 0
	}
	knee, high := 0, 0.0
	for k := elbow + 1; k < n-1; k++ {
		if d := diff(k); d > high {
			knee, high = k, d
		}
	}
	if high/math.Sqrt2 >= minDistance {
		l.Knee, l.KneeDistance = knee, high/math.Sqrt2
	}
	switch {
	case l.Elbow < 0 && l.Knee < 0:
		l.Note = "the curve is nearly straight: no elbow and no knee"
	case l.Elbow < 0:
		l.Note = "the curve has no elbow (no convex head)"
	case l.Knee < 0:
		l.Note = "the curve has no knee after the elbow (no concave tail)"
	}
	if l.Elbow >= 0 && values[l.Elbow] > 0 {
		limit := -values[l.Elbow]
		// First position at or below the mirrored margin, by bisection
		// over the decreasing values.
		k := sort.Search(n, func(k int) bool { return values[k] <= limit })
		if k < n {
			l.Mirror = k
		}
	}
	return l
}

// RollingAccuracy returns, for each position k of a curve, the fraction of
// true values of correct in the window of width positions centred on k
// (clipped at the ends): the accuracy of the labels along the curve, as in
// the paper's plots of the reward distribution. A width below 1 is taken as
// 1.
func RollingAccuracy(correct []bool, width int) []float64 {
	width = max(width, 1)
	prefix := make([]int, len(correct)+1)
	for k, c := range correct {
		prefix[k+1] = prefix[k]
		if c {
			prefix[k+1]++
		}
	}
	out := make([]float64, len(correct))
	for k := range correct {
		lo, hi := max(0, k-width/2), min(len(correct), k-width/2+width)
		out[k] = float64(prefix[hi]-prefix[lo]) / float64(hi-lo)
	}
	return out
}
