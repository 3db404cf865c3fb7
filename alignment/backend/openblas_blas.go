//go:build openblas && cgo

package backend

// #include "openblas_shim.h"
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// openblasBLAS is gonum's native BLAS with the level-2 and level-3 routines
// that dominate the library's running time (matrix products, rank-k
// updates, triangular products and solves, matrix-vector products and
// rank-1 updates) computed by OpenBLAS's CBLAS in row-major order, which is
// gonum's. Every override checks its arguments and panics as gonum does
// before calling C; calls whose result needs no arithmetic on the matrices
// (alpha = 0, an empty inner dimension), sizes beyond C's int, and every call
// when OpenBLAS could not be loaded run gonum's code. Of the level-1
// routines only Dnrm2 of long vectors is overridden. Measured here, neither
// gonum's assembly nor OpenBLAS is consistently faster at Ddot, Daxpy and
// Dscal from 256 elements to 2²⁰ (they are memory-bound), gonum's is several
// times faster below (a cgo call costs about 40 ns), while OpenBLAS's Dnrm2
// beats gonum's scaled loop from a few hundred elements on (1.3 times at
// 256, 2.3 times at 65536).
type openblasBLAS struct {
	gonum.Implementation
}

// Panic messages of the argument checks, as gonum's BLAS words them.
const (
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badUplo      = "blas: illegal triangle"
	badTranspose = "blas: illegal transpose"
	badDiag      = "blas: illegal diagonal"
	badSide      = "blas: illegal side"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// CBLAS enumeration values (cblas.h).
const (
	cblasRowMajor  = 101
	cblasNoTrans   = 111
	cblasTrans     = 112
	cblasConjTrans = 113
	cblasUpper     = 121
	cblasLower     = 122
	cblasNonUnit   = 131
	cblasUnit      = 132
	cblasLeft      = 141
	cblasRight     = 142
)

// checkTranspose, checkUplo, checkDiag and checkSide panic on a value gonum
// does not accept and return the CBLAS value of a valid one.
func checkTranspose(t blas.Transpose) C.int {
	switch t {
	case blas.NoTrans:
		return cblasNoTrans
	case blas.Trans:
		return cblasTrans
	case blas.ConjTrans:
		return cblasConjTrans
	}
	panic(badTranspose)
}

func checkUplo(ul blas.Uplo) C.int {
	switch ul {
	case blas.Upper:
		return cblasUpper
	case blas.Lower:
		return cblasLower
	}
	panic(badUplo)
}

func checkDiag(d blas.Diag) C.int {
	switch d {
	case blas.NonUnit:
		return cblasNonUnit
	case blas.Unit:
		return cblasUnit
	}
	panic(badDiag)
}

func checkSide(s blas.Side) C.int {
	switch s {
	case blas.Left:
		return cblasLeft
	case blas.Right:
		return cblasRight
	}
	panic(badSide)
}

// panicIf panics with msg when bad holds.
func panicIf(bad bool, msg string) {
	if bad {
		panic(msg)
	}
}

// shortMatrix reports whether a cannot hold a rows×cols matrix with leading
// dimension ld (rows > 0).
func shortMatrix(a []float64, rows, cols, ld int) bool {
	return len(a) < ld*(rows-1)+cols
}

// shortVector reports whether x cannot hold n > 0 elements with increment
// inc; a negative increment walks x from its end, as in reference BLAS.
func shortVector(x []float64, n, inc int) bool {
	if inc < 0 {
		inc = -inc
	}
	return len(x) <= (n-1)*inc
}

// transposedShape returns the rows and columns of op(A) stored: rows×cols
// when t is NoTrans, cols×rows otherwise.
func transposedShape(t blas.Transpose, rows, cols int) (int, int) {
	if t == blas.NoTrans {
		return rows, cols
	}
	return cols, rows
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for an m×k op(A) and a k×n
// op(B), where op(X) is X or Xᵀ as tA and tB say.
func (impl openblasBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ctA, ctB := checkTranspose(tA), checkTranspose(tB)
	panicIf(m < 0, mLT0)
	panicIf(n < 0, nLT0)
	panicIf(k < 0, kLT0)
	aRows, aCols := transposedShape(tA, m, k)
	bRows, bCols := transposedShape(tB, k, n)
	panicIf(lda < max(1, aCols), badLdA)
	panicIf(ldb < max(1, bCols), badLdB)
	panicIf(ldc < max(1, n), badLdC)
	if m == 0 || n == 0 {
		return
	}
	panicIf(shortMatrix(a, aRows, aCols, lda), shortA)
	panicIf(shortMatrix(b, bRows, bCols, ldb), shortB)
	panicIf(shortMatrix(c, m, n, ldc), shortC)
	if alpha == 0 || k == 0 || !fitsInt32(m, n, k, lda, ldb, ldc) || !loaded() {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.golign_call_cblas_dgemm(cblasRowMajor, ctA, ctB, C.int(m), C.int(n), C.int(k), C.double(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb), C.double(beta), ptr(c), C.int(ldc))
}

// checkRankK checks the arguments of the rank-k updates Dsyrk and Dsyr2k (b
// and ldb only when hasB) and returns the CBLAS triangle and transpose, and
// whether there is anything to compute.
func checkRankK(ul blas.Uplo, t blas.Transpose, n, k int, a []float64, lda int, hasB bool, b []float64, ldb int, c []float64, ldc int) (cul, ct C.int, work bool) {
	cul, ct = checkUplo(ul), checkTranspose(t)
	panicIf(n < 0, nLT0)
	panicIf(k < 0, kLT0)
	rows, cols := transposedShape(t, n, k)
	panicIf(lda < max(1, cols), badLdA)
	panicIf(hasB && ldb < max(1, cols), badLdB)
	panicIf(ldc < max(1, n), badLdC)
	if n == 0 {
		return cul, ct, false
	}
	panicIf(shortMatrix(a, rows, cols, lda), shortA)
	panicIf(hasB && shortMatrix(b, rows, cols, ldb), shortB)
	panicIf(shortMatrix(c, n, n, ldc), shortC)
	return cul, ct, true
}

// Dsyrk computes the triangle ul of the symmetric C = alpha·A·Aᵀ + beta·C
// (tA NoTrans, A n×k) or C = alpha·Aᵀ·A + beta·C (A k×n).
func (impl openblasBLAS) Dsyrk(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, beta float64, c []float64, ldc int) {
	cul, ct, work := checkRankK(ul, tA, n, k, a, lda, false, nil, 0, c, ldc)
	if !work {
		return
	}
	if alpha == 0 || k == 0 || !fitsInt32(n, k, lda, ldc) || !loaded() {
		impl.Implementation.Dsyrk(ul, tA, n, k, alpha, a, lda, beta, c, ldc)
		return
	}
	C.golign_call_cblas_dsyrk(cblasRowMajor, cul, ct, C.int(n), C.int(k), C.double(alpha), ptr(a), C.int(lda), C.double(beta), ptr(c), C.int(ldc))
}

// Dsyr2k computes the triangle ul of the symmetric
// C = alpha·(A·Bᵀ + B·Aᵀ) + beta·C (tA NoTrans, A and B n×k) or
// C = alpha·(Aᵀ·B + Bᵀ·A) + beta·C (A and B k×n).
func (impl openblasBLAS) Dsyr2k(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	cul, ct, work := checkRankK(ul, tA, n, k, a, lda, true, b, ldb, c, ldc)
	if !work {
		return
	}
	if alpha == 0 || k == 0 || !fitsInt32(n, k, lda, ldb, ldc) || !loaded() {
		impl.Implementation.Dsyr2k(ul, tA, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.golign_call_cblas_dsyr2k(cblasRowMajor, cul, ct, C.int(n), C.int(k), C.double(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb), C.double(beta), ptr(c), C.int(ldc))
}

// Dsymm computes C = alpha·A·B + beta·C (side Left) or C = alpha·B·A + beta·C
// (side Right) for a symmetric A stored in its triangle ul and m×n B and C.
func (impl openblasBLAS) Dsymm(s blas.Side, ul blas.Uplo, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	cs, cul := checkSide(s), checkUplo(ul)
	panicIf(m < 0, mLT0)
	panicIf(n < 0, nLT0)
	k := n
	if s == blas.Left {
		k = m
	}
	panicIf(lda < max(1, k), badLdA)
	panicIf(ldb < max(1, n), badLdB)
	panicIf(ldc < max(1, n), badLdC)
	if m == 0 || n == 0 {
		return
	}
	panicIf(shortMatrix(a, k, k, lda), shortA)
	panicIf(shortMatrix(b, m, n, ldb), shortB)
	panicIf(shortMatrix(c, m, n, ldc), shortC)
	if alpha == 0 || !fitsInt32(m, n, lda, ldb, ldc) || !loaded() {
		impl.Implementation.Dsymm(s, ul, m, n, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.golign_call_cblas_dsymm(cblasRowMajor, cs, cul, C.int(m), C.int(n), C.double(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb), C.double(beta), ptr(c), C.int(ldc))
}

// checkTriangular3 checks the arguments of Dtrmm and Dtrsm and returns their
// CBLAS values and whether there is anything to compute.
func checkTriangular3(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, a []float64, lda int, b []float64, ldb int) (cs, cul, ct, cd C.int, work bool) {
	cs, cul, ct, cd = checkSide(s), checkUplo(ul), checkTranspose(tA), checkDiag(d)
	panicIf(m < 0, mLT0)
	panicIf(n < 0, nLT0)
	k := n
	if s == blas.Left {
		k = m
	}
	panicIf(lda < max(1, k), badLdA)
	panicIf(ldb < max(1, n), badLdB)
	if m == 0 || n == 0 {
		return cs, cul, ct, cd, false
	}
	panicIf(shortMatrix(a, k, k, lda), shortA)
	panicIf(shortMatrix(b, m, n, ldb), shortB)
	return cs, cul, ct, cd, true
}

// Dtrmm computes B = alpha·op(A)·B (side Left) or B = alpha·B·op(A) (side
// Right) for a triangular A (triangle ul, unit diagonal if d is Unit) and an
// m×n B.
func (impl openblasBLAS) Dtrmm(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int) {
	cs, cul, ct, cd, work := checkTriangular3(s, ul, tA, d, m, n, a, lda, b, ldb)
	if !work {
		return
	}
	if alpha == 0 || !fitsInt32(m, n, lda, ldb) || !loaded() {
		impl.Implementation.Dtrmm(s, ul, tA, d, m, n, alpha, a, lda, b, ldb)
		return
	}
	C.golign_call_cblas_dtrmm(cblasRowMajor, cs, cul, ct, cd, C.int(m), C.int(n), C.double(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb))
}

// Dtrsm solves op(A)·X = alpha·B (side Left) or X·op(A) = alpha·B (side
// Right) for X, overwriting the m×n B, with A triangular as in Dtrmm.
func (impl openblasBLAS) Dtrsm(s blas.Side, ul blas.Uplo, tA blas.Transpose, d blas.Diag, m, n int, alpha float64, a []float64, lda int, b []float64, ldb int) {
	cs, cul, ct, cd, work := checkTriangular3(s, ul, tA, d, m, n, a, lda, b, ldb)
	if !work {
		return
	}
	if alpha == 0 || !fitsInt32(m, n, lda, ldb) || !loaded() {
		impl.Implementation.Dtrsm(s, ul, tA, d, m, n, alpha, a, lda, b, ldb)
		return
	}
	C.golign_call_cblas_dtrsm(cblasRowMajor, cs, cul, ct, cd, C.int(m), C.int(n), C.double(alpha), ptr(a), C.int(lda), ptr(b), C.int(ldb))
}

// Dgemv computes y = alpha·A·x + beta·y (tA NoTrans) or
// y = alpha·Aᵀ·x + beta·y for an m×n A.
func (impl openblasBLAS) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	ct := checkTranspose(tA)
	panicIf(m < 0, mLT0)
	panicIf(n < 0, nLT0)
	panicIf(lda < max(1, n), badLdA)
	panicIf(incX == 0, zeroIncX)
	panicIf(incY == 0, zeroIncY)
	if m == 0 || n == 0 {
		return
	}
	lenY, lenX := transposedShape(tA, m, n)
	panicIf(shortVector(x, lenX, incX), shortX)
	panicIf(shortVector(y, lenY, incY), shortY)
	panicIf(shortMatrix(a, m, n, lda), shortA)
	if alpha == 0 || !fitsInt32(m, n, lda, incX, incY) || !loaded() {
		impl.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.golign_call_cblas_dgemv(cblasRowMajor, ct, C.int(m), C.int(n), C.double(alpha), ptr(a), C.int(lda), ptr(x), C.int(incX), C.double(beta), ptr(y), C.int(incY))
}

// Dger computes the rank-1 update A += alpha·x·yᵀ of an m×n A.
func (impl openblasBLAS) Dger(m, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	panicIf(m < 0, mLT0)
	panicIf(n < 0, nLT0)
	panicIf(lda < max(1, n), badLdA)
	panicIf(incX == 0, zeroIncX)
	panicIf(incY == 0, zeroIncY)
	if m == 0 || n == 0 {
		return
	}
	panicIf(shortVector(x, m, incX), shortX)
	panicIf(shortVector(y, n, incY), shortY)
	panicIf(shortMatrix(a, m, n, lda), shortA)
	if alpha == 0 || !fitsInt32(m, n, lda, incX, incY) || !loaded() {
		impl.Implementation.Dger(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	C.golign_call_cblas_dger(cblasRowMajor, C.int(m), C.int(n), C.double(alpha), ptr(x), C.int(incX), ptr(y), C.int(incY), ptr(a), C.int(lda))
}

// checkSymmetric2 checks the arguments shared by the symmetric level-2
// routines (y and incY only when hasY) and returns the CBLAS triangle and
// whether there is anything to compute.
func checkSymmetric2(ul blas.Uplo, n int, a []float64, lda int, x []float64, incX int, hasY bool, y []float64, incY int) (cul C.int, work bool) {
	cul = checkUplo(ul)
	panicIf(n < 0, nLT0)
	panicIf(lda < max(1, n), badLdA)
	panicIf(incX == 0, zeroIncX)
	panicIf(hasY && incY == 0, zeroIncY)
	if n == 0 {
		return cul, false
	}
	panicIf(shortVector(x, n, incX), shortX)
	panicIf(hasY && shortVector(y, n, incY), shortY)
	panicIf(shortMatrix(a, n, n, lda), shortA)
	return cul, true
}

// Dsymv computes y = alpha·A·x + beta·y for an n×n symmetric A stored in its
// triangle ul.
func (impl openblasBLAS) Dsymv(ul blas.Uplo, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	cul, work := checkSymmetric2(ul, n, a, lda, x, incX, true, y, incY)
	if !work {
		return
	}
	if alpha == 0 || !fitsInt32(n, lda, incX, incY) || !loaded() {
		impl.Implementation.Dsymv(ul, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.golign_call_cblas_dsymv(cblasRowMajor, cul, C.int(n), C.double(alpha), ptr(a), C.int(lda), ptr(x), C.int(incX), C.double(beta), ptr(y), C.int(incY))
}

// Dsyr computes the symmetric rank-1 update A += alpha·x·xᵀ of the triangle
// ul of an n×n A.
func (impl openblasBLAS) Dsyr(ul blas.Uplo, n int, alpha float64, x []float64, incX int, a []float64, lda int) {
	cul, work := checkSymmetric2(ul, n, a, lda, x, incX, false, nil, 0)
	if !work || alpha == 0 {
		return
	}
	if !fitsInt32(n, lda, incX) || !loaded() {
		impl.Implementation.Dsyr(ul, n, alpha, x, incX, a, lda)
		return
	}
	C.golign_call_cblas_dsyr(cblasRowMajor, cul, C.int(n), C.double(alpha), ptr(x), C.int(incX), ptr(a), C.int(lda))
}

// Dsyr2 computes the symmetric rank-2 update A += alpha·(x·yᵀ + y·xᵀ) of the
// triangle ul of an n×n A.
func (impl openblasBLAS) Dsyr2(ul blas.Uplo, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	cul, work := checkSymmetric2(ul, n, a, lda, x, incX, true, y, incY)
	if !work || alpha == 0 {
		return
	}
	if !fitsInt32(n, lda, incX, incY) || !loaded() {
		impl.Implementation.Dsyr2(ul, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	C.golign_call_cblas_dsyr2(cblasRowMajor, cul, C.int(n), C.double(alpha), ptr(x), C.int(incX), ptr(y), C.int(incY), ptr(a), C.int(lda))
}

// checkTriangular2 checks the arguments of Dtrmv and Dtrsv and returns their
// CBLAS values and whether there is anything to compute.
func checkTriangular2(ul blas.Uplo, tA blas.Transpose, d blas.Diag, n int, a []float64, lda int, x []float64, incX int) (cul, ct, cd C.int, work bool) {
	cul, ct, cd = checkUplo(ul), checkTranspose(tA), checkDiag(d)
	panicIf(n < 0, nLT0)
	panicIf(lda < max(1, n), badLdA)
	panicIf(incX == 0, zeroIncX)
	if n == 0 {
		return cul, ct, cd, false
	}
	panicIf(shortMatrix(a, n, n, lda), shortA)
	panicIf(shortVector(x, n, incX), shortX)
	return cul, ct, cd, true
}

// Dtrmv computes x = op(A)·x for an n×n triangular A (triangle ul, unit
// diagonal if d is Unit).
func (impl openblasBLAS) Dtrmv(ul blas.Uplo, tA blas.Transpose, d blas.Diag, n int, a []float64, lda int, x []float64, incX int) {
	cul, ct, cd, work := checkTriangular2(ul, tA, d, n, a, lda, x, incX)
	if !work {
		return
	}
	if !fitsInt32(n, lda, incX) || !loaded() {
		impl.Implementation.Dtrmv(ul, tA, d, n, a, lda, x, incX)
		return
	}
	C.golign_call_cblas_dtrmv(cblasRowMajor, cul, ct, cd, C.int(n), ptr(a), C.int(lda), ptr(x), C.int(incX))
}

// Dtrsv solves op(A)·x = b for x, overwriting b held in x, for an n×n
// triangular A as in Dtrmv.
func (impl openblasBLAS) Dtrsv(ul blas.Uplo, tA blas.Transpose, d blas.Diag, n int, a []float64, lda int, x []float64, incX int) {
	cul, ct, cd, work := checkTriangular2(ul, tA, d, n, a, lda, x, incX)
	if !work {
		return
	}
	if !fitsInt32(n, lda, incX) || !loaded() {
		impl.Implementation.Dtrsv(ul, tA, d, n, a, lda, x, incX)
		return
	}
	C.golign_call_cblas_dtrsv(cblasRowMajor, cul, ct, cd, C.int(n), ptr(a), C.int(lda), ptr(x), C.int(incX))
}

// nrm2MinLength is the shortest vector whose Dnrm2 OpenBLAS computes; below
// it gonum's loop is as fast as the cgo call alone (measured crossover
// between 16 and 256 elements).
const nrm2MinLength = 128

// Dnrm2 returns the Euclidean norm ‖x‖₂ of the n elements of x with
// increment incX, computed without overflow or underflow for any finite x.
func (impl openblasBLAS) Dnrm2(n int, x []float64, incX int) float64 {
	if n < nrm2MinLength || incX < 1 || !fitsInt32(n, incX) || !loaded() {
		return impl.Implementation.Dnrm2(n, x, incX)
	}
	panicIf(shortVector(x, n, incX), shortX)
	return float64(C.golign_call_cblas_dnrm2(C.int(n), ptr(x), C.int(incX)))
}
