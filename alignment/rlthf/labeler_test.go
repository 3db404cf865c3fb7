package rlthf

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

func TestLabelers(t *testing.T) {
	pool := linePool(5) // pair i has r(A) − r(B) = θ·i
	path := filepath.Join(t.TempDir(), "labels.jsonl")
	want := []bool{true, false, true, true, false}
	if err := annotate.WriteLabels(path, want, "judge"); err != nil {
		t.Fatal(err)
	}
	backwards, _ := reward.NewLinear([]float64{-1}, 0)
	tests := []struct {
		name    string
		labeler Labeler
		want    []bool
	}{
		{"function", LabelFunc(func(i int) bool { return i%2 == 0 }), []bool{true, false, true, false, true}},
		{"model", ModelLabeler{Model: backwards}, []bool{true, false, false, false, false}}, // ties (pair 0) prefer A
		{"file", FileLabeler{Path: path}, want},
	}
	for _, tc := range tests {
		got, err := tc.labeler.Label(pool.Pairs)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s labeler: %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := (FileLabeler{Path: path}).Label(linePool(6).Pairs); err == nil {
		t.Error("a labels file short of one pair was accepted")
	}
	if _, err := (ModelLabeler{}).Label(pool.Pairs); err == nil {
		t.Error("a model labeler without a model was accepted")
	}
}
