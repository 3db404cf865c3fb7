package influence_test

import (
	"testing"

	"github.com/golign/golign/alignment/compress"
	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/synth"
)

func TestLayeredSketchKeepsDataInfRanking(t *testing.T) {
	// An MLP reward model (16 → 128 → 1, D = 2304) trained on length-biased
	// pairs; DataInf's influence on the mean loss of the concise validation
	// pairs, computed on gradients sketched to K = D/8, against the same on
	// the full gradients. A per-layer sketch keeps DataInf's layers; one
	// sketch of the whole gradient turns it into a single-layer DataInf, a
	// different estimator, and ranks further from the uncompressed scores.
	data, err := synth.Generate(synth.Config{Seed: 1, Pairs: 600, Validation: 200, Sharpness: 1, UtilityNorm: 1,
		Labelers: []synth.Labeler{{Bias: synth.LengthBiased, Rate: 0.2}}})
	if err != nil {
		t.Fatal(err)
	}
	concise, err := synth.ChosenLower(data.Validation, synth.LengthFeature)
	if err != nil {
		t.Fatal(err)
	}
	query, err := data.Validation.Select(concise)
	if err != nil {
		t.Fatal(err)
	}
	m, err := reward.TrainMLP(data.Train, reward.MLPConfig{Hidden: []int{128}, Epochs: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	D := m.NumParams()
	p := influence.Problem{Model: m, Train: data.Train, Measurement: influence.MeanQueryLoss}
	full := scores(t, p, influence.Config{Method: influence.DataInf}, query).RawRowView(0)
	spearman := func(c influence.Compressor) float64 {
		s := scores(t, p, influence.Config{Method: influence.DataInf, Compressor: c}, query).RawRowView(0)
		rho, err := metrics.Spearman(s, full)
		if err != nil {
			t.Fatal(err)
		}
		return rho
	}
	const seeds = 3
	layered, single := 0.0, 0.0
	for seed := uint64(0); seed < seeds; seed++ {
		lc, err := influence.LayeredOPORP(m, D/8, seed)
		if err != nil {
			t.Fatal(err)
		}
		sc, _ := compress.NewOPORP(D, D/8, seed)
		layered += spearman(lc) / seeds
		single += spearman(sc) / seeds
	}
	t.Logf("D = %d → K = %d: Spearman vs uncompressed, layered sketch %.4f, one sketch %.4f", D, D/8, layered, single)
	if layered < 0.95 {
		t.Errorf("layered sketch at D/K = 8: Spearman %.4f < 0.95", layered)
	}
	if layered <= single {
		t.Errorf("layered sketch (Spearman %.4f) no closer to the uncompressed scores than one sketch (%.4f)", layered, single)
	}

	// A layered sketch whose blocks are not the model's layers is refused.
	wrong, _ := compress.NewLayeredOPORP([]int{D - 10, 10}, D/8, 1)
	if _, err := influence.Fit(p, influence.Config{Method: influence.DataInf, Compressor: wrong}); err == nil {
		t.Error("a sketch with blocks other than the layers was accepted")
	}
	if _, err := influence.LayeredOPORP(m, 1, 1); err == nil {
		t.Error("K smaller than the number of layers was accepted")
	}
}
