package rlthf

import (
	"testing"

	"github.com/golign/golign/alignment/rlthf/annotate"
)

func TestSweepSyntheticSuccess(t *testing.T) {
	p := newBiasedProblem(t, 4000, 4000, 8, 7)
	t.Logf("AI labeler error rate %.3f", p.aiErrRate)
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	table, err := Sweep(p.pool, p.ai, oracle, SweepConfig{Methods: append(Methods(), Ablations()[1:]...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.Markdown())
}
