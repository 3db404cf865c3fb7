package parallel

import (
	"errors"
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
