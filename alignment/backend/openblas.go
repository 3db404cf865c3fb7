//go:build openblas && cgo

package backend

// #cgo LDFLAGS: -llapacke -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"os"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	blasnetlib "gonum.org/v1/netlib/blas/netlib"
	lapacknetlib "gonum.org/v1/netlib/lapack/netlib"
)

const name = "OpenBLAS (cgo, gonum.org/v1/netlib)"

// init routes gonum's BLAS and LAPACK to OpenBLAS. Unless
// OPENBLAS_NUM_THREADS says otherwise, OpenBLAS runs each call on one
// thread: the library already spreads its work over every core with
// goroutines, and measured here a second OpenBLAS thread made the small
// transformer's training step 3.4× slower and sped up none of the influence
// kernels; only a lone large matrix product gains from it.
func init() {
	blas64.Use(blasnetlib.Implementation{})
	lapack64.Use(lapacknetlib.Implementation{})
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" {
		C.openblas_set_num_threads(1)
	}
}
