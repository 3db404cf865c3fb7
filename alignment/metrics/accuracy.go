package metrics

import (
	"fmt"
	"math"
)

// Accuracy returns the fraction of predictions equal to the truth.
func Accuracy(predicted, truth []bool) (float64, error) {
	if len(predicted) != len(truth) {
		return 0, fmt.Errorf("metrics: %d predictions but %d labels", len(predicted), len(truth))
	}
	if len(truth) == 0 {
		return 0, fmt.Errorf("metrics: no predictions")
	}
	right := 0
	for i := range truth {
		if predicted[i] == truth[i] {
			right++
		}
	}
	return float64(right) / float64(len(truth)), nil
}

// PreferenceAccuracy returns the fraction of preference pairs a reward
// model orders like their labels, given its margins r(x, y_w) − r(x, y_l):
// a positive margin counts 1, a zero margin 1/2 (a coin toss), a negative
// one 0. It is an error when margins is empty or holds NaN.
func PreferenceAccuracy(margins []float64) (float64, error) {
	if len(margins) == 0 {
		return 0, fmt.Errorf("metrics: no margins")
	}
	s := 0.0
	for i, m := range margins {
		switch {
		case math.IsNaN(m):
			return 0, fmt.Errorf("metrics: margin %d is NaN", i)
		case m > 0:
			s++
		case m == 0:
			s += 0.5
		}
	}
	return s / float64(len(margins)), nil
}
