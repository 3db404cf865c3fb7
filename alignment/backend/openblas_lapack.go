//go:build openblas && cgo

package backend

// #include "openblas_shim.h"
import "C"

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/gonum"
)

// openblasLAPACK is gonum's native LAPACK with the routines it computes much
// more slowly than LAPACK computed by LAPACKE: the symmetric
// eigendecomposition of mat.EigenSym and the SVD of mat.SVD (measured here
// at 512: 50 and 25 times faster), and the LU and QR factorisations
// (1.2 and 1.3 times faster at 512 and 1024×256), and the condition
// estimate of mat.Cholesky (dpocon, which took most of the time of a
// 1024×1024 mat.Cholesky). The rest stays native, since it runs as fast on
// the backend's BLAS: the Cholesky factorisation itself (dpotrf 1024: 10 ms
// either way), the LU solve and inverse, and the products with Q (LAPACKE's
// row-major copies make those slower).
//
// Every override checks its arguments and panics as gonum does, answers
// workspace queries (lwork = -1) with the optimal size in work[0], and runs
// gonum's code for empty problems, sizes beyond C's int, and every call when
// LAPACKE could not be loaded.
type openblasLAPACK struct {
	gonum.Implementation
}

// Panic messages of the argument checks, as gonum's LAPACK words them.
const (
	lapackBadEVJob    = "lapack: bad EVJob"
	lapackBadSVDJob   = "lapack: bad SVDJob"
	lapackNoSVDO      = "dgesvd: not coded for overwrite"
	lapackBadUplo     = "lapack: bad Uplo"
	lapackBadNorm     = "lapack: bad Norm"
	lapackBadLWork    = "lapack: insufficient declared workspace length"
	lapackMLT0        = "lapack: m < 0"
	lapackNLT0        = "lapack: n < 0"
	lapackNegANorm    = "lapack: anorm < 0"
	lapackBadLenIpiv  = "lapack: bad length of ipiv"
	lapackBadLenTau   = "lapack: bad length of tau"
	lapackShortA      = "lapack: insufficient length of a"
	lapackShortS      = "lapack: insufficient length of s"
	lapackShortU      = "lapack: insufficient length of u"
	lapackShortVT     = "lapack: insufficient length of vt"
	lapackShortW      = "lapack: insufficient length of w"
	lapackShortWork   = "lapack: insufficient length of work"
	lapackShortIWork  = "lapack: insufficient length of iwork"
	lapackBadLdA      = "lapack: bad leading dimension of A"
	lapackBadLdU      = "lapack: bad leading dimension of U"
	lapackBadLdVT     = "lapack: bad leading dimension of VT"
	lapackRowMajor    = 101 // LAPACK_ROW_MAJOR of lapacke.h
	lapackColMajor    = 102 // LAPACK_COL_MAJOR of lapacke.h
	lapackQueryLength = -1
)

// checkInfo returns whether LAPACKE's info reports success (0); a positive
// info is the routine's numerical failure (not converged, singular, not
// positive definite). A negative info would mean an argument the checks let
// through, which is a defect of these checks: it panics naming the routine.
func checkInfo(routine string, info C.int) bool {
	if info < 0 {
		panic(fmt.Sprintf("lapack: %s rejected argument %d", routine, -info))
	}
	return info == 0
}

// checkWork checks a workspace of declared length lwork against its minimum
// (a query, lwork = -1, needs one element).
func checkWork(work []float64, lwork, minimum int) {
	panicIf(lwork < minimum && lwork != lapackQueryLength, lapackBadLWork)
	panicIf(len(work) < max(1, lwork), lapackShortWork)
}

// cchar converts a LAPACK option (the byte gonum's option types hold) for C.
func cchar[T ~byte](option T) C.char { return C.char(option) }

// transposedUplo is the triangle of Aᵀ that holds the triangle ul of A: a
// row-major matrix read in column-major order is its transpose, so the
// symmetric routines run column-major on gonum's storage, with the triangle
// swapped, without LAPACKE's copies of the matrix into and out of
// column-major order.
func transposedUplo(ul blas.Uplo) C.char {
	if ul == blas.Upper {
		return 'L'
	}
	return 'U'
}

// transposeSquare transposes the n×n matrix with leading dimension lda in
// place.
func transposeSquare(n int, a []float64, lda int) {
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a[i*lda+j], a[j*lda+i] = a[j*lda+i], a[i*lda+j]
		}
	}
}

// workspaceQuery runs a LAPACKE workspace query (call receives the
// one-element work and iwork to write the optimal lengths to) and returns
// the lengths it reports.
func workspaceQuery(routine string, call func(work *C.double, iwork *C.int) C.int) (lwork, liwork int) {
	var work [1]C.double
	var iwork [1]C.int
	checkInfo(routine, call(&work[0], &iwork[0]))
	return int(work[0]), int(iwork[0])
}

// Dsyev computes the eigenvalues of the n×n symmetric A stored in its
// triangle uplo into w in ascending order and, if jobz is EVCompute, the
// orthonormal eigenvectors into the columns of A, so that A·V = V·Λ (LAPACK
// dsyev: reduction to tridiagonal form and the implicit QL/QR iteration).
//
// With eigenvectors and a workspace as long as a query reports, LAPACK's
// divide-and-conquer dsyevd computes the same decomposition instead, more
// than twice as fast as dsyev at n = 512 (measured here). A shorter workspace,
// down to gonum's minimum 3n−1, gets dsyev.
func (impl openblasLAPACK) Dsyev(jobz lapack.EVJob, uplo blas.Uplo, n int, a []float64, lda int, w, work []float64, lwork int) (ok bool) {
	panicIf(jobz != lapack.EVNone && jobz != lapack.EVCompute, lapackBadEVJob)
	panicIf(uplo != blas.Upper && uplo != blas.Lower, lapackBadUplo)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	checkWork(work, lwork, max(1, 3*n-1))
	if n == 0 || !fitsInt32(n, lda, lwork, 2*n*n+6*n+1) || !loaded() {
		return impl.Implementation.Dsyev(jobz, uplo, n, a, lda, w, work, lwork)
	}
	// Aᵀ = A is computed column-major on the same storage; its eigenvectors
	// come out in the columns of the column-major matrix, the rows of
	// gonum's, and are transposed into place.
	var divideWork, divideIwork int // dsyevd's workspace, when it applies
	if jobz == lapack.EVCompute {
		divideWork, divideIwork = workspaceQuery("dsyevd", func(work *C.double, iwork *C.int) C.int {
			return C.golign_call_LAPACKE_dsyevd_work(lapackColMajor, cchar(jobz), transposedUplo(uplo), C.int(n), nil, C.int(lda), nil, work, -1, iwork, -1)
		})
		divideWork = max(divideWork, 3*n-1)
	}
	if lwork == lapackQueryLength && divideWork > 0 {
		work[0] = float64(divideWork)
		return true
	}
	if lwork != lapackQueryLength {
		panicIf(len(a) < (n-1)*lda+n, lapackShortA)
		panicIf(len(w) < n, lapackShortW)
	}
	var info C.int
	if divideWork > 0 && lwork >= divideWork {
		iwork := make([]C.int, max(1, divideIwork))
		info = C.golign_call_LAPACKE_dsyevd_work(lapackColMajor, cchar(jobz), transposedUplo(uplo), C.int(n), ptr(a), C.int(lda), ptr(w), ptr(work), C.int(lwork), &iwork[0], C.int(len(iwork)))
		ok = checkInfo("dsyevd", info)
	} else {
		info = C.golign_call_LAPACKE_dsyev_work(lapackColMajor, cchar(jobz), transposedUplo(uplo), C.int(n), ptr(a), C.int(lda), ptr(w), ptr(work), C.int(lwork))
		ok = checkInfo("dsyev", info)
	}
	if jobz == lapack.EVCompute && lwork != lapackQueryLength {
		transposeSquare(n, a, lda)
	}
	return ok
}

// Dgesvd computes the singular value decomposition A = U·Σ·Vᵀ of the m×n A:
// the singular values in descending order into s and, as jobU and jobVT ask
// (SVDAll: all, SVDStore: the min(m, n) leading, SVDNone: none), the left
// singular vectors into the columns of u and the right ones into the rows of
// vt (LAPACK dgesvd: bidiagonalisation and implicit-shift QR). A is
// destroyed. As in gonum, SVDOverwrite is not supported.
//
// When jobU and jobVT are the same and the workspace is as long as a query
// reports, LAPACK's divide-and-conquer dgesdd computes the same
// decomposition instead: 12 times faster than dgesvd for the thin SVD at
// 512×512 (measured here). Other calls get dgesvd.
func (impl openblasLAPACK) Dgesvd(jobU, jobVT lapack.SVDJob, m, n int, a []float64, lda int, s, u []float64, ldu int, vt []float64, ldvt int, work []float64, lwork int) (ok bool) {
	panicIf(jobU == lapack.SVDOverwrite || jobVT == lapack.SVDOverwrite, lapackNoSVDO)
	for _, job := range []lapack.SVDJob{jobU, jobVT} {
		panicIf(job != lapack.SVDAll && job != lapack.SVDStore && job != lapack.SVDNone, lapackBadSVDJob)
	}
	minmn := min(m, n)
	panicIf(m < 0, lapackMLT0)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	panicIf(ldu < 1 || (jobU == lapack.SVDAll && ldu < m) || (jobU == lapack.SVDStore && ldu < minmn), lapackBadLdU)
	panicIf(ldvt < 1 || (jobVT != lapack.SVDNone && ldvt < n), lapackBadLdVT)
	minWork := 1
	if minmn > 0 {
		minWork = max(3*minmn+max(m, n), 5*minmn)
	}
	checkWork(work, lwork, minWork)
	if minmn == 0 || !fitsInt32(m, n, lda, ldu, ldvt, lwork, 4*minmn*minmn+7*minmn+max(m, n)) || !loaded() {
		return impl.Implementation.Dgesvd(jobU, jobVT, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork)
	}
	// Aᵀ = V·Σ·Uᵀ is decomposed column-major on the same storage (n×m):
	// its left vectors, stored column-major where vt is, are the rows of
	// Vᵀ in gonum's order, and its right ones, where u is, the columns of
	// U. Nothing is copied or transposed.
	divideWork := 0 // dgesdd's workspace, when it applies
	if jobU == jobVT {
		divideWork, _ = workspaceQuery("dgesdd", func(work *C.double, iwork *C.int) C.int {
			return C.golign_call_LAPACKE_dgesdd_work(lapackColMajor, cchar(jobU), C.int(n), C.int(m), nil, C.int(lda), nil, nil, C.int(ldvt), nil, C.int(ldu), work, -1, iwork)
		})
		divideWork = max(divideWork, minWork)
	}
	if lwork == lapackQueryLength && divideWork > 0 {
		work[0] = float64(divideWork)
		return true
	}
	if lwork != lapackQueryLength {
		panicIf(len(a) < (m-1)*lda+n, lapackShortA)
		panicIf(len(s) < minmn, lapackShortS)
		panicIf((jobU == lapack.SVDAll && len(u) < (m-1)*ldu+m) || (jobU == lapack.SVDStore && len(u) < (m-1)*ldu+minmn), lapackShortU)
		panicIf((jobVT == lapack.SVDAll && len(vt) < (n-1)*ldvt+n) || (jobVT == lapack.SVDStore && len(vt) < (minmn-1)*ldvt+n), lapackShortVT)
	}
	if divideWork > 0 && lwork >= divideWork {
		iwork := make([]C.int, 8*minmn)
		info := C.golign_call_LAPACKE_dgesdd_work(lapackColMajor, cchar(jobU), C.int(n), C.int(m), ptr(a), C.int(lda), ptr(s), ptr(vt), C.int(ldvt), ptr(u), C.int(ldu), ptr(work), C.int(lwork), &iwork[0])
		return checkInfo("dgesdd", info)
	}
	info := C.golign_call_LAPACKE_dgesvd_work(lapackColMajor, cchar(jobVT), cchar(jobU), C.int(n), C.int(m), ptr(a), C.int(lda), ptr(s), ptr(vt), C.int(ldvt), ptr(u), C.int(ldu), ptr(work), C.int(lwork))
	return checkInfo("dgesvd", info)
}

// Dgetrf computes the LU factorisation with partial pivoting P·A = L·U of
// the m×n A, storing L (unit diagonal, not stored) and U in A and the
// zero-based row interchanges in ipiv (LAPACK dgetrf). It reports false when
// U is exactly singular; the factorisation is complete even then.
func (impl openblasLAPACK) Dgetrf(m, n int, a []float64, lda int, ipiv []int) (ok bool) {
	panicIf(m < 0, lapackMLT0)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	mn := min(m, n)
	if mn == 0 || !fitsInt32(m, n, lda) || !loaded() {
		return impl.Implementation.Dgetrf(m, n, a, lda, ipiv)
	}
	panicIf(len(a) < (m-1)*lda+n, lapackShortA)
	panicIf(len(ipiv) != mn, lapackBadLenIpiv)
	cpiv := make([]C.int, mn)
	info := C.golign_call_LAPACKE_dgetrf_work(lapackRowMajor, C.int(m), C.int(n), ptr(a), C.int(lda), &cpiv[0])
	for i, p := range cpiv {
		ipiv[i] = int(p) - 1
	}
	return checkInfo("dgetrf", info)
}

// Dgeqrf computes the QR factorisation A = Q·R of the m×n A: R in the upper
// triangle of A, Q as min(m, n) Householder reflectors below it with their
// scalars in tau (LAPACK dgeqrf).
func (impl openblasLAPACK) Dgeqrf(m, n int, a []float64, lda int, tau, work []float64, lwork int) {
	panicIf(m < 0, lapackMLT0)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	checkWork(work, lwork, max(1, n))
	k := min(m, n)
	if k == 0 || !fitsInt32(m, n, lda, lwork) || !loaded() {
		impl.Implementation.Dgeqrf(m, n, a, lda, tau, work, lwork)
		return
	}
	if lwork != lapackQueryLength {
		panicIf(len(a) < (m-1)*lda+n, lapackShortA)
		panicIf(len(tau) != k, lapackBadLenTau)
	}
	info := C.golign_call_LAPACKE_dgeqrf_work(lapackRowMajor, C.int(m), C.int(n), ptr(a), C.int(lda), ptr(tau), ptr(work), C.int(lwork))
	checkInfo("dgeqrf", info)
}

// conditionEstimate runs a LAPACKE condition estimator of an n×n matrix
// (call receives where to write the reciprocal condition number and an
// integer workspace of n elements) and returns its estimate.
func conditionEstimate(routine string, n int, call func(rcond *C.double, iwork *C.int) C.int) float64 {
	iwork := make([]C.int, n)
	var rcond C.double
	checkInfo(routine, call(&rcond, &iwork[0]))
	return float64(rcond)
}

// Dpocon estimates the reciprocal of the condition number ‖A‖₁·‖A⁻¹‖₁ of the
// symmetric positive definite A from its Cholesky factor (Dpotrf's result
// in the triangle uplo) and anorm = ‖A‖₁, estimating ‖A⁻¹‖₁ by Higham's
// iteration (LAPACK dpocon with dlacn2). Like the other symmetric routines
// it runs column-major on gonum's storage with the triangle swapped: the
// factor of A read transposed is the factor of Aᵀ = A in the other
// triangle.
func (impl openblasLAPACK) Dpocon(uplo blas.Uplo, n int, a []float64, lda int, anorm float64, work []float64, iwork []int) float64 {
	panicIf(uplo != blas.Upper && uplo != blas.Lower, lapackBadUplo)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	panicIf(anorm < 0, lapackNegANorm)
	if n == 0 || anorm == 0 || !fitsInt32(n, lda) || !loaded() {
		return impl.Implementation.Dpocon(uplo, n, a, lda, anorm, work, iwork)
	}
	panicIf(len(a) < (n-1)*lda+n, lapackShortA)
	panicIf(len(work) < 3*n, lapackShortWork)
	panicIf(len(iwork) < n, lapackShortIWork)
	return conditionEstimate("dpocon", n, func(rcond *C.double, iwork *C.int) C.int {
		return C.golign_call_LAPACKE_dpocon_work(lapackColMajor, transposedUplo(uplo), C.int(n), ptr(a), C.int(lda), C.double(anorm), rcond, ptr(work), iwork)
	})
}

// Dgecon estimates the reciprocal of the condition number ‖A‖·‖A⁻¹‖ of the
// n×n A in the 1-norm (norm MaxColumnSum) or the ∞-norm (MaxRowSum) from
// its LU factorisation by Dgetrf and anorm = ‖A‖, estimating ‖A⁻¹‖ by
// Higham's iteration (LAPACK dgecon with dlacn2).
func (impl openblasLAPACK) Dgecon(norm lapack.MatrixNorm, n int, a []float64, lda int, anorm float64, work []float64, iwork []int) float64 {
	panicIf(norm != lapack.MaxColumnSum && norm != lapack.MaxRowSum, lapackBadNorm)
	panicIf(n < 0, lapackNLT0)
	panicIf(lda < max(1, n), lapackBadLdA)
	panicIf(anorm < 0, lapackNegANorm)
	if n == 0 || anorm == 0 || math.IsNaN(anorm) || math.IsInf(anorm, 1) || !fitsInt32(n, lda) || !loaded() {
		return impl.Implementation.Dgecon(norm, n, a, lda, anorm, work, iwork)
	}
	panicIf(len(a) < (n-1)*lda+n, lapackShortA)
	panicIf(len(work) < 4*n, lapackShortWork)
	panicIf(len(iwork) < n, lapackShortIWork)
	return conditionEstimate("dgecon", n, func(rcond *C.double, iwork *C.int) C.int {
		return C.golign_call_LAPACKE_dgecon_work(lapackRowMajor, cchar(norm), C.int(n), ptr(a), C.int(lda), C.double(anorm), rcond, ptr(work), iwork)
	})
}
