package lancet

import (
	"slices"
	"testing"

	"github.com/golign/golign/alignment/policy"
)

func TestBadInputIsAnError(t *testing.T) {
	m, seqs := tinyModel(t)
	cases := []struct {
		name string
		run  func() error
	}{
		{"unknown method", func() error { _, err := FitLinFAC(m, seqs, LinFACConfig{Method: 9}); return err }},
		{"negative damping", func() error { _, err := FitLinFAC(m, seqs, LinFACConfig{Damping: -1}); return err }},
		{"no training data", func() error { _, err := FitLinFAC(m, nil, LinFACConfig{}); return err }},
		{"nil model", func() error { _, err := FitLinFAC(nil, seqs, LinFACConfig{}); return err }},
		{"no queries", func() error {
			f, err := FitLinFAC(m, seqs, LinFACConfig{Method: Identity})
			if err != nil {
				return nil
			}
			_, err = f.Scores(nil, seqs)
			return err
		}},
		{"split fraction above 1", func() error { _, err := SplitByScore([]float64{1, 2, 3}, 2, 0.5); return err }},
		{"overlapping split", func() error { _, err := SplitByScore([]float64{1, 2, 3}, 0.7, 0.7); return err }},
		{"pair outside the data", func() error { _, err := IBO(m, seqs, []Pair{{Chosen: 0, Rejected: 3}}, IBOConfig{}); return err }},
		{"negative beta", func() error { _, err := IBO(m, seqs, []Pair{{0, 1}}, IBOConfig{Beta: -1}); return err }},
		{"negative steps", func() error { _, err := GradientAscent(m, seqs, StepConfig{Steps: -1}); return err }},
		{"empty response", func() error { _, err := ResponseSequence(policy.Context{Prompt: []int{1}}, nil); return err }},
	}
	for _, c := range cases {
		if err := c.run(); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestSplitAndPairs(t *testing.T) {
	s, err := SplitByScore([]float64{0.1, 5, -2, 3, 0, 4, 1, -1, 2, 0.5}, 0.2, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Influential, []int{1, 5}) || !slices.Equal(s.NonInfluential, []int{4, 7, 2}) {
		t.Fatalf("split %v / %v, want [1 5] / [4 7 2]", s.Influential, s.NonInfluential)
	}
	pairs, err := RandomPairs(s, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 6 {
		t.Fatalf("%d pairs, want 6", len(pairs))
	}
	for _, p := range pairs {
		if !slices.Contains(s.Influential, p.Rejected) || !slices.Contains(s.NonInfluential, p.Chosen) {
			t.Errorf("pair %+v does not prefer a non-influential example to an influential one", p)
		}
	}
}

// TestSequenceLossesMatchModelLoss checks the forward-only summed losses
// against the model's own mean loss.
func TestSequenceLossesMatchModelLoss(t *testing.T) {
	m, seqs := tinyModel(t)
	for i, s := range seqs {
		got, err := SequenceLosses(m, seqs[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		mean, err := m.Loss(seqs[i : i+1])
		if err != nil {
			t.Fatal(err)
		}
		var w float64
		for _, v := range weightsOf(s) {
			w += v
		}
		if d := got[0] - mean*w; d > 1e-9 || d < -1e-9 {
			t.Errorf("sequence %d: summed loss %g, model says %g", i, got[0], mean*w)
		}
	}
}
