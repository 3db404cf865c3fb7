package parallel

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

func TestForRunsEveryIndexAndReportsLowestError(t *testing.T) {
	var hits [100]atomic.Int32
	e3, e7 := errors.New("3"), errors.New("7")
	err := For(100, func(i int) error {
		hits[i].Add(1)
		switch i {
		case 7:
			return e7
		case 3:
			return e3
		}
		return nil
	})
	if err != e3 {
		t.Errorf("error %v, want the one of index 3", err)
	}
	for i := range hits {
		if hits[i].Load() != 1 {
			t.Fatalf("index %d ran %d times", i, hits[i].Load())
		}
	}
	if err := For(0, func(int) error { return e3 }); err != nil {
		t.Errorf("empty loop returned %v", err)
	}
}

// indexOutOfRange panics with a runtime error when i is 5.
func indexOutOfRange(i int) error {
	var a [5]int
	a[i%6]++
	return nil
}

func TestPanicsBecomeErrors(t *testing.T) {
	cases := []struct {
		name    string
		run     func() error
		index   int
		runtime bool // the panic value is a runtime.Error
	}{
		{"For", func() error { return For(20, indexOutOfRange) }, 5, true},
		{"For with an earlier error", func() error {
			return For(20, func(i int) error {
				if i == 2 {
					return errors.New("two")
				}
				return indexOutOfRange(i)
			})
		}, -1, false},
		{"Until", func() error { return Until(20, indexOutOfRange) }, 5, true},
		{"Ranges", func() error {
			return Ranges(1000, 1, func(lo, hi int) {
				if lo <= 700 && 700 < hi {
					panic("row 700")
				}
			})
		}, -2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			var pe *PanicError
			switch {
			case c.index == -1:
				if err == nil || err.Error() != "two" {
					t.Fatalf("error %v, want the earlier index's", err)
				}
				return
			case !errors.As(err, &pe):
				t.Fatalf("error %v (%T), want a *PanicError", err, err)
			case c.index >= 0 && pe.Index != c.index:
				t.Errorf("index %d, want %d", pe.Index, c.index)
			case len(pe.Stack) == 0:
				t.Errorf("no stack")
			}
			var re runtime.Error
			if errors.As(err, &re) != c.runtime {
				t.Errorf("errors.As(runtime.Error) = %v, want %v", !c.runtime, c.runtime)
			}
			if c.runtime && !strings.Contains(pe.Site, "indexOutOfRange (parallel_test.go:") {
				t.Errorf("site %q, want indexOutOfRange in parallel_test.go", pe.Site)
			}
			if !strings.Contains(err.Error(), "panic in parallel iteration") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestUntilStopsAtTheFirstError(t *testing.T) {
	stop := errors.New("stop")
	var ran atomic.Int32
	err := Until(100000, func(i int) error {
		ran.Add(1)
		if i == 10 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("error %v, want stop", err)
	}
	// Each worker may start one more index after the failure.
	if n := int(ran.Load()); n > 11+runtime.GOMAXPROCS(0)*2 {
		t.Errorf("%d indexes ran after index 10 failed", n)
	}
	ran.Store(0)
	if err := Until(500, func(int) error { ran.Add(1); return nil }); err != nil || ran.Load() != 500 {
		t.Errorf("error %v after %d of 500 indexes", err, ran.Load())
	}
}

func TestRangesCoverEachIndexOnce(t *testing.T) {
	for _, c := range []struct{ n, grain int }{{0, 64}, {1, 64}, {63, 64}, {1000, 64}, {1001, 1}, {7, 0}} {
		hits := make([]atomic.Int32, c.n)
		var ranges atomic.Int32
		err := Ranges(c.n, c.grain, func(lo, hi int) {
			ranges.Add(1)
			if hi-lo < min(c.grain, c.n) {
				t.Errorf("n=%d grain=%d: range [%d, %d) shorter than the grain", c.n, c.grain, lo, hi)
			}
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range hits {
			if hits[i].Load() != 1 {
				t.Fatalf("n=%d grain=%d: index %d covered %d times", c.n, c.grain, i, hits[i].Load())
			}
		}
		if int(ranges.Load()) > runtime.GOMAXPROCS(0) {
			t.Errorf("n=%d: %d ranges for %d processors", c.n, ranges.Load(), runtime.GOMAXPROCS(0))
		}
	}
}

func BenchmarkForPerIndex(b *testing.B) {
	sink := make([]float64, 1024)
	for b.Loop() {
		For(len(sink), func(i int) error { sink[i] += float64(i); return nil })
	}
}
