package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
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

// randomDense returns an r×c matrix with entries uniform in [-1, 1).
func randomDense(rnd *rand.Rand, r, c int) *mat.Dense {
	d := mat.NewDense(r, c, nil)
	for i := range d.RawMatrix().Data {
		d.RawMatrix().Data[i] = 2*rnd.Float64() - 1
	}
	return d
}

// checkNear fails when got and want differ anywhere by more than tol.
func checkNear(t *testing.T, what string, got, want mat.Matrix, tol float64) {
	t.Helper()
	if !mat.EqualApprox(got, want, tol) {
		var diff mat.Dense
		diff.Sub(got, want)
		t.Errorf("%s: off by up to %g (tolerance %g)", what, mat.Norm(&diff, math.Inf(1)), tol)
	}
}

// TestMatFactorizations runs every factorisation of gonum mat that the
// backend serves, in every variant mat offers, and checks each against its
// defining identity: this is what catches a LAPACK driver refusing the
// arguments mat passes.
func TestMatFactorizations(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 1))
	for _, shape := range [][2]int{{7, 7}, {9, 5}, {5, 9}, {150, 150}} {
		m, n := shape[0], shape[1]
		k := min(m, n)
		a := randomDense(rnd, m, n)
		tol := 1e-11 * float64(max(m, n))

		var none mat.SVD
		if !none.Factorize(a, mat.SVDNone) {
			t.Fatalf("%d×%d: SVD did not converge", m, n)
		}
		values := none.Values(nil)
		kinds := []mat.SVDKind{mat.SVDThinU, mat.SVDThinV, mat.SVDThin, mat.SVDFullU, mat.SVDFullV, mat.SVDFull, mat.SVDThinU | mat.SVDFullV}
		for _, kind := range kinds {
			var svd mat.SVD
			if !svd.Factorize(a, kind) {
				t.Fatalf("%d×%d: SVD kind %d did not converge", m, n, kind)
			}
			what := fmt.Sprintf("%d×%d SVD kind %d", m, n, kind)
			checkNear(t, what+" values", mat.NewVecDense(k, svd.Values(nil)), mat.NewVecDense(k, values), tol)
			if kind&(mat.SVDThinU|mat.SVDFullU) == 0 || kind&(mat.SVDThinV|mat.SVDFullV) == 0 {
				continue
			}
			var u, v, us, usv mat.Dense
			svd.UTo(&u)
			svd.VTo(&v)
			us.Mul(u.Slice(0, m, 0, k), mat.NewDiagDense(k, values))
			usv.Mul(&us, v.Slice(0, n, 0, k).T())
			checkNear(t, what+" U·Σ·Vᵀ", &usv, a, tol)
		}

		if m != n {
			// Least squares (QR) for tall A, minimum norm (LQ) for wide A:
			// the residual is orthogonal to A's columns, or zero.
			b := randomDense(rnd, m, 2)
			var x, ax, r, atr mat.Dense
			if err := x.Solve(a, b); err != nil {
				t.Fatalf("%d×%d: Solve: %v", m, n, err)
			}
			ax.Mul(a, &x)
			r.Sub(&ax, b)
			atr.Mul(a.T(), &r)
			checkNear(t, fmt.Sprintf("%d×%d Aᵀ·(A·X − B)", m, n), &atr, mat.NewDense(n, 2, nil), tol)
			continue
		}

		// Square: LU solve and inverse.
		b := randomDense(rnd, n, 3)
		var x, ax, inv, aInv mat.Dense
		if err := x.Solve(a, b); err != nil {
			t.Fatalf("%d×%d: Solve: %v", m, n, err)
		}
		ax.Mul(a, &x)
		checkNear(t, fmt.Sprintf("%d×%d A·X", n, n), &ax, b, 1e-8)
		if err := inv.Inverse(a); err != nil {
			t.Fatalf("%d×%d: Inverse: %v", n, n, err)
		}
		aInv.Mul(a, &inv)
		eye := mat.NewDiagDense(n, nil)
		for i := 0; i < n; i++ {
			eye.SetDiag(i, 1)
		}
		checkNear(t, fmt.Sprintf("%d×%d A·A⁻¹", n, n), &aInv, eye, 1e-8)

		// Symmetric positive definite: eigendecomposition and Cholesky.
		s := mat.NewSymDense(n, nil)
		s.SymOuterK(1, a)
		for i := 0; i < n; i++ {
			s.SetSym(i, i, s.At(i, i)+1)
		}
		var eig, eigValues mat.EigenSym
		if !eig.Factorize(s, true) || !eigValues.Factorize(s, false) {
			t.Fatalf("%d×%d: EigenSym did not converge", n, n)
		}
		var vecs, sv, vl mat.Dense
		eig.VectorsTo(&vecs)
		sv.Mul(s, &vecs)
		vl.Mul(&vecs, mat.NewDiagDense(n, eig.Values(nil)))
		checkNear(t, fmt.Sprintf("%d×%d S·V", n, n), &sv, &vl, tol*float64(n))
		checkNear(t, fmt.Sprintf("%d×%d eigenvalues alone", n, n), mat.NewVecDense(n, eigValues.Values(nil)), mat.NewVecDense(n, eig.Values(nil)), tol*float64(n))
		var ch mat.Cholesky
		if !ch.Factorize(s) {
			t.Fatalf("%d×%d: Cholesky failed on a positive definite matrix", n, n)
		}
		var cx, sx mat.Dense
		if err := ch.SolveTo(&cx, b); err != nil {
			t.Fatal(err)
		}
		sx.Mul(s, &cx)
		checkNear(t, fmt.Sprintf("%d×%d S·X (Cholesky)", n, n), &sx, b, 1e-8)
	}
}
