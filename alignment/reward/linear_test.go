package reward_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// centralDiff returns the central finite-difference gradient of f at x.
func centralDiff(f func([]float64) float64, x []float64, h float64) []float64 {
	g := make([]float64, len(x))
	for j := range x {
		old := x[j]
		x[j] = old + h
		fp := f(x)
		x[j] = old - h
		fm := f(x)
		x[j] = old
		g[j] = (fp - fm) / (2 * h)
	}
	return g
}

// assertClose fails when got and want differ by more than tol relative to
// the larger of ‖want‖∞ and 1.
func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	scale := math.Max(1, floats.Norm(want, math.Inf(1)))
	for j := range want {
		if math.Abs(got[j]-want[j]) > tol*scale {
			t.Fatalf("%s[%d] = %.10g, want %.10g", what, j, got[j], want[j])
		}
	}
}

func linearAt(t *testing.T, d int, seed uint64) *reward.Linear {
	t.Helper()
	_, theta := rewardtest.Synthetic(1, d, 2, seed)
	m, err := reward.NewLinear(theta, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLinearDerivativesMatchFiniteDifferences(t *testing.T) {
	c, _ := rewardtest.Synthetic(40, 6, 2, 1)
	c.Weight = make([]float64, c.Len())
	for i := range c.Weight {
		c.Weight[i] = 0.5 + float64(i%3)
	}
	m := linearAt(t, 6, 2)
	objective := func(th []float64) float64 {
		mm, _ := reward.NewLinear(th, m.L2)
		f, err := mm.Objective(c)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	grad, err := m.Gradient(c)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "gradient", grad, centralDiff(objective, append([]float64(nil), m.Theta...), 1e-5), 1e-8)

	// Per-pair gradients against the derivative of each pair's loss.
	g, err := m.PairGradients(c)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		pair := rewardtest.Subset(c, []int{i})
		loss := func(th []float64) float64 {
			mm, _ := reward.NewLinear(th, 0)
			l, err := mm.Loss(pair)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		assertClose(t, "pair gradient", g.RawRowView(i), centralDiff(loss, append([]float64(nil), m.Theta...), 1e-5), 1e-8)
	}

	// Hessian-vector products against differences of gradients, and H v.
	v := []float64{0.3, -1, 2, 0.5, 0, -0.7}
	hv, err := m.HessianVec(c, v)
	if err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	plus, minus := append([]float64(nil), m.Theta...), append([]float64(nil), m.Theta...)
	floats.AddScaled(plus, h, v)
	floats.AddScaled(minus, -h, v)
	gp, _ := (&reward.Linear{Theta: plus, L2: m.L2}).Gradient(c)
	gm, _ := (&reward.Linear{Theta: minus, L2: m.L2}).Gradient(c)
	fd := make([]float64, len(v))
	floats.SubTo(fd, gp, gm)
	floats.Scale(1/(2*h), fd)
	assertClose(t, "Hessian-vector product", hv, fd, 1e-7)
	hess, err := m.Hessian(c)
	if err != nil {
		t.Fatal(err)
	}
	hvDense := mat.NewVecDense(len(v), nil)
	hvDense.MulVec(hess, mat.NewVecDense(len(v), v))
	assertClose(t, "H v", hvDense.RawVector().Data, hv, 1e-12)
}

func TestTrainLinearReachesTheOptimum(t *testing.T) {
	c, _ := rewardtest.Synthetic(300, 8, 3, 3)
	newton, fitN, err := reward.TrainLinearFit(c, reward.LinearConfig{L2: 0.01, Solver: reward.Newton})
	if err != nil {
		t.Fatal(err)
	}
	if fitN.GradientNorm > 1e-10 {
		t.Fatalf("Newton gradient norm %g", fitN.GradientNorm)
	}
	grad, _ := newton.Gradient(c)
	if n := floats.Norm(grad, math.Inf(1)); n > 1e-10 {
		t.Fatalf("gradient at the Newton solution is %g", n)
	}
	lbfgs, _, err := reward.TrainLinearFit(c, reward.LinearConfig{L2: 0.01, Solver: reward.LBFGS, GradientTolerance: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "L-BFGS θ", lbfgs.Theta, newton.Theta, 1e-6)

	// A warm start at the optimum of a nearby problem converges in a few steps.
	warm, fitW, err := reward.TrainLinearFit(rewardtest.Without(c, 0), reward.LinearConfig{L2: 0.01, Init: newton.Theta})
	if err != nil {
		t.Fatal(err)
	}
	if fitW.Iterations > 4 {
		t.Fatalf("warm start took %d Newton iterations", fitW.Iterations)
	}
	if warm.Theta[0] == newton.Theta[0] {
		t.Fatal("removing a pair did not move θ")
	}
	acc, err := newton.Accuracy(c)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.7 {
		t.Fatalf("training accuracy %.3f on data with strong signal", acc)
	}
}

func TestLinearScoresAndMargins(t *testing.T) {
	m := &reward.Linear{Theta: []float64{1, -2}}
	c := &pref.Comparisons{
		Chosen:   mat.NewDense(3, 2, []float64{1, 0, 0, 1, 2, 2}),
		Rejected: mat.NewDense(3, 2, []float64{0, 0, 0, 0, 1, 1}),
	}
	mg, err := m.Margins(c)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "margins", mg, []float64{1, -2, -1}, 0)
	acc, _ := m.Accuracy(c)
	if acc != 1.0/3 {
		t.Fatalf("accuracy %v, want 1/3", acc)
	}
	loss, _ := m.Loss(c)
	want := (reward.PairLoss(1) + reward.PairLoss(-2) + reward.PairLoss(-1)) / 3
	if math.Abs(loss-want) > 1e-15 {
		t.Fatalf("loss %v, want %v", loss, want)
	}
}

func TestBadInputIsReported(t *testing.T) {
	c, _ := rewardtest.Synthetic(10, 3, 1, 4)
	c.Chosen.Set(4, 2, math.NaN())
	for _, solver := range []reward.Solver{reward.Newton, reward.LBFGS} {
		_, err := reward.TrainLinear(c, reward.LinearConfig{Solver: solver})
		if err == nil || !strings.Contains(err.Error(), "row 4 column 2") {
			t.Fatalf("NaN feature, solver %d: error %v", solver, err)
		}
	}
	// Finite features whose difference overflows are named too.
	c, _ = rewardtest.Synthetic(10, 3, 1, 4)
	c.Chosen.Set(2, 1, 1e308)
	c.Rejected.Set(2, 1, -1e308)
	if _, err := reward.TrainLinear(c, reward.LinearConfig{}); err == nil || !strings.Contains(err.Error(), "pair 2 column 1") {
		t.Fatalf("overflowing difference: error %v", err)
	}
	c, _ = rewardtest.Synthetic(10, 3, 1, 4)
	c.Weight = make([]float64, 10)
	c.Weight[3] = -1
	if _, err := reward.TrainLinear(c, reward.LinearConfig{}); err == nil || !strings.Contains(err.Error(), "pair 3") {
		t.Fatalf("negative weight: error %v", err)
	}
	m := &reward.Linear{Theta: []float64{1, 2}}
	if _, err := m.Margins(c); err == nil {
		t.Fatal("dimension mismatch not reported")
	}
}

func TestInterruptedTrainingReturnsErrInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unbind := job.Bind(ctx, nil)
	defer unbind()
	c, _ := rewardtest.Synthetic(200, 4, 1, 5)
	if _, err := reward.TrainLinear(c, reward.LinearConfig{Solver: reward.Newton}); !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("Newton: %v", err)
	}
	if _, err := reward.TrainLinear(c, reward.LinearConfig{Solver: reward.LBFGS}); !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("L-BFGS: %v", err)
	}
	if _, err := reward.TrainMLP(c, reward.MLPConfig{}); !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("MLP: %v", err)
	}
}
