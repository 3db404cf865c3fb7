package influence_test

import (
	"math"
	"testing"

	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"gonum.org/v1/gonum/mat"
)

func TestLeaveOneOutRemovesThePair(t *testing.T) {
	m, train, query := linearProblem(t, 60, 4, 2, 13)
	p := influence.Problem{Model: m, Train: train}
	loo, err := influence.LeaveOneOut(p, query, []int{0, 7})
	if err != nil {
		t.Fatal(err)
	}
	for k, j := range []int{0, 7} {
		without, err := reward.TrainLinear(rewardtest.Without(train, j), reward.LinearConfig{L2: l2, GradientTolerance: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		mg, _ := without.Margins(query)
		base, _ := m.Margins(query)
		for r := range mg {
			want := reward.PairLoss(mg[r]) - reward.PairLoss(base[r])
			if math.Abs(loo.At(r, k)-want) > 1e-9 {
				t.Fatalf("pair %d, query %d: change %g, want %g", j, r, loo.At(r, k), want)
			}
		}
	}
	if _, err := influence.LeaveOneOut(p, query, []int{60}); err == nil {
		t.Fatal("out-of-range pair accepted")
	}
}

func TestDatamodelingScoreRanksEstimators(t *testing.T) {
	m, train, query := linearProblem(t, 200, 6, 3, 14)
	p := influence.Problem{Model: m, Train: train, Measurement: influence.MeanQueryLoss}
	lds := func(method influence.Method) float64 {
		s := scores(t, p, influence.Config{Method: method}, query)
		v, err := influence.DatamodelingScore(p, query, s, 30, 0.9, 1)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	exact, identity := lds(influence.Exact), lds(influence.Identity)
	t.Logf("linear datamodeling score: exact %.3f, identity %.3f", exact, identity)
	if exact < 0.9 || exact <= identity {
		t.Fatalf("datamodeling score: exact %.3f, identity %.3f", exact, identity)
	}
	if _, err := influence.DatamodelingScore(p, query, mat.NewDense(1, 3, nil), 30, 0.5, 1); err == nil {
		t.Fatal("scores of the wrong shape accepted")
	}
}
