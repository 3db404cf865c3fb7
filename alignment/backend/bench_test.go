package backend

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomSymPosDef returns an n×n symmetric positive definite matrix BᵀB + nI
// for a B with entries uniform in [-1, 1), drawn from seed.
func randomSymPosDef(n int, seed uint64) *mat.SymDense {
	rnd := rand.New(rand.NewPCG(seed, 0))
	b := mat.NewDense(n, n, nil)
	for i := range b.RawMatrix().Data {
		b.RawMatrix().Data[i] = 2*rnd.Float64() - 1
	}
	s := mat.NewSymDense(n, nil)
	s.SymOuterK(1, b.T())
	for i := 0; i < n; i++ {
		s.SetSym(i, i, s.At(i, i)+float64(n))
	}
	return s
}

// BenchmarkEigenSym measures mat.EigenSym with eigenvectors (LAPACK dsyev).
func BenchmarkEigenSym(b *testing.B) {
	for _, n := range []int{256, 512} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := randomSymPosDef(n, 1)
			var eig mat.EigenSym
			for i := 0; i < b.N; i++ {
				if !eig.Factorize(s, true) {
					b.Fatal("EigenSym did not converge")
				}
			}
		})
	}
}

// BenchmarkCholesky1024 measures mat.Cholesky of a 1024×1024 matrix
// (LAPACK dpotrf).
func BenchmarkCholesky1024(b *testing.B) {
	s := randomSymPosDef(1024, 2)
	var ch mat.Cholesky
	for i := 0; i < b.N; i++ {
		if !ch.Factorize(s) {
			b.Fatal("Cholesky failed on a positive definite matrix")
		}
	}
}

// BenchmarkSVD measures the thin SVD of a square matrix (LAPACK dgesvd).
func BenchmarkSVD(b *testing.B) {
	for _, n := range []int{256, 512} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			a := mat.DenseCopyOf(randomSymPosDef(n, 3))
			var svd mat.SVD
			for i := 0; i < b.N; i++ {
				if !svd.Factorize(a, mat.SVDThin) {
					b.Fatal("SVD did not converge")
				}
			}
		})
	}
}

// BenchmarkLUSolve512 measures a 512×512 LU factorisation and solve with
// 512 right-hand sides (LAPACK dgetrf and dgetrs).
func BenchmarkLUSolve512(b *testing.B) {
	const n = 512
	a := mat.DenseCopyOf(randomSymPosDef(n, 4))
	rhs := mat.DenseCopyOf(randomSymPosDef(n, 5))
	var x mat.Dense
	for i := 0; i < b.N; i++ {
		if err := x.Solve(a, rhs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInverse512 measures a 512×512 inverse (LAPACK dgetrf and dgetri).
func BenchmarkInverse512(b *testing.B) {
	const n = 512
	a := mat.DenseCopyOf(randomSymPosDef(n, 6))
	var inv mat.Dense
	for i := 0; i < b.N; i++ {
		if err := inv.Inverse(a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQR measures the QR factorisation of a tall 1024×256 matrix and
// the product Qᵀ·B (LAPACK dgeqrf and dormqr).
func BenchmarkQR(b *testing.B) {
	const m, n = 1024, 256
	rnd := rand.New(rand.NewPCG(7, 0))
	a := mat.NewDense(m, n, nil)
	for i := range a.RawMatrix().Data {
		a.RawMatrix().Data[i] = rnd.NormFloat64()
	}
	rhs := mat.NewDense(m, 16, nil)
	for i := range rhs.RawMatrix().Data {
		rhs.RawMatrix().Data[i] = rnd.NormFloat64()
	}
	var qr mat.QR
	var x mat.Dense
	for i := 0; i < b.N; i++ {
		qr.Factorize(a)
		if err := qr.SolveTo(&x, false, rhs); err != nil {
			b.Fatal(err)
		}
	}
}
