package metrics

import "sort"

// tieGroup is a run of equal scores in descending order: items order[start:end].
type tieGroup struct {
	start, end int
	positives  int
}

// descendingGroups sorts item indices by score, highest first, and groups
// equal scores. It costs O(n log n).
func descendingGroups(scores []float64, positive []bool) (order []int, groups []tieGroup) {
	order = make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
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
// correlation and the Mann–Whitney U statistic). It costs O(n log n).
func Ranks(x []float64) []float64 {
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return x[order[a]] < x[order[b]] })
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
