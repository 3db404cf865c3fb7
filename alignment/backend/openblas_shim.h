// Declarations of the C side of the OpenBLAS backend (openblas_shim.c): the
// CBLAS and LAPACKE routines the backend calls, resolved with dlopen and
// dlsym on first use and called through function pointers.
//
// Each list entry is X(return type, routine, parameter list, argument list).
// CBLAS enumerations are passed as int (their C ABI); lapack_int is the
// 32-bit int of the LP64 builds Debian ships.

#ifndef GOLIGN_OPENBLAS_SHIM_H
#define GOLIGN_OPENBLAS_SHIM_H

#include <stddef.h>

#define GOLIGN_CBLAS_ROUTINES(X) \
	X(void, cblas_dgemm, (int order, int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc), (order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) \
	X(void, cblas_dsyrk, (int order, int uplo, int ta, int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc), (order, uplo, ta, n, k, alpha, a, lda, beta, c, ldc)) \
	X(void, cblas_dsyr2k, (int order, int uplo, int ta, int n, int k, double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc), (order, uplo, ta, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) \
	X(void, cblas_dsymm, (int order, int side, int uplo, int m, int n, double alpha, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc), (order, side, uplo, m, n, alpha, a, lda, b, ldb, beta, c, ldc)) \
	X(void, cblas_dtrmm, (int order, int side, int uplo, int ta, int diag, int m, int n, double alpha, const double *a, int lda, double *b, int ldb), (order, side, uplo, ta, diag, m, n, alpha, a, lda, b, ldb)) \
	X(void, cblas_dtrsm, (int order, int side, int uplo, int ta, int diag, int m, int n, double alpha, const double *a, int lda, double *b, int ldb), (order, side, uplo, ta, diag, m, n, alpha, a, lda, b, ldb)) \
	X(void, cblas_dgemv, (int order, int ta, int m, int n, double alpha, const double *a, int lda, const double *x, int incx, double beta, double *y, int incy), (order, ta, m, n, alpha, a, lda, x, incx, beta, y, incy)) \
	X(void, cblas_dger, (int order, int m, int n, double alpha, const double *x, int incx, const double *y, int incy, double *a, int lda), (order, m, n, alpha, x, incx, y, incy, a, lda)) \
	X(void, cblas_dsymv, (int order, int uplo, int n, double alpha, const double *a, int lda, const double *x, int incx, double beta, double *y, int incy), (order, uplo, n, alpha, a, lda, x, incx, beta, y, incy)) \
	X(void, cblas_dsyr, (int order, int uplo, int n, double alpha, const double *x, int incx, double *a, int lda), (order, uplo, n, alpha, x, incx, a, lda)) \
	X(void, cblas_dsyr2, (int order, int uplo, int n, double alpha, const double *x, int incx, const double *y, int incy, double *a, int lda), (order, uplo, n, alpha, x, incx, y, incy, a, lda)) \
	X(void, cblas_dtrmv, (int order, int uplo, int ta, int diag, int n, const double *a, int lda, double *x, int incx), (order, uplo, ta, diag, n, a, lda, x, incx)) \
	X(void, cblas_dtrsv, (int order, int uplo, int ta, int diag, int n, const double *a, int lda, double *x, int incx), (order, uplo, ta, diag, n, a, lda, x, incx)) \
	X(double, cblas_dnrm2, (int n, const double *x, int incx), (n, x, incx)) \
	X(void, openblas_set_num_threads, (int n), (n)) \
	X(char *, openblas_get_config, (void), ())

#define GOLIGN_LAPACKE_ROUTINES(X) \
	X(int, LAPACKE_dsyev_work, (int layout, char jobz, char uplo, int n, double *a, int lda, double *w, double *work, int lwork), (layout, jobz, uplo, n, a, lda, w, work, lwork)) \
	X(int, LAPACKE_dsyevd_work, (int layout, char jobz, char uplo, int n, double *a, int lda, double *w, double *work, int lwork, int *iwork, int liwork), (layout, jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork)) \
	X(int, LAPACKE_dgesdd_work, (int layout, char jobz, int m, int n, double *a, int lda, double *s, double *u, int ldu, double *vt, int ldvt, double *work, int lwork, int *iwork), (layout, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork)) \
	X(int, LAPACKE_dgesvd_work, (int layout, char jobu, char jobvt, int m, int n, double *a, int lda, double *s, double *u, int ldu, double *vt, int ldvt, double *work, int lwork), (layout, jobu, jobvt, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork)) \
	X(int, LAPACKE_dpocon_work, (int layout, char uplo, int n, const double *a, int lda, double anorm, double *rcond, double *work, int *iwork), (layout, uplo, n, a, lda, anorm, rcond, work, iwork)) \
	X(int, LAPACKE_dgecon_work, (int layout, char norm, int n, const double *a, int lda, double anorm, double *rcond, double *work, int *iwork), (layout, norm, n, a, lda, anorm, rcond, work, iwork)) \
	X(int, LAPACKE_dgetrf_work, (int layout, int m, int n, double *a, int lda, int *ipiv), (layout, m, n, a, lda, ipiv)) \
	X(int, LAPACKE_dgeqrf_work, (int layout, int m, int n, double *a, int lda, double *tau, double *work, int lwork), (layout, m, n, a, lda, tau, work, lwork))

// golign_call_<routine> calls the resolved routine; it must not be called
// before golign_openblas_load has returned 1.
#define GOLIGN_DECLARE_CALL(ret, name, params, args) ret golign_call_##name params;
GOLIGN_CBLAS_ROUTINES(GOLIGN_DECLARE_CALL)
GOLIGN_LAPACKE_ROUTINES(GOLIGN_DECLARE_CALL)
#undef GOLIGN_DECLARE_CALL

// golign_openblas_load opens the OpenBLAS and LAPACKE shared libraries named
// and resolves every routine of the lists above. It returns 1 on success;
// otherwise 0, with the loader's message in err (at most errlen bytes), and
// no routine resolved.
int golign_openblas_load(const char *openblas, const char *lapacke, char *err, size_t errlen);

#endif
