//go:build openblas && cgo

// The C side of the OpenBLAS backend: dlopen, dlsym and a call wrapper per
// routine (cgo cannot call through a C function pointer).

#include <dlfcn.h>
#include <stdio.h>

#include "openblas_shim.h"

// table holds one entry point per routine of the lists.
struct table {
#define GOLIGN_FIELD(ret, name, params, args) ret(*name) params;
	GOLIGN_CBLAS_ROUTINES(GOLIGN_FIELD)
	GOLIGN_LAPACKE_ROUTINES(GOLIGN_FIELD)
#undef GOLIGN_FIELD
};

// routines is written by a successful golign_openblas_load before any call
// (the Go side orders the two with sync.Once).
static struct table routines;

#define GOLIGN_DEFINE_CALL(ret, name, params, args) \
	ret golign_call_##name params { return routines.name args; }
GOLIGN_CBLAS_ROUTINES(GOLIGN_DEFINE_CALL)
GOLIGN_LAPACKE_ROUTINES(GOLIGN_DEFINE_CALL)
#undef GOLIGN_DEFINE_CALL

// resolve looks up one symbol, reporting a missing one in err.
static void *resolve(void *lib, const char *libname, const char *symbol, char *err, size_t errlen) {
	void *p = dlsym(lib, symbol);
	if (p == NULL) {
		snprintf(err, errlen, "%s: no symbol %s", libname, symbol);
	}
	return p;
}

// golign_openblas_load opens OpenBLAS with RTLD_GLOBAL so that LAPACKE,
// opened next, binds its LAPACK routines (dsyevd_, dgesdd_, ...) to OpenBLAS's
// own, which include OpenBLAS's optimised factorisations, whichever
// liblapack.so.3 the system's alternatives select (Debian's reference
// LAPACK would run on the reference BLAS).
int golign_openblas_load(const char *openblas, const char *lapacke, char *err, size_t errlen) {
	void *blaslib = dlopen(openblas, RTLD_NOW | RTLD_GLOBAL);
	if (blaslib == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		return 0;
	}
	void *lapackelib = dlopen(lapacke, RTLD_NOW | RTLD_LOCAL);
	if (lapackelib == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		dlclose(blaslib);
		return 0;
	}
	struct table t;
	int ok = 1;
#define GOLIGN_RESOLVE(lib, libname, name) \
	if (ok && (t.name = resolve(lib, libname, #name, err, errlen)) == NULL) { ok = 0; }
#define GOLIGN_RESOLVE_CBLAS(ret, name, params, args) GOLIGN_RESOLVE(blaslib, openblas, name)
#define GOLIGN_RESOLVE_LAPACKE(ret, name, params, args) GOLIGN_RESOLVE(lapackelib, lapacke, name)
	GOLIGN_CBLAS_ROUTINES(GOLIGN_RESOLVE_CBLAS)
	GOLIGN_LAPACKE_ROUTINES(GOLIGN_RESOLVE_LAPACKE)
#undef GOLIGN_RESOLVE_LAPACKE
#undef GOLIGN_RESOLVE_CBLAS
#undef GOLIGN_RESOLVE
	if (!ok) {
		dlclose(lapackelib);
		dlclose(blaslib);
		return 0;
	}
	routines = t;
	return 1;
}
