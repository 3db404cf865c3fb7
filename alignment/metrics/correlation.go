package metrics

import (
	"fmt"
	"math"
)

// Pearson returns the Pearson correlation of x and y,
//
//	r = Σ (xᵢ − x̄)(yᵢ − ȳ) / √(Σ (xᵢ − x̄)² · Σ (yᵢ − ȳ)²),
//
// computed with centred sums in one pass after the means. It is an error
// when there are fewer than 2 pairs, values are NaN or Inf, or x or y is
// constant (r is undefined).
func Pearson(x, y []float64) (float64, error) {
	if err := checkPaired(x, y, 2); err != nil {
		return 0, err
	}
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, fmt.Errorf("metrics: correlation undefined for a constant input")
	}
	r := sxy / math.Sqrt(sxx*syy)
	return math.Max(-1, math.Min(1, r)), nil
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// Spearman returns Spearman's rank correlation of x and y: the Pearson
// correlation of their midranks (Ranks), which handles ties exactly. It
// costs O(n log n). It is an error when there are fewer than 2 pairs,
// values are NaN or Inf, or x or y is constant.
func Spearman(x, y []float64) (float64, error) {
	if err := checkPaired(x, y, 2); err != nil {
		return 0, err
	}
	return Pearson(Ranks(x), Ranks(y))
}

// KendallTau returns Kendall's τ_b of x and y,
//
//	τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)),
//
// where n_c and n_d count concordant and discordant pairs, n₀ = n(n−1)/2, and
// n₁, n₂ count the pairs tied in x and in y. It costs O(n²): use Spearman
// for n beyond a few tens of thousands. It is an error when there are fewer
// than 2 pairs, values are NaN or Inf, or x or y is constant.
func KendallTau(x, y []float64) (float64, error) {
	if err := checkPaired(x, y, 2); err != nil {
		return 0, err
	}
	var concordant, discordant, tiedX, tiedY int
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			sx, sy := sign(x[i]-x[j]), sign(y[i]-y[j])
			switch {
			case sx == 0 && sy == 0:
				tiedX++
				tiedY++
			case sx == 0:
				tiedX++
			case sy == 0:
				tiedY++
			case sx == sy:
				concordant++
			default:
				discordant++
			}
		}
	}
	n0 := len(x) * (len(x) - 1) / 2
	den := math.Sqrt(float64(n0-tiedX) * float64(n0-tiedY))
	if den == 0 {
		return 0, fmt.Errorf("metrics: correlation undefined for a constant input")
	}
	return float64(concordant-discordant) / den, nil
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
