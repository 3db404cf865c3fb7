package reward_test

import (
	"testing"

	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func TestMLPDerivativesMatchFiniteDifferences(t *testing.T) {
	c, _ := rewardtest.Synthetic(12, 4, 2, 6)
	for _, act := range []reward.Activation{reward.Tanh, reward.ReLU, reward.GELU} {
		t.Run(act.String(), func(t *testing.T) {
			m, err := reward.NewMLP([]int{4, 5, 3}, act, 0.01, 7)
			if err != nil {
				t.Fatal(err)
			}
			// Shift biases so that ReLU units are active and inactive.
			for _, l := range m.Layers()[:2] {
				for o := 0; o < l.Out; o++ {
					m.Theta[l.Offset+o*l.In+l.In-1] = 0.3 * float64(o%3-1)
				}
			}
			theta := append([]float64(nil), m.Theta...)
			at := func(th []float64) *reward.MLP {
				mm := *m
				mm.Theta = th
				return &mm
			}
			D := m.NumParams()
			J := mat.NewDense(3, D, nil)
			mg := make([]float64, 3)
			if err := m.MarginGradients(c, 2, mg, J); err != nil {
				t.Fatal(err)
			}
			all, _ := m.Margins(c)
			assertClose(t, "margins", mg, all[2:5], 1e-14)
			for i := 0; i < 3; i++ {
				margin := func(th []float64) float64 {
					v, err := at(th).Margins(c)
					if err != nil {
						t.Fatal(err)
					}
					return v[2+i]
				}
				assertClose(t, "margin gradient", J.RawRowView(i), centralDiff(margin, theta, 1e-6), 1e-6)
			}
			f, grad, err := m.ObjectiveGradient(c)
			if err != nil {
				t.Fatal(err)
			}
			objective := func(th []float64) float64 {
				v, _, err := at(th).ObjectiveGradient(c)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			if f != objective(theta) {
				t.Fatal("objective is not deterministic")
			}
			assertClose(t, "objective gradient", grad, centralDiff(objective, theta, 1e-6), 1e-6)

			// The layer terms rebuild the margin gradients: s_w⊗a_w + s_l⊗a_l.
			layers := m.Layers()
			terms := make([]reward.LayerTerms, len(layers))
			for k, l := range layers {
				terms[k] = reward.LayerTerms{
					AChosen: mat.NewDense(3, l.In, nil), ARejected: mat.NewDense(3, l.In, nil),
					SChosen: mat.NewDense(3, l.Out, nil), SRejected: mat.NewDense(3, l.Out, nil),
				}
			}
			if err := m.LayerTerms(c, 2, terms); err != nil {
				t.Fatal(err)
			}
			for k, l := range layers {
				for i := 0; i < 3; i++ {
					var dw mat.Dense
					dw.Outer(1, terms[k].SChosen.RowView(i), terms[k].AChosen.RowView(i))
					var dl mat.Dense
					dl.Outer(1, terms[k].SRejected.RowView(i), terms[k].ARejected.RowView(i))
					dw.Add(&dw, &dl)
					assertClose(t, "layer terms", dw.RawMatrix().Data, J.RawRowView(i)[l.Offset:l.Offset+l.Size()], 1e-14)
				}
			}
		})
	}
}

func TestTrainMLPLearnsALinearUtility(t *testing.T) {
	train, truth := rewardtest.Synthetic(600, 5, 4, 8)
	valid, _ := rewardtest.Synthetic(300, 5, 4, 8) // same θ*, other pairs
	_ = truth
	m, fit, err := reward.TrainMLPFit(train, reward.MLPConfig{Hidden: []int{16}, Epochs: 60, LearningRate: 3e-3, Seed: 1, Validation: valid})
	if err != nil {
		t.Fatal(err)
	}
	if fit.TrainLoss[len(fit.TrainLoss)-1] >= fit.TrainLoss[0] {
		t.Fatalf("training loss did not decrease: %v", fit.TrainLoss)
	}
	lin, err := reward.TrainLinear(train, reward.LinearConfig{})
	if err != nil {
		t.Fatal(err)
	}
	accMLP, _ := m.Accuracy(valid)
	accLin, _ := lin.Accuracy(valid)
	if accMLP < accLin-0.05 {
		t.Fatalf("MLP validation accuracy %.3f, linear model %.3f", accMLP, accLin)
	}
	// Kept parameters are those of the best validation epoch.
	vl, _ := m.Loss(valid)
	if vl != floats.Min(fit.ValidationLoss) {
		t.Fatalf("kept validation loss %v, best %v", vl, floats.Min(fit.ValidationLoss))
	}
	// Same seed, same model.
	again, err := reward.TrainMLP(train, reward.MLPConfig{Hidden: []int{16}, Epochs: 60, LearningRate: 3e-3, Seed: 1, Validation: valid})
	if err != nil {
		t.Fatal(err)
	}
	if !floats.Equal(again.Theta, m.Theta) {
		t.Fatal("training with the same seed gave a different model")
	}
}

func TestMLPWithInconsistentFieldsReportsAnError(t *testing.T) {
	m, _ := reward.NewMLP([]int{3, 4}, reward.Tanh, 0, 1)
	m.Theta = m.Theta[:5]
	if _, err := m.Score(mat.NewDense(2, 3, nil)); err == nil {
		t.Fatal("short Theta accepted")
	}
	c, _ := rewardtest.Synthetic(4, 3, 1, 1)
	if _, err := reward.TrainMLP(c, reward.MLPConfig{Init: m}); err == nil {
		t.Fatal("short Init accepted")
	}
	if _, err := (&reward.MLP{}).Margins(c); err == nil {
		t.Fatal("empty MLP accepted")
	}
}
