//go:build openblas && cgo

package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// requireLoaded fails the test when OpenBLAS and LAPACKE could not be
// loaded: the comparisons would then run gonum's code against itself.
func requireLoaded(t *testing.T) {
	t.Helper()
	if !loaded() {
		t.Fatalf("OpenBLAS not loaded: %v", lib.err)
	}
}

// randomSlice returns n values uniform in [-1, 1).
func randomSlice(rnd *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rnd.Float64() - 1
	}
	return s
}

// storage is the length of a rows×cols row-major matrix with leading
// dimension ld (0 when it has no rows).
func storage(rows, cols, ld int) int {
	if rows == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

// vectorStorage is the length of a vector of n elements with increment inc.
func vectorStorage(n, inc int) int {
	if n == 0 {
		return 0
	}
	if inc < 0 {
		inc = -inc
	}
	return (n-1)*inc + 1
}

// dominantDiagonal adds n+2 to the diagonal of an n×n matrix so that
// triangular solves with it are well conditioned.
func dominantDiagonal(a []float64, n, ld int) {
	for i := 0; i < n; i++ {
		a[i*ld+i] += float64(n + 2)
	}
}

// compareWithNative runs call on copies of bufs with gonum's native BLAS and
// with the backend's, and fails if any element of any buffer differs by more
// than a rounding error relative to the buffer's largest element.
func compareWithNative(t *testing.T, name string, bufs [][]float64, call func(impl blas.Float64, bufs [][]float64)) {
	t.Helper()
	clone := func() [][]float64 {
		c := make([][]float64, len(bufs))
		for i, b := range bufs {
			c[i] = append([]float64(nil), b...)
		}
		return c
	}
	want, got := clone(), clone()
	call(gonum.Implementation{}, want)
	call(openblasBLAS{}, got)
	for i := range want {
		scale := 1.0
		for _, v := range want[i] {
			scale = math.Max(scale, math.Abs(v))
		}
		for j := range want[i] {
			if d := math.Abs(got[i][j] - want[i][j]); !(d <= 1e-12*scale) {
				t.Errorf("%s: argument %d, element %d = %v, gonum's native BLAS gives %v", name, i, j, got[i][j], want[i][j])
				return
			}
		}
	}
}

var (
	transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}
	uplos      = []blas.Uplo{blas.Upper, blas.Lower}
	diags      = []blas.Diag{blas.NonUnit, blas.Unit}
	sides      = []blas.Side{blas.Left, blas.Right}
	// scalars are the (alpha, beta) pairs every routine is run with: the
	// special values 0 and 1 that BLAS treats apart, and general ones.
	scalars = []struct{ alpha, beta float64 }{{0, 0}, {0, 1}, {0, 2.5}, {1, 0}, {1, 1}, {-0.7, 2.5}}
	// pads are the leading dimensions' excess over the matrices' widths.
	pads = []int{0, 3}
	// increments are the (incX, incY) pairs of the level-2 routines.
	increments = [][2]int{{1, 1}, {2, -1}, {-3, 2}}
)

func TestDgemmAgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 1))
	sizes := [][3]int{{0, 3, 2}, {3, 0, 2}, {3, 4, 0}, {1, 1, 1}, {5, 7, 3}, {37, 29, 41}}
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, mnk := range sizes {
				for _, sc := range scalars {
					for _, pad := range pads {
						m, n, k := mnk[0], mnk[1], mnk[2]
						aRows, aCols := transposedShape(tA, m, k)
						bRows, bCols := transposedShape(tB, k, n)
						lda, ldb, ldc := max(1, aCols)+pad, max(1, bCols)+pad, max(1, n)+pad
						bufs := [][]float64{
							randomSlice(rnd, storage(aRows, aCols, lda)),
							randomSlice(rnd, storage(bRows, bCols, ldb)),
							randomSlice(rnd, storage(m, n, ldc)),
						}
						name := fmt.Sprintf("Dgemm(%c,%c,%v,α=%v,β=%v,pad %d)", tA, tB, mnk, sc.alpha, sc.beta, pad)
						compareWithNative(t, name, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dgemm(tA, tB, m, n, k, sc.alpha, b[0], lda, b[1], ldb, sc.beta, b[2], ldc)
						})
					}
				}
			}
		}
	}
}

func TestRankKAgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, nk := range [][2]int{{0, 3}, {3, 0}, {1, 1}, {6, 4}, {33, 21}} {
		for _, ul := range uplos {
			for _, tA := range transposes {
				for _, sc := range scalars {
					for _, pad := range pads {
						n, k := nk[0], nk[1]
						rows, cols := transposedShape(tA, n, k)
						lda, ldb, ldc := max(1, cols)+pad, max(1, cols)+2*pad, max(1, n)+pad
						bufs := [][]float64{
							randomSlice(rnd, storage(rows, cols, lda)),
							randomSlice(rnd, storage(rows, cols, ldb)),
							randomSlice(rnd, storage(n, n, ldc)),
						}
						suffix := fmt.Sprintf("(%c,%c,n=%d,k=%d,α=%v,β=%v,pad %d)", ul, tA, n, k, sc.alpha, sc.beta, pad)
						compareWithNative(t, "Dsyrk"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsyrk(ul, tA, n, k, sc.alpha, b[0], lda, sc.beta, b[2], ldc)
						})
						compareWithNative(t, "Dsyr2k"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsyr2k(ul, tA, n, k, sc.alpha, b[0], lda, b[1], ldb, sc.beta, b[2], ldc)
						})
					}
				}
			}
		}
	}
}

func TestSymmetricAndTriangular3AgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 3))
	for _, mn := range [][2]int{{0, 3}, {3, 0}, {1, 1}, {5, 7}, {31, 22}} {
		for _, s := range sides {
			for _, ul := range uplos {
				for _, sc := range scalars {
					for _, pad := range pads {
						m, n := mn[0], mn[1]
						k := n
						if s == blas.Left {
							k = m
						}
						lda, ldb, ldc := max(1, k)+pad, max(1, n)+pad, max(1, n)+2*pad
						a := randomSlice(rnd, storage(k, k, lda))
						dominantDiagonal(a, k, lda)
						bufs := [][]float64{a, randomSlice(rnd, storage(m, n, ldb)), randomSlice(rnd, storage(m, n, ldc))}
						name := fmt.Sprintf("Dsymm(%c,%c,m=%d,n=%d,α=%v,β=%v,pad %d)", s, ul, m, n, sc.alpha, sc.beta, pad)
						compareWithNative(t, name, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsymm(s, ul, m, n, sc.alpha, b[0], lda, b[1], ldb, sc.beta, b[2], ldc)
						})
						if sc.beta != 0 {
							continue // Dtrmm and Dtrsm have no beta
						}
						for _, tA := range transposes {
							for _, d := range diags {
								suffix := fmt.Sprintf("(%c,%c,%c,%c,m=%d,n=%d,α=%v,pad %d)", s, ul, tA, d, m, n, sc.alpha, pad)
								compareWithNative(t, "Dtrmm"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
									impl.Dtrmm(s, ul, tA, d, m, n, sc.alpha, b[0], lda, b[1], ldb)
								})
								compareWithNative(t, "Dtrsm"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
									impl.Dtrsm(s, ul, tA, d, m, n, sc.alpha, b[0], lda, b[1], ldb)
								})
							}
						}
					}
				}
			}
		}
	}
}

func TestGeneralLevel2AgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 4))
	for _, mn := range [][2]int{{0, 3}, {3, 0}, {1, 1}, {5, 7}, {40, 33}} {
		for _, inc := range increments {
			for _, sc := range scalars {
				for _, pad := range pads {
					m, n := mn[0], mn[1]
					incX, incY := inc[0], inc[1]
					lda := max(1, n) + pad
					for _, tA := range transposes {
						lenY, lenX := transposedShape(tA, m, n)
						bufs := [][]float64{
							randomSlice(rnd, storage(m, n, lda)),
							randomSlice(rnd, vectorStorage(lenX, incX)),
							randomSlice(rnd, vectorStorage(lenY, incY)),
						}
						name := fmt.Sprintf("Dgemv(%c,m=%d,n=%d,α=%v,β=%v,inc %v,pad %d)", tA, m, n, sc.alpha, sc.beta, inc, pad)
						compareWithNative(t, name, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dgemv(tA, m, n, sc.alpha, b[0], lda, b[1], incX, sc.beta, b[2], incY)
						})
					}
					checkDger(t, rnd, m, n, sc.alpha, incX, incY, lda)
				}
			}
		}
	}
}

// vectorIndex is the position in its storage of element i of a vector of n
// elements with increment inc (a negative increment walks from the end).
func vectorIndex(i, n, inc int) int {
	if inc < 0 {
		return (n - 1 - i) * -inc
	}
	return i * inc
}

// checkDger checks the rank-1 update A += alpha·x·yᵀ against the formula,
// element by element. (gonum's native Dger is not the reference here: it
// passes negative increments to its assembly as unsigned strides and leaves
// A wrong.)
func checkDger(t *testing.T, rnd *rand.Rand, m, n int, alpha float64, incX, incY, lda int) {
	t.Helper()
	a := randomSlice(rnd, storage(m, n, lda))
	x, y := randomSlice(rnd, vectorStorage(m, incX)), randomSlice(rnd, vectorStorage(n, incY))
	want := append([]float64(nil), a...)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			want[i*lda+j] += alpha * x[vectorIndex(i, m, incX)] * y[vectorIndex(j, n, incY)]
		}
	}
	openblasBLAS{}.Dger(m, n, alpha, x, incX, y, incY, a, lda)
	for i := range want {
		if !(math.Abs(a[i]-want[i]) <= 1e-15*(1+math.Abs(want[i]))) {
			t.Errorf("Dger(m=%d,n=%d,α=%v,inc %d,%d,lda %d): element %d = %v, want %v", m, n, alpha, incX, incY, lda, i, a[i], want[i])
			return
		}
	}
}

func TestSymmetricAndTriangular2AgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 5))
	for _, n := range []int{0, 1, 6, 35} {
		for _, ul := range uplos {
			for _, inc := range increments {
				for _, pad := range pads {
					incX, incY := inc[0], inc[1]
					lda := max(1, n) + pad
					a := randomSlice(rnd, storage(n, n, lda))
					dominantDiagonal(a, n, lda)
					bufs := [][]float64{a, randomSlice(rnd, vectorStorage(n, incX)), randomSlice(rnd, vectorStorage(n, incY))}
					for _, sc := range scalars {
						suffix := fmt.Sprintf("(%c,n=%d,α=%v,β=%v,inc %v,pad %d)", ul, n, sc.alpha, sc.beta, inc, pad)
						compareWithNative(t, "Dsymv"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsymv(ul, n, sc.alpha, b[0], lda, b[1], incX, sc.beta, b[2], incY)
						})
						compareWithNative(t, "Dsyr"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsyr(ul, n, sc.alpha, b[1], incX, b[0], lda)
						})
						compareWithNative(t, "Dsyr2"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
							impl.Dsyr2(ul, n, sc.alpha, b[1], incX, b[2], incY, b[0], lda)
						})
					}
					for _, tA := range transposes {
						for _, d := range diags {
							suffix := fmt.Sprintf("(%c,%c,%c,n=%d,inc %d,pad %d)", ul, tA, d, n, incX, pad)
							compareWithNative(t, "Dtrmv"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
								impl.Dtrmv(ul, tA, d, n, b[0], lda, b[1], incX)
							})
							compareWithNative(t, "Dtrsv"+suffix, bufs, func(impl blas.Float64, b [][]float64) {
								impl.Dtrsv(ul, tA, d, n, b[0], lda, b[1], incX)
							})
						}
					}
				}
			}
		}
	}
}

func TestDnrm2AgainstNative(t *testing.T) {
	requireLoaded(t)
	rnd := rand.New(rand.NewPCG(1, 6))
	for _, n := range []int{0, 1, 5, nrm2MinLength - 1, nrm2MinLength, 1000} {
		for _, inc := range []int{1, 3, -1} {
			// Scales near the limits of float64 check that the norm is
			// computed without overflow or underflow.
			for _, scale := range []float64{1, 1e300, 1e-300} {
				x := randomSlice(rnd, vectorStorage(n, inc))
				for i := range x {
					x[i] *= scale
				}
				want := gonum.Implementation{}.Dnrm2(n, x, inc)
				got := openblasBLAS{}.Dnrm2(n, x, inc)
				if !(math.Abs(got-want) <= 1e-14*want) {
					t.Errorf("Dnrm2(n=%d, inc %d, scale %g) = %v, gonum's native BLAS gives %v", n, inc, scale, got, want)
				}
			}
		}
	}
}

// panicValue returns what f panics with, or nil.
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestBLASPanicsAsNative checks that bad arguments make the backend panic
// with gonum's message, before any call into C.
func TestBLASPanicsAsNative(t *testing.T) {
	requireLoaded(t)
	x, a := make([]float64, 4), make([]float64, 9)
	short := make([]float64, 3)
	cases := []struct {
		name string
		call func(impl blas.Float64)
	}{
		{"Dgemm bad transpose", func(impl blas.Float64) { impl.Dgemm('X', blas.NoTrans, 3, 3, 3, 1, a, 3, a, 3, 0, a, 3) }},
		{"Dgemm m < 0", func(impl blas.Float64) { impl.Dgemm(blas.NoTrans, blas.NoTrans, -1, 3, 3, 1, a, 3, a, 3, 0, a, 3) }},
		{"Dgemm lda", func(impl blas.Float64) { impl.Dgemm(blas.Trans, blas.NoTrans, 3, 3, 2, 1, a, 2, a, 3, 0, a, 3) }},
		{"Dgemm short a", func(impl blas.Float64) { impl.Dgemm(blas.NoTrans, blas.NoTrans, 3, 3, 3, 1, short, 3, a, 3, 0, a, 3) }},
		{"Dgemm short c", func(impl blas.Float64) { impl.Dgemm(blas.NoTrans, blas.NoTrans, 3, 3, 3, 1, a, 3, a, 3, 0, short, 3) }},
		{"Dsyrk bad triangle", func(impl blas.Float64) { impl.Dsyrk('X', blas.NoTrans, 3, 3, 1, a, 3, 0, a, 3) }},
		{"Dsyrk k < 0", func(impl blas.Float64) { impl.Dsyrk(blas.Upper, blas.NoTrans, 3, -1, 1, a, 3, 0, a, 3) }},
		{"Dsyr2k short b", func(impl blas.Float64) { impl.Dsyr2k(blas.Upper, blas.NoTrans, 3, 3, 1, a, 3, short, 3, 0, a, 3) }},
		{"Dsymm bad side", func(impl blas.Float64) { impl.Dsymm('X', blas.Upper, 3, 3, 1, a, 3, a, 3, 0, a, 3) }},
		{"Dsymm ldc", func(impl blas.Float64) { impl.Dsymm(blas.Left, blas.Upper, 3, 3, 1, a, 3, a, 3, 0, a, 2) }},
		{"Dtrmm bad diagonal", func(impl blas.Float64) { impl.Dtrmm(blas.Left, blas.Upper, blas.NoTrans, 'X', 3, 3, 1, a, 3, a, 3) }},
		{"Dtrsm short b", func(impl blas.Float64) {
			impl.Dtrsm(blas.Right, blas.Lower, blas.Trans, blas.Unit, 3, 3, 1, a, 3, short, 3)
		}},
		{"Dgemv zero incX", func(impl blas.Float64) { impl.Dgemv(blas.NoTrans, 3, 3, 1, a, 3, x, 0, 0, x, 1) }},
		{"Dgemv short y", func(impl blas.Float64) { impl.Dgemv(blas.Trans, 3, 3, 1, a, 3, x, 1, 0, x, 2) }},
		{"Dger short x", func(impl blas.Float64) { impl.Dger(3, 3, 1, x, -2, x, 1, a, 3) }},
		{"Dsymv bad triangle", func(impl blas.Float64) { impl.Dsymv('X', 3, 1, a, 3, x, 1, 0, x, 1) }},
		{"Dsyr zero incX", func(impl blas.Float64) { impl.Dsyr(blas.Lower, 3, 1, x, 0, a, 3) }},
		{"Dsyr2 short y", func(impl blas.Float64) { impl.Dsyr2(blas.Upper, 3, 1, x, 1, short[:1], 1, a, 3) }},
		{"Dtrmv lda", func(impl blas.Float64) { impl.Dtrmv(blas.Upper, blas.NoTrans, blas.Unit, 3, a, 2, x, 1) }},
		{"Dtrsv short x", func(impl blas.Float64) { impl.Dtrsv(blas.Lower, blas.Trans, blas.NonUnit, 3, a, 3, x, 2) }},
		{"Dnrm2 short x", func(impl blas.Float64) { impl.Dnrm2(nrm2MinLength, x, 1) }},
	}
	for _, c := range cases {
		want := panicValue(func() { c.call(gonum.Implementation{}) })
		got := panicValue(func() { c.call(openblasBLAS{}) })
		if want == nil || got != want {
			t.Errorf("%s: backend panics with %v, gonum's native BLAS with %v", c.name, got, want)
		}
	}
}
