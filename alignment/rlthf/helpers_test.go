package rlthf

import (
	"math"
	"testing"

	"github.com/golign/golign/alignment/pref"
	"gonum.org/v1/gonum/mat"
)

func TestPoolFromLabelled(t *testing.T) {
	const n = 1000
	chosen, rejected := mat.NewDense(n, 2, nil), mat.NewDense(n, 2, nil)
	correct := make([]bool, n)
	for i := range n {
		chosen.Set(i, 0, float64(i))
		rejected.Set(i, 0, -float64(i)-1)
		correct[i] = i%5 != 0
	}
	labelled := &pref.Comparisons{Chosen: chosen, Rejected: rejected}
	pool, labels, err := PoolFromLabelled(labelled, correct, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	swapped := 0
	for i := range n {
		a := pool.Pairs.Chosen.At(i, 0)
		if labels[i] != (a >= 0) {
			t.Fatalf("pair %d: label %v but A has feature %v", i, labels[i], a)
		}
		if pool.Truth[i] != (labels[i] == correct[i]) {
			t.Fatalf("pair %d: truth %v, label %v, correct %v", i, pool.Truth[i], labels[i], correct[i])
		}
		if !labels[i] {
			swapped++
		}
	}
	if swapped < 430 || swapped > 570 {
		t.Errorf("%d of %d pairs swapped, want about half", swapped, n)
	}
	if chosen.At(0, 0) != 0 || rejected.At(0, 0) != -1 {
		t.Error("the labelled pairs were modified")
	}
	tp, tl, err := PoolFromTruth(labelled, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if tp.Truth[i] != tl[i] || tl[i] != labels[i] {
			t.Fatalf("pair %d: truth %v, labels %v and %v", i, tp.Truth[i], tl[i], labels[i])
		}
	}
	if _, _, err := PoolFromLabelled(labelled, correct[:3], nil, 3); err == nil {
		t.Error("short correctness flags accepted")
	}

	texts := pref.Dataset{{Chosen: "x", Rejected: "y"}, {Chosen: "u", Rejected: "v"}}
	oriented, err := OrientTexts(texts, []bool{true, false})
	if err != nil {
		t.Fatal(err)
	}
	if oriented[0].Chosen != "x" || oriented[1].Chosen != "v" || texts[1].Chosen != "u" {
		t.Errorf("oriented %v from %v", oriented, texts)
	}
	if _, err := OrientTexts(texts, []bool{true}); err == nil {
		t.Error("OrientTexts accepted mismatched lengths")
	}
}

func TestMeanTable(t *testing.T) {
	a := &Table{Rows: []Row{{Method: RLTHF, HumanFraction: 0.1, HumanLabels: 10, TestAccuracy: 0.8, LabelAccuracy: 0.9}, {Method: Random, TestAccuracy: 0.5}}}
	b := &Table{Rows: []Row{{Method: RLTHF, HumanFraction: 0.2, HumanLabels: 13, TestAccuracy: 0.6, LabelAccuracy: 0.7}, {Method: Random, TestAccuracy: 0.7}}}
	m, err := MeanTable(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := Row{Method: RLTHF, HumanFraction: 0.15, HumanLabels: 12, TestAccuracy: 0.7, LabelAccuracy: 0.8}
	if got := m.Rows[0]; got.Method != want.Method || got.HumanLabels != want.HumanLabels ||
		math.Abs(got.HumanFraction-want.HumanFraction) > 1e-12 || math.Abs(got.TestAccuracy-want.TestAccuracy) > 1e-12 ||
		math.Abs(got.LabelAccuracy-want.LabelAccuracy) > 1e-12 {
		t.Errorf("mean row %+v, want %+v", got, want)
	}
	if math.Abs(m.Rows[1].TestAccuracy-0.6) > 1e-12 {
		t.Errorf("mean random accuracy %v, want 0.6", m.Rows[1].TestAccuracy)
	}
	if r, ok := a.At(RLTHF, 0.3); !ok || r.TestAccuracy != 0.8 {
		t.Errorf("At(RLTHF, 0.3) = %+v, %v", r, ok)
	}
	if r, ok := b.At(Random, 0.01); !ok || r.TestAccuracy != 0.7 {
		t.Errorf("At(Random, 0.01) = %+v, %v", r, ok)
	}
	if _, ok := a.At(FullHuman, 1); ok {
		t.Error("At found a method the table lacks")
	}
	b.Rows[1].Method = Uncertainty
	if _, err := MeanTable(a, b); err == nil {
		t.Error("tables of different methods averaged")
	}
	if _, err := MeanTable(a, &Table{}); err == nil {
		t.Error("tables of different lengths averaged")
	}
}

func TestRollingAccuracy(t *testing.T) {
	correct := []bool{true, true, false, false, true, false}
	tests := []struct {
		width int
		want  []float64
	}{
		{1, []float64{1, 1, 0, 0, 1, 0}},
		{0, []float64{1, 1, 0, 0, 1, 0}},
		{3, []float64{1, 2.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5}},
		{100, []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}},
	}
	for _, tc := range tests {
		got := RollingAccuracy(correct, tc.width)
		for k := range got {
			if math.Abs(got[k]-tc.want[k]) > 1e-12 {
				t.Errorf("width %d: %v, want %v", tc.width, got, tc.want)
				break
			}
		}
	}
}
