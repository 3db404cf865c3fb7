#!/usr/bin/python3
"""NumPy peers of golign's numeric kernels, for the performance suite (bench/).

Each task reads the inputs golign wrote as .npy into a directory, with its
parameters in params.json, times the same computation as golign's library,
writes its answer to numpy.npy there (golign compares it with its own) and
prints {"seconds": [...]} as JSON. DataInf and OPORP are the reference
implementations of alignment/influence/testdata/datainf_numpy.py.

Usage:
    numerics.py info                    which BLAS NumPy runs, as JSON
    numerics.py TASK DIR REPEATS        TASK: dgemm bt datainf oporp exact
"""
import ctypes
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "alignment", "influence", "testdata"))
from datainf_numpy import datainf_scores, oporp  # noqa: E402


def openblas_info():
    """Core name, configuration and thread count of the OpenBLAS loaded by
    NumPy, read from the library itself (what threadpoolctl reports)."""
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "openblas" in line.split()[-1]})
    for path in paths:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {"library": path, "corename": lib.openblas_get_corename().decode(),
                    "config": lib.openblas_get_config().decode(), "threads": lib.openblas_get_num_threads()}
    return {"library": "no OpenBLAS loaded", "corename": "", "config": "", "threads": 0}


def info():
    np.dot(np.ones((2, 2)), np.ones((2, 2)))  # loads the BLAS
    out = {"numpy": np.__version__}
    out.update(openblas_info())
    out["environment"] = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    return out


def dgemm(d, p):
    """(queries × dim) @ (dim × n), the shape golign's dgemm task times."""
    q, k, n = p["queries"], p["dim"], p["n"]
    a = np.arange(q * k, dtype=np.float64).reshape(q, k) % 7 - 3
    b = np.arange(k * n, dtype=np.float64).reshape(k, n) % 7 - 3
    return lambda: a @ b


def bt_newton(U, l2, tol, max_iter):
    """Newton's method with Armijo backtracking on the linear Bradley–Terry
    objective L(θ) = mean(−log σ(Uθ)) + (λ/2)‖θ‖², stopping when ‖∇L‖∞ <
    tol: the algorithm of golign's reward.TrainLinear (Newton solver)."""
    n, d = U.shape
    theta = np.zeros(d)

    def objective(t):
        return np.logaddexp(0.0, -(U @ t)).mean() + 0.5 * l2 * t @ t

    f = objective(theta)
    for _ in range(max_iter):
        m = U @ theta
        s = 1.0 / (1.0 + np.exp(-m))
        grad = -(U.T @ (1.0 - s)) / n + l2 * theta
        if np.abs(grad).max() < tol:
            break
        c = s * (1.0 - s)
        H = (U.T * c) @ U / n + l2 * np.eye(d)
        step = np.linalg.solve(H, -grad)
        slope = grad @ step
        a = 1.0
        while True:
            f_new = objective(theta + a * step)
            if f_new <= f + 1e-4 * a * slope or a < 1e-10:
                break
            a *= 0.5
        theta = theta + a * step
        f = f_new
    return theta


def bt(d, p):
    U = np.load(f"{d}/u.npy")
    return lambda: bt_newton(U, p["l2"], p["tolerance"], p["max_iterations"])


def datainf(d, p):
    G = np.load(f"{d}/train.npy")
    Q = np.load(f"{d}/query.npy")
    return lambda: datainf_scores(G, Q)


class FixedSketch:
    """Stands in for the random generator of datainf_numpy.oporp so that it
    applies golign's permutation and signs: coordinate i goes to bin[i] with
    sign[i]; positions sorted by bin give the permutation."""

    def __init__(self, bins, signs):
        self.perm = np.argsort(bins, kind="stable")
        self.signs = signs

    def permutation(self, D):
        return self.perm

    def choice(self, values, size):
        return self.signs


def oporp_task(d, p):
    G = np.load(f"{d}/train.npy")
    bins = np.load(f"{d}/bins.npy")
    signs = np.load(f"{d}/signs.npy")
    return lambda: oporp(G, p["k"], FixedSketch(bins, signs))


def exact(d, p):
    """Exact influence of a linear Bradley–Terry model with the true Fisher
    (golign's influence.Exact, QueryLoss): H = Σ cᵢuᵢuᵢᵀ/n + λI by Cholesky,
    gradients ∇ℓ = −(1−σ(m))u, scores −∇f_qᵀH⁻¹∇ℓᵢ."""
    U = np.load(f"{d}/train.npy")
    V = np.load(f"{d}/query.npy")
    theta = np.load(f"{d}/theta.npy")
    l2 = p["l2"]

    def run():
        n, dim = U.shape
        s = 1.0 / (1.0 + np.exp(-(U @ theta)))
        H = (U.T * (s * (1.0 - s))) @ U / n + l2 * np.eye(dim)
        L = np.linalg.cholesky(H)
        G = -(1.0 - s)[:, None] * U
        sq = 1.0 / (1.0 + np.exp(-(V @ theta)))
        Q = -(1.0 - sq)[:, None] * V
        P = np.linalg.solve(L.T, np.linalg.solve(L, Q.T)).T
        return -(P @ G.T)

    return run


TASKS = {"dgemm": dgemm, "bt": bt, "datainf": datainf, "oporp": oporp_task, "exact": exact}


def main(argv):
    if argv[1:] == ["info"]:
        print(json.dumps(info()))
        return 0
    task, d, repeats = argv[1], argv[2], int(argv[3])
    with open(f"{d}/params.json") as f:
        params = json.load(f)
    run = TASKS[task](d, params)
    seconds, answer = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        answer = run()
        seconds.append(time.perf_counter() - t0)
    if task != "dgemm":
        np.save(f"{d}/numpy.npy", np.asarray(answer, dtype=np.float64))
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
