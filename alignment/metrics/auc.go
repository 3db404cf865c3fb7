package metrics

import "fmt"

// ROCAUC returns the area under the ROC curve of scores against the
// positive labels: the probability that a random positive scores higher
// than a random negative, ties counting one half. It is computed in the
// Mann–Whitney form
//
//	AUC = (R₊ − n₊(n₊+1)/2) / (n₊ n₋),
//
// where R₊ is the sum of the midranks (Ranks) of the positives, in
// O(n log n). A perfect ranking gives 1, a reversed one 0, constant scores
// 0.5. It is an error when scores hold NaN or either class is empty.
func ROCAUC(scores []float64, positive []bool) (float64, error) {
	if err := checkScores(scores, positive); err != nil {
		return 0, err
	}
	np := countPositives(positive)
	nn := len(positive) - np
	if np == 0 || nn == 0 {
		return 0, fmt.Errorf("metrics: ROC-AUC needs positives and negatives, got %d and %d", np, nn)
	}
	ranks := Ranks(scores)
	sum := 0.0
	for i, r := range ranks {
		if positive[i] {
			sum += r
		}
	}
	p, n := float64(np), float64(nn)
	return (sum - p*(p+1)/2) / (p * n), nil
}

// ROCCurve returns the points of the ROC curve of scores against the
// positive labels: the false and true positive rates of the rule
// "score ≥ t" for every distinct score t, from highest to lowest, preceded by
// (0, 0). Tied scores give one point, so the trapezoidal area under the
// points equals ROCAUC. It is an error when scores hold NaN or either class
// is empty.
func ROCCurve(scores []float64, positive []bool) (falsePositiveRate, truePositiveRate []float64, err error) {
	if err := checkScores(scores, positive); err != nil {
		return nil, nil, err
	}
	np := countPositives(positive)
	nn := len(positive) - np
	if np == 0 || nn == 0 {
		return nil, nil, fmt.Errorf("metrics: ROC curve needs positives and negatives, got %d and %d", np, nn)
	}
	_, groups := descendingGroups(scores, positive)
	falsePositiveRate = make([]float64, 1, len(groups)+1)
	truePositiveRate = make([]float64, 1, len(groups)+1)
	tp, fp := 0, 0
	for _, g := range groups {
		tp += g.positives
		fp += g.end - g.start - g.positives
		falsePositiveRate = append(falsePositiveRate, float64(fp)/float64(nn))
		truePositiveRate = append(truePositiveRate, float64(tp)/float64(np))
	}
	return falsePositiveRate, truePositiveRate, nil
}
