package metrics_test

import (
	"fmt"

	"github.com/golign/golign/alignment/metrics"
)

// Score a ranking of suspects against the truth: the AUC is the chance that
// a true positive outranks a negative, and precision at k the share of
// positives among the k top suspects.
func ExampleROCAUC() {
	scores := []float64{0.9, 0.8, 0.7, 0.6, 0.2}
	mislabelled := []bool{true, false, true, false, false}
	auc, _ := metrics.ROCAUC(scores, mislabelled)
	p2, _ := metrics.PrecisionAtK(scores, mislabelled, 2)
	fmt.Println(auc, p2)
}
