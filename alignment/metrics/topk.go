package metrics

import "fmt"

// expectedTruePositivesAtK returns the expected number of positives among
// the k highest scores, ties at the cut broken uniformly at random: a tied
// group of m items with p positives of which r fall above the cut
// contributes r·p/m.
func expectedTruePositivesAtK(scores []float64, positive []bool, k int) float64 {
	_, groups := descendingGroups(scores, positive)
	tp := 0.0
	for _, g := range groups {
		m := g.end - g.start
		if g.end <= k {
			tp += float64(g.positives)
			continue
		}
		if g.start < k {
			tp += float64(k-g.start) * float64(g.positives) / float64(m)
		}
		break
	}
	return tp
}

func checkK(n, k int) error {
	if k < 1 || k > n {
		return fmt.Errorf("metrics: k = %d outside 1…%d", k, n)
	}
	return nil
}

// PrecisionAtK returns the fraction of positives among the k highest
// scores (expected value when ties straddle the cut). k must be in 1…n.
func PrecisionAtK(scores []float64, positive []bool, k int) (float64, error) {
	if err := checkScores(scores, positive); err != nil {
		return 0, err
	}
	if err := checkK(len(scores), k); err != nil {
		return 0, err
	}
	return expectedTruePositivesAtK(scores, positive, k) / float64(k), nil
}

// RecallAtK returns the fraction of all positives found among the k highest
// scores (expected value when ties straddle the cut). k must be in 1…n and
// there must be at least one positive.
func RecallAtK(scores []float64, positive []bool, k int) (float64, error) {
	if err := checkScores(scores, positive); err != nil {
		return 0, err
	}
	if err := checkK(len(scores), k); err != nil {
		return 0, err
	}
	np := countPositives(positive)
	if np == 0 {
		return 0, fmt.Errorf("metrics: recall needs at least one positive")
	}
	return expectedTruePositivesAtK(scores, positive, k) / float64(np), nil
}

// AveragePrecision returns the area under the precision–recall step curve,
//
//	AP = Σ_t (R_t − R_{t−1}) P_t,
//
// over the distinct score thresholds t from highest to lowest, where P_t and
// R_t are the precision and recall of "score ≥ t" (tied scores enter
// together, as in scikit-learn's average_precision_score). A perfect ranking
// gives 1; a random one about the positive rate. There must be at least one
// positive.
func AveragePrecision(scores []float64, positive []bool) (float64, error) {
	if err := checkScores(scores, positive); err != nil {
		return 0, err
	}
	np := countPositives(positive)
	if np == 0 {
		return 0, fmt.Errorf("metrics: average precision needs at least one positive")
	}
	_, groups := descendingGroups(scores, positive)
	ap, tp := 0.0, 0
	for _, g := range groups {
		if g.positives == 0 {
			continue
		}
		tp += g.positives
		ap += float64(g.positives) / float64(np) * float64(tp) / float64(g.end)
	}
	return ap, nil
}
