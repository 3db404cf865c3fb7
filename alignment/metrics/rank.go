package metrics

import (
	"cmp"
	"slices"
)

// sortedIndices returns the indices of x sorted by value, ascending or
// descending, ties in index order. It costs O(n log n).
func sortedIndices(x []float64, descending bool) []int {
	type item struct {
		v float64
		i int
	}
	items := make([]item, len(x))
	for i, v := range x {
		items[i] = item{v, i}
	}
	slices.SortFunc(items, func(a, b item) int {
		c := cmp.Compare(a.v, b.v)
		if descending {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	order := make([]int, len(x))
	for k, it := range items {
		order[k] = it.i
	}
	return order
}

// tieGroup is a run of equal scores in descending order: items order[start:end].
type tieGroup struct {
	start, end int
	positives  int
}

// descendingGroups sorts item indices by score, highest first, and groups
// equal scores. It costs O(n log n).
func descendingGroups(scores []float64, positive []bool) (order []int, groups []tieGroup) {
	order = sortedIndices(scores, true)
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && scores[order[end]] == scores[order[start]] {
			end++
		}
		g := tieGroup{start: start, end: end}
		for _, i := range order[start:end] {
			if positive[i] {
				g.positives++
			}
		}
		groups = append(groups, g)
		start = end
	}
	return order, groups
}

// Ranks returns the ascending ranks of x, 1 for the smallest, with tied
// values given the mean of the ranks they span ("midranks", as in Spearman's
// correlation and the Mann–Whitney U statistic). NaN values rank lowest,
// each on its own. It costs O(n log n).
func Ranks(x []float64) []float64 {
	order := sortedIndices(x, false)
	r := make([]float64, len(x))
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && x[order[end]] == x[order[start]] {
			end++
		}
		mid := float64(start+end+1) / 2 // mean of ranks start+1 … end
		for _, i := range order[start:end] {
			r[i] = mid
		}
		start = end
	}
	return r
}
