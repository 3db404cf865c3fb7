package maps

import (
	std "maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestAgainstStandardLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	random := func() map[int]int {
		m := map[int]int{}
		for i := r.IntN(6); i > 0; i-- {
			m[r.IntN(5)] = r.IntN(3)
		}
		return m
	}
	for trial := 0; trial < 200; trial++ {
		a, b := random(), random()
		check := func(name string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s(%v, %v) = %v, want %v", name, a, b, got, want)
			}
		}
		check("Equal", Equal(a, b), std.Equal(a, b))
		check("Clone", Clone(a), std.Clone(a))
		ca, sa := Clone(a), std.Clone(a)
		Copy(ca, b)
		std.Copy(sa, b)
		check("Copy", ca, sa)
		DeleteFunc(ca, func(k, v int) bool { return v == 0 })
		std.DeleteFunc(sa, func(k, v int) bool { return v == 0 })
		check("DeleteFunc", ca, sa)
		check("Keys", slices.Sorted(Keys(a)), slices.Sorted(std.Keys(a)))
		check("Values", slices.Sorted(Values(a)), slices.Sorted(std.Values(a)))
		check("Collect(All)", Collect(All(a)), std.Collect(std.All(a)))
	}
	if Clone[int, int](nil) != nil {
		t.Error("Clone(nil) is not nil")
	}
}
