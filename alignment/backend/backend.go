// Package backend selects the linear-algebra implementation behind gonum's
// blas64 and lapack64, which every numeric package of the alignment library
// uses through gonum mat.
//
// Two backends exist. The default is gonum's pure-Go BLAS and LAPACK: no C
// toolchain or system library needed. Built with the tag openblas (and cgo),
// the packages use OpenBLAS and LAPACKE through gonum.org/v1/netlib, which
// is about six times faster at matrix products on the machines golign targets
// (DGEMM 1024²: 8.5 GFLOP/s pure Go against 53 GFLOP/s OpenBLAS on one core).
// The build needs Debian's libopenblas-dev and liblapacke-dev; the project's
// make targets use it.
//
// Numeric packages import backend (for its side effect and for Name) so that
// one build tag switches every one of them, tests and benchmarks included.
package backend

// Name returns a short description of the BLAS and LAPACK in use.
func Name() string { return name }
