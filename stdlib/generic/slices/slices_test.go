package slices

import (
	"cmp"
	"math"
	"math/rand/v2"
	"reflect"
	std "slices"
	"testing"
)

// randomInts returns n small random ints, so that duplicates occur.
func randomInts(r *rand.Rand, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = r.IntN(10) - 5
	}
	return s
}

// TestAgainstStandardLibrary compares every function with its namesake
// of the standard package slices on random inputs.
func TestAgainstStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	byValue := func(a, b int) int { return cmp.Compare(a, b) }
	for trial := 0; trial < 300; trial++ {
		a, b := randomInts(r, r.IntN(8)), randomInts(r, r.IntN(8))
		v := r.IntN(10) - 5
		i := r.IntN(len(a) + 1)
		j := i + r.IntN(len(a)-i+1)
		check := func(name string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s(a=%v, b=%v, v=%d, i=%d, j=%d) = %v, want %v", name, a, b, v, i, j, got, want)
			}
		}
		check("Equal", Equal(a, b), std.Equal(a, b))
		check("Compare", Compare(a, b), std.Compare(a, b))
		check("CompareFunc", CompareFunc(a, b, byValue), std.CompareFunc(a, b, byValue))
		check("Index", Index(a, v), std.Index(a, v))
		check("Contains", Contains(a, v), std.Contains(a, v))
		check("Insert", Insert(std.Clone(a), i, b...), std.Insert(std.Clone(a), i, b...))
		check("Delete", Delete(std.Clone(a), i, j), std.Delete(std.Clone(a), i, j))
		check("DeleteFunc", DeleteFunc(std.Clone(a), func(x int) bool { return x > v }), std.DeleteFunc(std.Clone(a), func(x int) bool { return x > v }))
		check("Replace", Replace(std.Clone(a), i, j, b...), std.Replace(std.Clone(a), i, j, b...))
		check("Compact", Compact(std.Clone(a)), std.Compact(std.Clone(a)))
		check("Concat", Concat(a, b, a), std.Concat(a, b, a))
		check("Repeat", Repeat(a, 3), std.Repeat(a, 3))
		ra, sa := std.Clone(a), std.Clone(a)
		Reverse(ra)
		std.Reverse(sa)
		check("Reverse", ra, sa)
		if len(a) > 0 {
			check("Max", Max(a), std.Max(a))
			check("Min", Min(a), std.Min(a))
			check("MaxFunc", MaxFunc(a, byValue), std.MaxFunc(a, byValue))
			check("MinFunc", MinFunc(a, byValue), std.MinFunc(a, byValue))
		}
		sorted := std.Sorted(std.Values(a))
		check("Sorted", Sorted(Values(a)), sorted)
		byTens := func(x, y int) int { return x/10 - y/10 }
		check("SortedStableFunc", SortedStableFunc(Values(a), byTens), std.SortedStableFunc(std.Values(a), byTens))
		check("IsSorted", IsSorted(a), std.IsSorted(a))
		pos, found := BinarySearch(sorted, v)
		wantPos, wantFound := std.BinarySearch(sorted, v)
		check("BinarySearch", []any{pos, found}, []any{wantPos, wantFound})
		check("Collect(Chunk)", Collect(Chunk(append([]int{0}, a...), 3)), std.Collect(std.Chunk(append([]int{0}, a...), 3)))
		check("Collect(Backward)", collectPairs(Backward(a)), collectPairs(std.Backward(a)))
		// Sorting by the interpreted heap sort path (int8) and a custom
		// comparison gives the standard order.
		a8 := make([]int8, len(a))
		for k, x := range a {
			a8[k] = int8(x)
		}
		want8 := std.Clone(a8)
		std.Sort(want8)
		Sort(a8)
		check("Sort(int8)", a8, want8)
		desc := std.Clone(a)
		SortFunc(desc, func(x, y int) int { return y - x })
		check("SortFunc", std.IsSortedFunc(desc, func(x, y int) int { return y - x }), true)
	}
}

// collectPairs gathers an index–value iterator into a slice of pairs.
func collectPairs(seq func(yield func(int, int) bool)) [][2]int {
	var out [][2]int
	seq(func(i, v int) bool {
		out = append(out, [2]int{i, v})
		return true
	})
	return out
}

func TestNaN(t *testing.T) {
	nan := math.NaN()
	x := []float64{2, nan, 1}
	if !math.IsNaN(Max(x)) || !math.IsNaN(Min(x)) {
		t.Errorf("Max, Min of %v = %v, %v; want NaN", x, Max(x), Min(x))
	}
	h := []float32{2, float32(nan), 1}
	Sort(h)
	if !math.IsNaN(float64(h[0])) || h[1] != 1 || h[2] != 2 {
		t.Errorf("Sort(float32 with NaN) = %v, want [NaN 1 2]", h)
	}
}

func TestDeleteZeroesTail(t *testing.T) {
	s := []*int{new(int), new(int), new(int)}
	s2 := Delete(s, 0, 2)
	if len(s2) != 1 || s[1] != nil || s[2] != nil {
		t.Errorf("Delete left %v past the new length", s[len(s2):])
	}
}
