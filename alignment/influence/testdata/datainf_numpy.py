#!/usr/bin/python3
"""DataInf influence scores in NumPy, the reference for golign's influence.DataInf.

Same computation as influence.FitGradients + ScoresOfGradients with
Method DataInf, one layer, uniform weights (Kwon et al. 2024, eq. 5):

    lam  = 0.1 * mean(G**2)
    coef = 1 / (n * (lam + |g_i|^2))
    P    = (Q - ((Q @ G.T) * coef) @ G) / lam      # Q H^-1, one row per query
    S    = -P @ G.T                                 # influence, queries x train

Usage:
    datainf_numpy.py verify DIR
        DIR holds train.npy (n x D), query.npy (q x D) and scores.npy written
        by golign's test (go test ./alignment/influence -run NumPy -numpy);
        exits 1 when NumPy's scores differ.
    datainf_numpy.py bench [n [D [q [K ...]]]]
        times fit + scores on seeded Gaussian low-rank-plus-noise gradients
        (default 100000 x 4096, 100 queries), uncompressed and after OPORP
        to each K (default 256 512), like BenchmarkDataInfScores.
"""
import sys
import time

import numpy as np


def datainf_scores(G, Q):
    n, D = G.shape
    norms = np.einsum("ij,ij->i", G, G)
    lam = 0.1 * norms.mean() / D
    coef = 1.0 / (n * (lam + norms))
    C = (Q @ G.T) * coef
    P = (Q - C @ G) / lam
    return -(P @ G.T)


def oporp(G, K, rng, block=8192):
    """OPORP (Li & Li 2023): permute, random signs, sum into K equal bins."""
    n, D = G.shape
    perm = rng.permutation(D)
    sign = rng.choice([-1.0, 1.0], size=D)
    # Coordinate perm[p] lands at position p; bins hold D/K positions.
    out = np.empty((n, K))
    for lo in range(0, n, block):
        blk = np.take(G[lo:lo + block], perm, axis=1) * sign[perm]
        out[lo:lo + block] = blk.reshape(blk.shape[0], K, D // K).sum(axis=2)
    return out


def gradient_like(n, D, rng, rank=8):
    g = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, D))
    g += 0.5 * rng.standard_normal((n, D))
    return g


def verify(directory):
    G = np.load(f"{directory}/train.npy")
    Q = np.load(f"{directory}/query.npy")
    want = np.load(f"{directory}/scores.npy")
    got = datainf_scores(G, Q)
    err = np.abs(got - want).max() / np.abs(want).max()
    print(f"NumPy vs golign DataInf scores: max relative difference {err:.3g}")
    return 0 if err < 1e-9 else 1


def bench(n=100000, D=4096, q=100, ks=(256, 512)):
    rng = np.random.default_rng(1)
    G = gradient_like(n, D, rng)
    Q = gradient_like(q, D, rng)
    print(f"numpy {np.__version__}, n={n} D={D} q={q}")
    for K in (0,) + tuple(ks):
        start = time.perf_counter()
        if K:
            sk = np.random.default_rng(K)
            Gc = oporp(G, K, sk)
            sk = np.random.default_rng(K)
            Qc = oporp(Q, K, sk)
        else:
            Gc, Qc = G, Q
        datainf_scores(Gc, Qc)
        elapsed = time.perf_counter() - start
        dim = K or D
        gflops = 6.0 * q * n * dim / elapsed / 1e9
        name = f"OPORP-K{K}" if K else "uncompressed"
        print(f"{name:14s} {elapsed:8.3f} s  {gflops:7.2f} GFLOP/s")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2]))
    if len(sys.argv) >= 2 and sys.argv[1] == "bench":
        args = [int(a) for a in sys.argv[2:]]
        n, D, q = (args + [100000, 4096, 100][len(args):])[:3]
        ks = tuple(args[3:]) or (256, 512)
        bench(n, D, q, ks)
        sys.exit(0)
    print(__doc__)
    sys.exit(2)
