package session

import (
	"context"
	"testing"

	"github.com/golign/golign/kernel"
)

// BenchmarkExecuteTrivial measures the interpreter's share of a trivial
// cell's round trip: Execute of `x := 1` on a warm session, output capture
// and its synchronisation included.
func BenchmarkExecuteTrivial(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(false)
	r := &recorder{}
	req := kernel.ExecuteRequest{Code: "x := 1"}
	if rep := s.Execute(context.Background(), req, r); rep.Status != kernel.StatusOK {
		b.Fatalf("x := 1: %+v", rep)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep := s.Execute(context.Background(), req, r); rep.Status != kernel.StatusOK {
			b.Fatalf("x := 1: %+v", rep)
		}
	}
}
