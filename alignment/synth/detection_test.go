package synth_test

import (
	"testing"

	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/synth"
)

// influenceScores scores the training pairs of data by their influence on
// the mean loss of query under model, estimated with method.
func influenceScores(t *testing.T, data *synth.Data, model *reward.Linear, query *pref.Comparisons, method influence.Method) []float64 {
	t.Helper()
	f, err := influence.Fit(influence.Problem{Model: model, Train: data.Train, Measurement: influence.MeanQueryLoss}, influence.Config{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Scores(query)
	if err != nil {
		t.Fatal(err)
	}
	return s.RawRowView(0)
}

// The purpose of the biased labelers: their flips are what influence on a
// targeted validation set finds (Min et al. 2025), better than influence on
// the full validation set and than the training loss.
func TestBiasedFlipsAreFoundByTargetedInfluence(t *testing.T) {
	tests := []struct {
		bias    synth.Bias
		feature int
	}{
		{synth.LengthBiased, synth.LengthFeature},
		{synth.SycophancyBiased, synth.AgreementFeature},
	}
	for _, tc := range tests {
		data, err := synth.Generate(synth.Config{Seed: 1, Pairs: 1000, Validation: 400, Sharpness: 1, UtilityNorm: 1,
			Labelers: []synth.Labeler{{Bias: tc.bias, Rate: 0.2}}})
		if err != nil {
			t.Fatal(err)
		}
		model, err := reward.TrainLinear(data.Train, reward.LinearConfig{})
		if err != nil {
			t.Fatal(err)
		}
		lower, err := synth.ChosenLower(data.Validation, tc.feature)
		if err != nil {
			t.Fatal(err)
		}
		targeted, err := data.Validation.Select(lower)
		if err != nil {
			t.Fatal(err)
		}
		auc := func(scores []float64) float64 {
			a, err := metrics.ROCAUC(scores, data.Flipped)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		targetedAUC := auc(influenceScores(t, data, model, targeted, influence.Exact))
		fullAUC := auc(influenceScores(t, data, model, data.Validation, influence.Exact))
		lossAUC := auc(influenceScores(t, data, model, targeted, influence.TrainingLoss))
		if targetedAUC < 0.7 || targetedAUC <= fullAUC || targetedAUC <= lossAUC {
			t.Errorf("%v: AUC targeted %.3f, full %.3f, training loss %.3f; want targeted ≥ 0.7 and best", tc.bias, targetedAUC, fullAUC, lossAUC)
		}
	}
}

func TestBiasedLabelerHasTheHighestMeanInfluence(t *testing.T) {
	data, err := synth.Generate(synth.Config{Seed: 3, Pairs: 2000, Validation: 400, Sharpness: 1, UtilityNorm: 1,
		Labelers: []synth.Labeler{
			{ID: "a", Rate: 0.05}, {ID: "b", Rate: 0.05}, {ID: "biased", Bias: synth.LengthBiased, Rate: 0.5}, {ID: "c", Rate: 0.05},
		}})
	if err != nil {
		t.Fatal(err)
	}
	model, err := reward.TrainLinear(data.Train, reward.LinearConfig{})
	if err != nil {
		t.Fatal(err)
	}
	concise, _ := synth.ChosenLower(data.Validation, synth.LengthFeature)
	query, err := data.Validation.Select(concise)
	if err != nil {
		t.Fatal(err)
	}
	ranking, err := influence.ByLabeler(influenceScores(t, data, model, query, influence.DataInf), data.Train.Labeler)
	if err != nil {
		t.Fatal(err)
	}
	if ranking[0].Labeler != "biased" {
		t.Errorf("labelers ranked %+v, want the biased one first", ranking)
	}
}
