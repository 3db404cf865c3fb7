//go:build openblas && cgo

package backend

// #include <stdlib.h>
// #include "openblas_shim.h"
import "C"

import (
	"errors"
	"os"
	"strings"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// lib records the one attempt to load OpenBLAS and LAPACKE.
var lib struct {
	once sync.Once
	// openblas and lapacke name the shared libraries opened on first use:
	// Debian's packages libopenblas0 (through one of libopenblas0-pthread,
	// -openmp, -serial) and liblapacke. Tests name missing ones.
	openblas, lapacke string
	ok                bool   // every routine resolved
	config            string // OpenBLAS's own description of its build and core
	err               error  // why loading failed, when it did
}

// The shared libraries' names, as the dynamic loader finds them.
const (
	openblasLibrary = "libopenblas.so.0"
	lapackeLibrary  = "liblapacke.so.3"
)

// init installs the backend's BLAS and LAPACK in gonum. It loads nothing:
// the shared libraries are opened the first time an overridden routine runs,
// so a process that does no matrix work (a kernel answering its first
// request, golign version) never maps them or starts OpenBLAS's threads.
func init() {
	lib.openblas, lib.lapacke = openblasLibrary, lapackeLibrary
	blas64.Use(openblasBLAS{})
	lapack64.Use(openblasLAPACK{})
}

// loaded reports whether OpenBLAS and LAPACKE are in use, loading them the
// first time it is called. When they cannot be loaded every routine runs
// gonum's native code and Name reports the loader's error.
func loaded() bool {
	lib.once.Do(func() {
		config, err := loadLibraries(lib.openblas, lib.lapacke)
		lib.ok, lib.config, lib.err = err == nil, config, err
	})
	return lib.ok
}

// loadLibraries opens the OpenBLAS and LAPACKE libraries named and resolves
// the backend's routines, returning OpenBLAS's configuration string.
//
// Unless OPENBLAS_NUM_THREADS says otherwise, OpenBLAS then runs each call on
// one thread: the library already spreads its work over every core with
// goroutines, and measured here a second OpenBLAS thread made the small
// transformer's training step 3.4× slower and sped up none of the influence
// kernels; only a lone large matrix product gains from it.
func loadLibraries(openblas, lapacke string) (config string, err error) {
	cOpenblas, cLapacke := C.CString(openblas), C.CString(lapacke)
	defer C.free(unsafe.Pointer(cOpenblas))
	defer C.free(unsafe.Pointer(cLapacke))
	var msg [512]C.char
	if C.golign_openblas_load(cOpenblas, cLapacke, &msg[0], C.size_t(len(msg))) == 0 {
		return "", errors.New(C.GoString(&msg[0]))
	}
	if os.Getenv("OPENBLAS_NUM_THREADS") == "" {
		C.golign_call_openblas_set_num_threads(1)
	}
	return strings.TrimSpace(C.GoString(C.golign_call_openblas_get_config())), nil
}

// name describes the BLAS and LAPACK in use, loading OpenBLAS first if no
// routine has needed it yet.
func name() string {
	if !loaded() {
		return "gonum (pure Go; OpenBLAS not loaded: " + lib.err.Error() + ")"
	}
	return "OpenBLAS and LAPACKE, loaded on first use (" + lib.config + ")"
}

// fitsInt32 reports whether every size and increment can be passed as C's
// 32-bit int; larger problems stay in gonum's native code.
func fitsInt32(sizes ...int) bool {
	for _, s := range sizes {
		if s != int(int32(s)) {
			return false
		}
	}
	return true
}

// ptr returns a pointer to the first element of s for C, or nil when s is
// empty (an argument the routine does not reference).
func ptr(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&s[0]))
}
