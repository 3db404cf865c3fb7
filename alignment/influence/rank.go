package influence

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Suspects returns the indices of scores from the most to the least
// suspect, that is by decreasing score (ties keep index order). With the
// package's sign convention and a loss measurement, the first pairs are
// those whose presence raises the query loss most; for self-influence and
// the training-loss baseline, those with the largest values. Negate the
// scores first for a margin measurement (low influence on the margin is
// suspect). NaN scores go last.
func Suspects(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := scores[idx[a]], scores[idx[b]]
		if math.IsNaN(y) {
			return !math.IsNaN(x)
		}
		return x > y
	})
	return idx
}

// MeanScores returns the mean of each column of a q×n score matrix: the
// influence of every training pair on the mean of the q measurements (the
// scores are linear in the measurement's gradient).
func MeanScores(s *mat.Dense) []float64 {
	if s == nil {
		return nil
	}
	q, n := s.Dims()
	out := make([]float64, n)
	for r := 0; r < q; r++ {
		row := s.RawRowView(r)
		for j := range out {
			out[j] += row[j] / float64(q)
		}
	}
	return out
}

// LabelerScore aggregates the scores of one labeler's training pairs.
type LabelerScore struct {
	Labeler string
	// Count is the number of pairs; Sum and Mean their total and mean
	// score.
	Count     int
	Sum, Mean float64
}

// ByLabeler aggregates scores (one per training pair) by the labeler of
// each pair and returns one entry per labeler, by decreasing mean score:
// with a loss measurement, the labeler whose pairs most hurt the query set
// comes first.
func ByLabeler(scores []float64, labelers []string) ([]LabelerScore, error) {
	if len(labelers) != len(scores) {
		return nil, fmt.Errorf("influence: %d labelers for %d scores", len(labelers), len(scores))
	}
	at := map[string]int{}
	var out []LabelerScore
	for i, l := range labelers {
		k, ok := at[l]
		if !ok {
			k = len(out)
			at[l] = k
			out = append(out, LabelerScore{Labeler: l})
		}
		out[k].Count++
		out[k].Sum += scores[i]
	}
	for k := range out {
		out[k].Mean = out[k].Sum / float64(out[k].Count)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Mean > out[b].Mean })
	return out, nil
}
