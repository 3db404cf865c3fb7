//go:build openblas && cgo

package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// matrix is a row-major matrix with a leading dimension, for checking
// factorisations with plain loops (independent of any BLAS).
type matrix struct {
	rows, cols, ld int
	data           []float64
}

// newMatrix returns a rows×cols matrix with leading dimension cols+pad,
// filled from rnd (uniform in [-1, 1)).
func newMatrix(rnd *rand.Rand, rows, cols, pad int) matrix {
	ld := max(1, cols) + pad
	return matrix{rows, cols, ld, randomSlice(rnd, storage(rows, cols, ld))}
}

func (a matrix) at(i, j int) float64 { return a.data[i*a.ld+j] }

func (a matrix) clone() matrix {
	a.data = append([]float64(nil), a.data...)
	return a
}

// compact returns a copy of a whose leading dimension is its width.
func (a matrix) compact() matrix {
	c := matrix{a.rows, a.cols, max(1, a.cols), make([]float64, storage(a.rows, a.cols, max(1, a.cols)))}
	for i := 0; i < a.rows; i++ {
		copy(c.data[i*c.ld:i*c.ld+a.cols], a.data[i*a.ld:])
	}
	return c
}

// maxAbs is the largest magnitude of the matrix's elements (at least 1).
func (a matrix) maxAbs() float64 {
	m := 1.0
	for i := 0; i < a.rows; i++ {
		for j := 0; j < a.cols; j++ {
			m = math.Max(m, math.Abs(a.at(i, j)))
		}
	}
	return m
}

// norm is the matrix's 1-norm (kind MaxColumnSum) or ∞-norm (MaxRowSum).
func (a matrix) norm(kind lapack.MatrixNorm) float64 {
	if kind == lapack.MaxRowSum {
		a = a.transpose()
	}
	var m float64
	for j := 0; j < a.cols; j++ {
		var col float64
		for i := 0; i < a.rows; i++ {
			col += math.Abs(a.at(i, j))
		}
		m = math.Max(m, col)
	}
	return m
}

// transpose returns aᵀ, compact.
func (a matrix) transpose() matrix {
	t := matrix{a.cols, a.rows, max(1, a.rows), make([]float64, storage(a.cols, a.rows, max(1, a.rows)))}
	for i := 0; i < a.rows; i++ {
		for j := 0; j < a.cols; j++ {
			t.data[j*t.ld+i] = a.at(i, j)
		}
	}
	return t
}

// checkConditionEstimate checks an estimate of the reciprocal condition
// number against gonum's and the true value trueRcond: the estimate of
// ‖A⁻¹‖ is a lower bound, and Higham's iteration is exact or close on the
// tests' matrices.
func checkConditionEstimate(t *testing.T, name string, got, native, trueRcond float64) {
	t.Helper()
	if !(math.Abs(got-native) <= 1e-8*native) || got < trueRcond*(1-1e-10) || got > 3*trueRcond {
		t.Errorf("%s = %v, gonum's native LAPACK gives %v, the true reciprocal condition number is %v", name, got, native, trueRcond)
	}
}

// checkClose fails when got(i, j) and want(i, j) differ by more than tol
// for some i < rows, j < cols.
func checkClose(t *testing.T, what string, rows, cols int, got, want func(i, j int) float64, tol float64) {
	t.Helper()
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if g, w := got(i, j), want(i, j); !(math.Abs(g-w) <= tol) {
				t.Errorf("%s: element (%d, %d) = %v, want %v", what, i, j, g, w)
				return
			}
		}
	}
}

// identity is the identity matrix's element (i, j).
func identity(i, j int) float64 {
	if i == j {
		return 1
	}
	return 0
}

// queryWork runs a workspace query through query and returns a workspace of
// the optimal length it reports, failing if that is below minimum.
func queryWork(t *testing.T, routine string, minimum int, query func(work []float64)) []float64 {
	t.Helper()
	work := []float64{-1}
	query(work)
	n := int(work[0])
	if n < minimum {
		t.Fatalf("%s workspace query: %v, below the minimum %d", routine, work[0], minimum)
	}
	return make([]float64, n)
}

// symmetricInTriangle returns a random symmetric n×n matrix and a copy that
// holds it only in triangle ul, the other triangle set to NaN so that a
// routine reading it would fail the checks.
func symmetricInTriangle(rnd *rand.Rand, n, pad int, ul blas.Uplo) (full, tri matrix) {
	full = newMatrix(rnd, n, n, pad)
	for i := 0; i < n; i++ {
		for j := 0; j < i; j++ {
			full.data[i*full.ld+j] = full.at(j, i)
		}
	}
	tri = full.clone()
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if (ul == blas.Upper && j < i) || (ul == blas.Lower && j > i) {
				tri.data[i*tri.ld+j] = math.NaN()
			}
		}
	}
	return full, tri
}

// workspaceLengths names the two workspaces the LAPACK tests run with: the
// length a query reports (which selects LAPACK's divide-and-conquer drivers
// where they apply) and gonum's minimum.
var workspaceLengths = []string{"queried", "minimum"}

// workspace returns the workspace of the length choice names: the one a
// query through query reports, or minimum elements.
func workspace(t *testing.T, choice, routine string, minimum int, query func(work []float64)) []float64 {
	t.Helper()
	if choice == "minimum" {
		return make([]float64, minimum)
	}
	return queryWork(t, routine, minimum, query)
}

func TestDsyev(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(2, 1))
	impl := openblasLAPACK{}
	for _, n := range []int{1, 5, 40, 130} {
		for _, ul := range uplos {
			for _, pad := range []int{0, 2} {
				for _, lengths := range workspaceLengths {
					name := fmt.Sprintf("Dsyev(n=%d,%c,pad %d,%s workspace)", n, ul, pad, lengths)
					s, a := symmetricInTriangle(rnd, n, pad, ul)
					values := a.clone()
					work := workspace(t, lengths, name, max(1, 3*n-1), func(work []float64) {
						impl.Dsyev(lapack.EVCompute, ul, n, a.data, a.ld, nil, work, -1)
					})
					w := make([]float64, n)
					if !impl.Dsyev(lapack.EVCompute, ul, n, a.data, a.ld, w, work, len(work)) {
						t.Fatalf("%s did not converge", name)
					}
					tol := 1e-13 * float64(n) * s.maxAbs()
					// S·V = V·Λ, column by column, and VᵀV = I.
					checkClose(t, name+" S·V", n, n, func(i, j int) float64 {
						var sv float64
						for l := 0; l < n; l++ {
							sv += s.at(i, l) * a.at(l, j)
						}
						return sv
					}, func(i, j int) float64 { return a.at(i, j) * w[j] }, tol)
					checkClose(t, name+" VᵀV", n, n, func(i, j int) float64 {
						var vv float64
						for l := 0; l < n; l++ {
							vv += a.at(l, i) * a.at(l, j)
						}
						return vv
					}, identity, 1e-13*float64(n))
					for j := 1; j < n; j++ {
						if w[j] < w[j-1] {
							t.Errorf("%s: eigenvalues not ascending: %v", name, w)
						}
					}
					// Eigenvalues alone agree.
					w2 := make([]float64, n)
					work = workspace(t, lengths, name, max(1, 3*n-1), func(work []float64) {
						impl.Dsyev(lapack.EVNone, ul, n, values.data, values.ld, nil, work, -1)
					})
					impl.Dsyev(lapack.EVNone, ul, n, values.data, values.ld, w2, work, len(work))
					checkClose(t, name+" eigenvalues without vectors", 1, n, func(_, j int) float64 { return w2[j] }, func(_, j int) float64 { return w[j] }, tol)
				}
			}
		}
	}
}

func TestDgesvd(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(2, 2))
	impl := openblasLAPACK{}
	jobs := [][2]lapack.SVDJob{{lapack.SVDAll, lapack.SVDAll}, {lapack.SVDStore, lapack.SVDStore}, {lapack.SVDNone, lapack.SVDNone}, {lapack.SVDStore, lapack.SVDAll}, {lapack.SVDStore, lapack.SVDNone}}
	for _, mn := range [][2]int{{1, 1}, {6, 4}, {4, 6}, {30, 30}, {40, 12}, {12, 40}} {
		for _, job := range jobs {
			for _, pad := range []int{0, 2} {
				for _, lengths := range workspaceLengths {
					m, n := mn[0], mn[1]
					k := min(m, n)
					name := fmt.Sprintf("Dgesvd(%c%c,m=%d,n=%d,pad %d,%s workspace)", job[0], job[1], m, n, pad, lengths)
					orig := newMatrix(rnd, m, n, pad)
					a := orig.clone()
					uCols, vtRows := k, k
					if job[0] == lapack.SVDAll {
						uCols = m
					}
					if job[1] == lapack.SVDAll {
						vtRows = n
					}
					u, vt := newMatrix(rnd, m, uCols, pad), newMatrix(rnd, vtRows, n, pad)
					// Vectors not computed are passed as mat passes them: no
					// storage, leading dimension 1.
					if job[0] == lapack.SVDNone {
						u = matrix{ld: 1}
					}
					if job[1] == lapack.SVDNone {
						vt = matrix{ld: 1}
					}
					s := make([]float64, k)
					work := workspace(t, lengths, name, max(3*k+max(m, n), 5*k), func(work []float64) {
						impl.Dgesvd(job[0], job[1], m, n, a.data, a.ld, s, u.data, u.ld, vt.data, vt.ld, work, -1)
					})
					if !impl.Dgesvd(job[0], job[1], m, n, a.data, a.ld, s, u.data, u.ld, vt.data, vt.ld, work, len(work)) {
						t.Fatalf("%s did not converge", name)
					}
					// The singular values match gonum's native ones (computed
					// from a compact copy: gonum's Dgesvd indexes a 1×1 matrix
					// past its end when lda > 1).
					native := orig.compact()
					nativeS := make([]float64, k)
					nativeWork := make([]float64, 5*(m+n))
					gonum.Implementation{}.Dgesvd(lapack.SVDNone, lapack.SVDNone, m, n, native.data, native.ld, nativeS, nil, 1, nil, 1, nativeWork, len(nativeWork))
					tol := 1e-13 * float64(max(m, n)) * orig.maxAbs()
					checkClose(t, name+" singular values", 1, k, func(_, j int) float64 { return s[j] }, func(_, j int) float64 { return nativeS[j] }, tol)
					if job[0] != lapack.SVDNone && job[1] != lapack.SVDNone {
						// A = U·Σ·Vᵀ.
						checkClose(t, name+" U·Σ·Vᵀ", m, n, func(i, j int) float64 {
							var usv float64
							for l := 0; l < k; l++ {
								usv += u.at(i, l) * s[l] * vt.at(l, j)
							}
							return usv
						}, orig.at, tol)
					}
					if job[0] != lapack.SVDNone {
						checkClose(t, name+" UᵀU", uCols, uCols, func(i, j int) float64 {
							var uu float64
							for l := 0; l < m; l++ {
								uu += u.at(l, i) * u.at(l, j)
							}
							return uu
						}, identity, 1e-13*float64(m))
					}
					if job[1] != lapack.SVDNone {
						checkClose(t, name+" V·Vᵀ", vtRows, vtRows, func(i, j int) float64 {
							var vv float64
							for l := 0; l < n; l++ {
								vv += vt.at(i, l) * vt.at(j, l)
							}
							return vv
						}, identity, 1e-13*float64(n))
					}
				}
			}
		}
	}
}

func TestLU(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(2, 3))
	impl := openblasLAPACK{}
	for _, mn := range [][2]int{{1, 1}, {5, 5}, {7, 4}, {4, 7}, {40, 40}, {150, 150}} {
		for _, pad := range []int{0, 2} {
			m, n := mn[0], mn[1]
			k := min(m, n)
			name := fmt.Sprintf("Dgetrf(m=%d,n=%d,pad %d)", m, n, pad)
			orig := newMatrix(rnd, m, n, pad)
			lu, native := orig.clone(), orig.clone()
			ipiv, nativeIpiv := make([]int, k), make([]int, k)
			if !impl.Dgetrf(m, n, lu.data, lu.ld, ipiv) {
				t.Fatalf("%s: singular", name)
			}
			gonum.Implementation{}.Dgetrf(m, n, native.data, native.ld, nativeIpiv)
			for i := range ipiv {
				if ipiv[i] != nativeIpiv[i] {
					t.Fatalf("%s: pivots %v, gonum's native LAPACK gives %v", name, ipiv, nativeIpiv)
				}
			}
			// P·A = L·U: apply the row interchanges to A in order.
			pa := orig.clone()
			for i, p := range ipiv {
				for j := 0; j < n; j++ {
					pa.data[i*pa.ld+j], pa.data[p*pa.ld+j] = pa.data[p*pa.ld+j], pa.data[i*pa.ld+j]
				}
			}
			tol := 1e-13 * float64(n) * orig.maxAbs()
			checkClose(t, name+" L·U", m, n, func(i, j int) float64 {
				var v float64
				for l := 0; l <= min(i, j, k-1); l++ {
					lil := lu.at(i, l)
					if l == i {
						lil = 1
					}
					v += lil * lu.at(l, j)
				}
				return v
			}, pa.at, tol)
			if m != n {
				continue
			}
			// gonum's native solve and inverse (not overridden) read the
			// factorisation and the pivots LAPACKE wrote.
			for _, trans := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				b := newMatrix(rnd, n, 3, pad)
				x := b.clone()
				impl.Dgetrs(trans, n, 3, lu.data, lu.ld, ipiv, x.data, x.ld)
				checkClose(t, fmt.Sprintf("Dgetrs(%c,n=%d,pad %d) op(A)·X", trans, n, pad), n, 3, func(i, j int) float64 {
					var v float64
					for l := 0; l < n; l++ {
						if trans == blas.NoTrans {
							v += orig.at(i, l) * x.at(l, j)
						} else {
							v += orig.at(l, i) * x.at(l, j)
						}
					}
					return v
				}, b.at, 1e-10)
			}
			inv := lu.clone()
			work := queryWork(t, "Dgetri", n, func(work []float64) { impl.Dgetri(n, inv.data, inv.ld, ipiv, work, -1) })
			for _, lwork := range []int{n, len(work)} {
				inv = lu.clone()
				if !impl.Dgetri(n, inv.data, inv.ld, ipiv, work, lwork) {
					t.Fatalf("Dgetri(n=%d): singular", n)
				}
				checkClose(t, fmt.Sprintf("Dgetri(n=%d,lwork %d,pad %d) A·A⁻¹", n, lwork, pad), n, n, func(i, j int) float64 {
					var v float64
					for l := 0; l < n; l++ {
						v += orig.at(i, l) * inv.at(l, j)
					}
					return v
				}, identity, 1e-10)
			}
			for _, norm := range []lapack.MatrixNorm{lapack.MaxColumnSum, lapack.MaxRowSum} {
				anorm := orig.norm(norm)
				work, iwork := make([]float64, 4*n), make([]int, n)
				got := impl.Dgecon(norm, n, lu.data, lu.ld, anorm, work, iwork)
				native := gonum.Implementation{}.Dgecon(norm, n, lu.data, lu.ld, anorm, work, iwork)
				checkConditionEstimate(t, fmt.Sprintf("Dgecon(%c,n=%d,pad %d)", norm, n, pad), got, native, 1/(anorm*inv.norm(norm)))
			}
		}
	}
	// An exactly singular matrix is reported, by both routines.
	singular := []float64{1, 2, 2, 4}
	if (openblasLAPACK{}).Dgetrf(2, 2, singular, 2, make([]int, 2)) {
		t.Error("Dgetrf reports a singular matrix as regular")
	}
	if (openblasLAPACK{}).Dgetri(2, singular, 2, []int{1, 1}, make([]float64, 2), 2) {
		t.Error("Dgetri inverts a singular matrix")
	}
}

func TestQR(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(2, 5))
	impl := openblasLAPACK{}
	for _, mn := range [][2]int{{1, 1}, {6, 4}, {4, 6}, {40, 25}, {150, 140}} {
		for _, pad := range []int{0, 2} {
			m, n := mn[0], mn[1]
			k := min(m, n)
			name := fmt.Sprintf("Dgeqrf(m=%d,n=%d,pad %d)", m, n, pad)
			orig := newMatrix(rnd, m, n, pad)
			a := orig.clone()
			tau := make([]float64, k)
			work := queryWork(t, name, n, func(work []float64) { impl.Dgeqrf(m, n, a.data, a.ld, tau, work, -1) })
			impl.Dgeqrf(m, n, a.data, a.ld, tau, work, len(work))
			// Q·R = A, with R the upper trapezoid of the result and Q applied
			// by gonum's native Dormqr (not overridden) from the reflectors
			// LAPACKE wrote.
			qr := newMatrix(rnd, m, n, pad)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					qr.data[i*qr.ld+j] = 0
					if i <= j {
						qr.data[i*qr.ld+j] = a.at(i, j)
					}
				}
			}
			work = queryWork(t, "Dormqr", n, func(work []float64) {
				impl.Dormqr(blas.Left, blas.NoTrans, m, n, k, a.data, a.ld, tau, qr.data, qr.ld, work, -1)
			})
			impl.Dormqr(blas.Left, blas.NoTrans, m, n, k, a.data, a.ld, tau, qr.data, qr.ld, work, len(work))
			checkClose(t, name+" Q·R", m, n, qr.at, orig.at, 1e-13*float64(m)*orig.maxAbs())
		}
	}
}

func TestDpocon(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(2, 4))
	for _, n := range []int{1, 5, 40, 150} {
		for _, ul := range uplos {
			for _, pad := range []int{0, 2} {
				name := fmt.Sprintf("Dpocon(n=%d,%c,pad %d)", n, ul, pad)
				// A = BᵀB + I, its 1-norm, its inverse's 1-norm (by solving
				// with gonum's LU), and its Cholesky factor.
				b := newMatrix(rnd, n, n, pad)
				spd := b.clone()
				for i := 0; i < n; i++ {
					for j := 0; j < n; j++ {
						var v float64
						for l := 0; l < n; l++ {
							v += b.at(l, i) * b.at(l, j)
						}
						spd.data[i*spd.ld+j] = v + identity(i, j)
					}
				}
				inv := spd.clone()
				native := gonum.Implementation{}
				ipiv := make([]int, n)
				native.Dgetrf(n, n, inv.data, inv.ld, ipiv)
				native.Dgetri(n, inv.data, inv.ld, ipiv, make([]float64, n), n)
				anorm := spd.norm(lapack.MaxColumnSum)
				trueRcond := 1 / (anorm * inv.norm(lapack.MaxColumnSum))
				chol := spd.clone()
				if !native.Dpotrf(ul, n, chol.data, chol.ld) {
					t.Fatalf("%s: Cholesky failed", name)
				}
				work, iwork := make([]float64, 3*n), make([]int, n)
				got := openblasLAPACK{}.Dpocon(ul, n, chol.data, chol.ld, anorm, work, iwork)
				want := native.Dpocon(ul, n, chol.data, chol.ld, anorm, work, iwork)
				checkConditionEstimate(t, name, got, want, trueRcond)
			}
		}
	}
}

// TestLAPACKPanicsAsNative checks that bad arguments make the backend panic
// with gonum's message, before any call into C.
func TestLAPACKPanicsAsNative(t *testing.T) {
	requireLoaded(t)
	a, w := make([]float64, 9), make([]float64, 3)
	work := make([]float64, 100)
	cases := []struct {
		name string
		call func(impl lapack.Float64)
	}{
		{"Dsyev bad job", func(impl lapack.Float64) { impl.Dsyev('X', blas.Upper, 3, a, 3, w, work, 100) }},
		{"Dsyev lwork", func(impl lapack.Float64) { impl.Dsyev(lapack.EVCompute, blas.Upper, 3, a, 3, w, work, 7) }},
		{"Dsyev short w", func(impl lapack.Float64) { impl.Dsyev(lapack.EVCompute, blas.Upper, 3, a, 3, w[:2], work, 100) }},
		{"Dgesvd overwrite", func(impl lapack.Float64) {
			impl.Dgesvd(lapack.SVDOverwrite, lapack.SVDNone, 3, 3, a, 3, w, nil, 1, nil, 1, work, 100)
		}},
		{"Dgesvd ldu", func(impl lapack.Float64) {
			impl.Dgesvd(lapack.SVDAll, lapack.SVDNone, 3, 3, a, 3, w, a, 2, nil, 1, work, 100)
		}},
		{"Dgesvd short vt", func(impl lapack.Float64) {
			impl.Dgesvd(lapack.SVDNone, lapack.SVDStore, 3, 3, a, 3, w, nil, 1, w, 3, work, 100)
		}},
		{"Dpocon anorm < 0", func(impl lapack.Float64) { impl.Dpocon(blas.Upper, 3, a, 3, -1, work, make([]int, 3)) }},
		{"Dpocon short iwork", func(impl lapack.Float64) { impl.Dpocon(blas.Lower, 3, a, 3, 1, work, make([]int, 2)) }},
		{"Dgecon bad norm", func(impl lapack.Float64) { impl.Dgecon(lapack.MaxAbs, 3, a, 3, 1, work, make([]int, 3)) }},
		{"Dgecon short work", func(impl lapack.Float64) { impl.Dgecon(lapack.MaxRowSum, 3, a, 3, 1, work[:11], make([]int, 3)) }},
		{"Dgetrf short ipiv", func(impl lapack.Float64) { impl.Dgetrf(3, 3, a, 3, make([]int, 2)) }},

		{"Dgeqrf tau", func(impl lapack.Float64) { impl.Dgeqrf(3, 3, a, 3, w[:2], work, 100) }},
	}
	for _, c := range cases {
		want := panicValue(func() { c.call(gonum.Implementation{}) })
		got := panicValue(func() { c.call(openblasLAPACK{}) })
		if want == nil || got != want {
			t.Errorf("%s: backend panics with %v, gonum's native LAPACK with %v", c.name, got, want)
		}
	}
}

// BenchmarkNativeLAPACK runs the LAPACK benchmarks with gonum's native
// LAPACK (still on OpenBLAS's BLAS), the reference for choosing which
// routines LAPACKE computes.
func BenchmarkNativeLAPACK(b *testing.B) {
	lapack64.Use(gonum.Implementation{})
	defer lapack64.Use(openblasLAPACK{})
	b.Run("EigenSym", BenchmarkEigenSym)
	b.Run("Cholesky1024", BenchmarkCholesky1024)
	b.Run("SVD", BenchmarkSVD)
	b.Run("LUSolve512", BenchmarkLUSolve512)
	b.Run("Inverse512", BenchmarkInverse512)
	b.Run("QR", BenchmarkQR)
}
