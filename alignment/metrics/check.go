// Package metrics scores rankings and predictions against ground truth:
// detection metrics for a ranking of suspects (ROC-AUC, ROC curve,
// precision and recall at k, average precision), rank and linear
// correlations (Pearson, Spearman, Kendall), and accuracies.
//
// Scores rank items so that a higher score means "more likely positive".
// Ties are handled exactly everywhere: a metric of a ranking with ties is the
// expectation over random orderings of the tied items.
package metrics

import (
	"fmt"
	"math"
)

// checkScores reports an error when scores and positive differ in length,
// are empty, or scores hold NaN.
func checkScores(scores []float64, positive []bool) error {
	if len(scores) != len(positive) {
		return fmt.Errorf("metrics: %d scores but %d labels", len(scores), len(positive))
	}
	if len(scores) == 0 {
		return fmt.Errorf("metrics: no scores")
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return fmt.Errorf("metrics: score %d is NaN", i)
		}
	}
	return nil
}

// checkPaired reports an error when x and y differ in length, have fewer
// than min elements, or hold NaN or Inf.
func checkPaired(x, y []float64, min int) error {
	if len(x) != len(y) {
		return fmt.Errorf("metrics: x has %d values but y has %d", len(x), len(y))
	}
	if len(x) < min {
		return fmt.Errorf("metrics: need at least %d pairs, got %d", min, len(x))
	}
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) {
			return fmt.Errorf("metrics: x[%d] is %v", i, x[i])
		}
		if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
			return fmt.Errorf("metrics: y[%d] is %v", i, y[i])
		}
	}
	return nil
}

// countPositives returns the number of true values in positive.
func countPositives(positive []bool) int {
	p := 0
	for _, b := range positive {
		if b {
			p++
		}
	}
	return p
}
