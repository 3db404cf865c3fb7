package backend

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestProductAndCholesky checks that the backend in use computes a matrix
// product and a Cholesky solve correctly.
func TestProductAndCholesky(t *testing.T) {
	t.Logf("backend: %s", Name())
	a := mat.NewDense(3, 3, []float64{4, 1, 0, 1, 3, 1, 0, 1, 2})
	var p mat.Dense
	p.Mul(a, a)
	want := []float64{17, 7, 1, 7, 11, 5, 1, 5, 5}
	for i, v := range p.RawMatrix().Data {
		if v != want[i] {
			t.Fatalf("A·A[%d] = %v, want %v", i, v, want[i])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(3, []float64{4, 1, 0, 1, 3, 1, 0, 1, 2})) {
		t.Fatal("Cholesky failed on a positive definite matrix")
	}
	var x mat.VecDense
	b := mat.NewVecDense(3, []float64{5, 5, 3})
	if err := ch.SolveVecTo(&x, b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if math.Abs(x.AtVec(i)-1) > 1e-12 {
			t.Fatalf("solution %v, want all ones", mat.Formatted(&x))
		}
	}
}

// BenchmarkDgemm1024 measures the rate of a 1024×1024 matrix product.
func BenchmarkDgemm1024(b *testing.B) {
	const n = 1024
	a := mat.NewDense(n, n, nil)
	for i := range a.RawMatrix().Data {
		a.RawMatrix().Data[i] = float64(i%7) - 3
	}
	var c mat.Dense
	c.Mul(a, a)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Mul(a, a)
	}
	b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
