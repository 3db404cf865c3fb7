//go:build openblas && cgo

package backend

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	blasgonum "gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/lapack"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
)

// TestMain checks, before any test runs, that initialising the package
// mapped no BLAS: the libraries must be opened on first use only. (The
// check reads Linux's /proc and is skipped where there is none.)
func TestMain(m *testing.M) {
	maps, _ := os.ReadFile("/proc/self/maps")
	for _, name := range []string{"libopenblas", "liblapack", "libgfortran"} {
		if bytes.Contains(maps, []byte(name)) {
			fmt.Fprintf(os.Stderr, "%s is mapped before any BLAS call: the backend must open it on first use\n", name)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// useLibraries makes the backend load the libraries named at its next use,
// and the real ones again when the test ends.
func useLibraries(t *testing.T, openblas, lapacke string) {
	reset := func(openblas, lapacke string) {
		lib.once = sync.Once{}
		lib.openblas, lib.lapacke = openblas, lapacke
		lib.ok, lib.config, lib.err = false, "", nil
	}
	reset(openblas, lapacke)
	t.Cleanup(func() {
		reset(openblasLibrary, lapackeLibrary)
		requireLoaded(t)
	})
}

// TestLoadFailure checks that a library that cannot be opened, or lacks a
// routine, is reported with the loader's message naming it.
func TestLoadFailure(t *testing.T) {
	cases := []struct{ openblas, lapacke, want string }{
		{"libgolign-no-such-blas.so", lapackeLibrary, "libgolign-no-such-blas.so"},
		{openblasLibrary, "libgolign-no-such-lapacke.so", "libgolign-no-such-lapacke.so"},
		{"libc.so.6", lapackeLibrary, "libc.so.6: no symbol cblas_dgemm"},
	}
	for _, c := range cases {
		_, err := loadLibraries(c.openblas, c.lapacke)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("loading %s and %s: error %v, want one containing %q", c.openblas, c.lapacke, err, c.want)
		}
	}
}

// TestFallbackToNative checks that without OpenBLAS every routine runs
// gonum's native code, bit for bit, and that Name says so and why.
func TestFallbackToNative(t *testing.T) {
	const missing = "libgolign-no-such-blas.so"
	useLibraries(t, missing, lapackeLibrary)
	if name := Name(); !strings.Contains(name, "pure Go") || !strings.Contains(name, missing) {
		t.Errorf("Name() = %q, want the pure-Go backend and the missing %s", name, missing)
	}
	rnd := rand.New(rand.NewPCG(3, 1))
	const n = 60
	a, b := randomSlice(rnd, n*n), randomSlice(rnd, n*n)
	want, got := make([]float64, n*n), make([]float64, n*n)
	blasgonum.Implementation{}.Dgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, b, n, 0, want, n)
	openblasBLAS{}.Dgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, b, n, 0, got, n)
	if !slices.Equal(got, want) {
		t.Error("Dgemm without OpenBLAS differs from gonum's native Dgemm")
	}
	// A symmetric matrix, its eigendecomposition with the queried workspace.
	blasgonum.Implementation{}.Dsyrk(blas.Upper, blas.NoTrans, n, n, 1, a, n, 0, want, n)
	copy(got, want)
	wWant, wGot := make([]float64, n), make([]float64, n)
	for _, c := range []struct {
		impl lapack.Float64
		a, w []float64
	}{{lapackgonum.Implementation{}, want, wWant}, {openblasLAPACK{}, got, wGot}} {
		work := []float64{0}
		c.impl.Dsyev(lapack.EVCompute, blas.Upper, n, c.a, n, c.w, work, -1)
		work = make([]float64, int(work[0]))
		c.impl.Dsyev(lapack.EVCompute, blas.Upper, n, c.a, n, c.w, work, len(work))
	}
	if !slices.Equal(got, want) || !slices.Equal(wGot, wWant) {
		t.Error("Dsyev without LAPACKE differs from gonum's native Dsyev")
	}
}
