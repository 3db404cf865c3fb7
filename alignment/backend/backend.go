// Package backend selects the linear-algebra implementation behind gonum's
// blas64 and lapack64, which every numeric package of the alignment library
// uses through gonum mat.
//
// Two backends exist. The default is gonum's pure-Go BLAS and LAPACK: no C
// toolchain or system library needed. Built with the tag openblas (and cgo),
// the matrix products, triangular solves and the LAPACK factorisations that
// gonum computes much more slowly (symmetric eigendecomposition, SVD, LU,
// QR, Cholesky) run in OpenBLAS and LAPACKE instead, which is about six
// times faster at matrix products on the machines golign targets (DGEMM
// 1024²: 8.5 GFLOP/s pure Go against 53 GFLOP/s OpenBLAS on one core) and
// 8–15 times faster at symmetric eigendecompositions. The binary links no
// BLAS: the libraries (Debian's libopenblas0 and liblapacke) are opened with
// dlopen the first time one of those routines runs, which keeps them and
// OpenBLAS's thread pool out of the start of every process; if they cannot
// be opened, gonum's native code runs and Name says why.
//
// Numeric packages import backend (for its side effect and for Name) so that
// one build tag switches every one of them, tests and benchmarks included.
package backend

// Name returns a short description of the BLAS and LAPACK in use. With the
// openblas tag it loads OpenBLAS first if nothing has needed it yet, so that
// the description is of what runs.
func Name() string { return name() }
