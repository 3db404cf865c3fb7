package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
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
// n₁, n₂ count the pairs tied in x and in y. It uses Knight's algorithm
// (Knight, "A computer method for calculating Kendall's tau with ungrouped
// data", JASA 1966): sort by x, then count the discordant pairs as the
// inversions of y by merge sort, in O(n log n). It is an error when there are
// fewer than 2 pairs, values are NaN or Inf, or x or y is constant.
func KendallTau(x, y []float64) (float64, error) {
	if err := checkPaired(x, y, 2); err != nil {
		return 0, err
	}
	n := len(x)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(x[a], x[b]); c != 0 {
			return c
		}
		return cmp.Compare(y[a], y[b])
	})
	// Pairs tied in x (n₁) and tied in both (n₃).
	var tiedX, tiedBoth int64
	for start := 0; start < n; {
		end, sameY := start+1, int64(1)
		for end < n && x[order[end]] == x[order[start]] {
			if y[order[end]] == y[order[end-1]] {
				sameY++
			} else {
				tiedBoth += sameY * (sameY - 1) / 2
				sameY = 1
			}
			end++
		}
		tiedBoth += sameY * (sameY - 1) / 2
		t := int64(end - start)
		tiedX += t * (t - 1) / 2
		start = end
	}
	ys := make([]float64, n)
	for k, i := range order {
		ys[k] = y[i]
	}
	discordant := sortCountingInversions(ys, make([]float64, n))
	var tiedY int64
	for start := 0; start < n; {
		end := start + 1
		for end < n && ys[end] == ys[start] {
			end++
		}
		t := int64(end - start)
		tiedY += t * (t - 1) / 2
		start = end
	}
	n0 := int64(n) * int64(n-1) / 2
	den := math.Sqrt(float64(n0-tiedX) * float64(n0-tiedY))
	if den == 0 {
		return 0, fmt.Errorf("metrics: correlation undefined for a constant input")
	}
	return float64(n0-tiedX-tiedY+tiedBoth-2*discordant) / den, nil
}

// sortCountingInversions sorts v in place by merge sort, using buf (of the
// same length) as scratch, and returns the number of pairs i < j with
// v[i] > v[j] before sorting. Equal values are not inversions.
func sortCountingInversions(v, buf []float64) int64 {
	if len(v) < 2 {
		return 0
	}
	mid := len(v) / 2
	inv := sortCountingInversions(v[:mid], buf[:mid]) + sortCountingInversions(v[mid:], buf[mid:])
	i, j, k := 0, mid, 0
	for i < mid && j < len(v) {
		if v[j] < v[i] {
			inv += int64(mid - i)
			buf[k] = v[j]
			j++
		} else {
			buf[k] = v[i]
			i++
		}
		k++
	}
	k += copy(buf[k:], v[i:mid])
	copy(buf[k:], v[j:])
	copy(v, buf)
	return inv
}
