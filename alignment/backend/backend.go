// Package backend selects the linear-algebra implementation behind gonum's
// blas64 and lapack64, which every numeric package of the alignment library
// uses through gonum mat.
//
// Two backends exist. The default is gonum's pure-Go BLAS and LAPACK: no C
// toolchain or system library needed. Built with the tag openblas (and cgo),
// the matrix products, triangular solves and the LAPACK drivers that gonum
// computes much more slowly (symmetric eigendecomposition, SVD, LU and QR
// factorisation, the condition estimate of a Cholesky factorisation) run in
// OpenBLAS and LAPACKE instead: DGEMM 1024² runs at
// about 50 GFLOP/s on one core against 8.5 in pure Go, and mat.EigenSym and
// mat.SVD of 512×512 matrices 50 and 25 times faster than gonum's LAPACK.
// The binary links no BLAS: the libraries (Debian's libopenblas0 and
// liblapacke) are opened with dlopen the first time one of those routines
// runs, which keeps them and OpenBLAS's threads out of the start of every
// process; if they cannot be opened, gonum's native code runs and Name says
// why.
//
// Numeric packages import backend (for its side effect and for Name) so that
// one build tag switches every one of them, tests and benchmarks included.
package backend

// Name returns a short description of the BLAS and LAPACK in use. With the
// openblas tag it loads OpenBLAS first if nothing has needed it yet, so that
// the description is of what runs.
func Name() string { return name() }
