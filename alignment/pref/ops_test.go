package pref

import (
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFlipSubsetDiff(t *testing.T) {
	c := smallComparisons()
	orig := c.Clone()
	u := c.Diff()
	if err := c.Flip([]bool{false, true, false}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sign := 1.0
		if i == 1 {
			sign = -1
		}
		got := c.Diff().RawRowView(i)
		for j, v := range u.RawRowView(i) {
			if got[j] != sign*v {
				t.Fatalf("row %d: diff %v after flip, want %v·%v", i, got, sign, u.RawRowView(i))
			}
		}
	}
	if !mat.Equal(orig.Chosen, smallComparisons().Chosen) {
		t.Error("Clone shares memory with the original")
	}
	s, err := c.Subset([]int{2, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Labeler, []string{"alice", "alice", "alice"}) || !reflect.DeepEqual(s.Weight, []float64{2, 1, 2}) {
		t.Errorf("subset labeler %v weight %v", s.Labeler, s.Weight)
	}
	if !reflect.DeepEqual(s.Chosen.RawRowView(0), c.Chosen.RawRowView(2)) || !reflect.DeepEqual(s.Rejected.RawRowView(1), c.Rejected.RawRowView(0)) {
		t.Error("subset rows differ from the originals")
	}
	if _, err := c.Subset([]int{3}); err == nil {
		t.Error("out-of-range index accepted")
	}
	if err := c.Flip([]bool{true}); err == nil {
		t.Error("short mask accepted")
	}
}

func TestDatasetFlipAndSubset(t *testing.T) {
	d := Dataset{{Chosen: "a", Rejected: "b", Labeler: "x"}, {Chosen: "c", Rejected: "d", Labeler: "y"}}
	if err := d.Flip([]bool{true, false}); err != nil {
		t.Fatal(err)
	}
	if d[0].Chosen != "b" || d[0].Rejected != "a" || d[1].Chosen != "c" {
		t.Errorf("flip gave %+v", d)
	}
	s, err := d.Subset([]int{1})
	if err != nil || len(s) != 1 || s[0].Chosen != "c" {
		t.Errorf("subset gave %+v, %v", s, err)
	}
	if !reflect.DeepEqual(d.Labelers(), []string{"x", "y"}) {
		t.Errorf("labelers %v", d.Labelers())
	}
}

func TestSplit(t *testing.T) {
	for _, n := range []int{0, 1, 10, 1001} {
		train, val, test, err := Split(n, 0.2, 0.1, 42)
		if err != nil {
			t.Fatal(err)
		}
		all := slices.Concat(train, val, test)
		slices.Sort(all)
		for i, v := range all {
			if v != i {
				t.Fatalf("n=%d: parts are not a partition of 0…n−1", n)
			}
		}
		if len(all) != n {
			t.Fatalf("n=%d: %d indices", n, len(all))
		}
		if want := int(0.2*float64(n) + 0.5); len(val) != want {
			t.Errorf("n=%d: %d validation indices, want %d", n, len(val), want)
		}
		if !slices.IsSorted(train) || !slices.IsSorted(val) || !slices.IsSorted(test) {
			t.Errorf("n=%d: parts not sorted", n)
		}
		t2, v2, _, _ := Split(n, 0.2, 0.1, 42)
		if !slices.Equal(train, t2) || !slices.Equal(val, v2) {
			t.Errorf("n=%d: same seed gave a different split", n)
		}
	}
	a, _, _, _ := Split(100, 0.5, 0, 1)
	b, _, _, _ := Split(100, 0.5, 0, 2)
	if slices.Equal(a, b) {
		t.Error("different seeds gave the same split")
	}
	if _, _, _, err := Split(10, 0.7, 0.3, 1); err != nil {
		t.Errorf("fractions summing to 1 rejected: %v", err)
	}
	if _, _, _, err := Split(10, 0.7, 0.4, 1); err == nil {
		t.Error("fractions summing above 1 accepted")
	}
}

func TestSelect(t *testing.T) {
	c := smallComparisons()
	s, err := c.Select([]bool{true, false, true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || !reflect.DeepEqual(s.Weight, []float64{1, 2}) || !reflect.DeepEqual(s.Chosen.RawRowView(1), c.Chosen.RawRowView(2)) {
		t.Errorf("Select gave %d pairs, weights %v", s.Len(), s.Weight)
	}
	if _, err := c.Select([]bool{false, false, false}); err == nil {
		t.Error("empty selection accepted")
	}
	if _, err := c.Select([]bool{true}); err == nil {
		t.Error("short mask accepted")
	}
	d := Dataset{{Chosen: "a"}, {Chosen: "b"}}
	if ds, err := d.Select([]bool{false, true}); err != nil || len(ds) != 1 || ds[0].Chosen != "b" {
		t.Errorf("Dataset.Select gave %v, %v", ds, err)
	}
}
