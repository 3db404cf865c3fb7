// Package influence computes influence functions of training preference
// pairs on measurements of a Bradley–Terry reward model (Koh & Liang 2017),
// in the shape of Kronfluence: describe the problem once (Problem: a model,
// its training comparisons and a measurement), fit curvature factors once
// (Fit, with an estimator chosen by Method), then compute pairwise scores
// (query × train matrices) and self-influence as often as needed.
//
// # Sign and normalisation
//
// The model is trained on the weighted mean loss
// L(θ) = Σᵢ ŵᵢ ℓ(zᵢ; θ) + (λ/2)‖θ‖², ŵᵢ = wᵢ/Σw (1/n without weights). For a
// measurement f (a query pair's loss or margin) the influence of training
// pair z is
//
//	I(z) = −∇f(θ̂)ᵀ H⁻¹ ∇ℓ(z; θ̂),
//
// the derivative of f when z's weight in the objective is raised by ε
// (dθ̂/dε = −H⁻¹∇ℓ(z)). Hence:
//
//   - I(z) > 0 means z raises f: for a loss measurement z hurts the query
//     (raises its validation loss); for a margin measurement z raises the
//     query's margin.
//   - Removing z changes f by about −ŵ_z·I(z), that is −I(z)/n without
//     weights. Scores are not divided by n.
//   - ∇ℓ(z) is the gradient of the pair's own unweighted loss, without the
//     L2 term (the penalty belongs to the objective, not to any pair).
//   - Mean versus summed loss: had the model been trained on Σᵢ ℓᵢ, its
//     Hessian would be n times larger and the influence n times smaller,
//     I_sum(z) = I(z)/n, with removal changing f by −I_sum(z): the same
//     prediction. The scores here use the mean-loss Hessian.
//
// Pairwise scores come back as a q×n *mat.Dense: row j for query j (or a
// single row for MeanQueryLoss), column i for training pair i. SelfScores
// returns ∇ℓ(zᵢ)ᵀH⁻¹∇ℓ(zᵢ) ≥ 0 = −I(zᵢ; f = ℓ(zᵢ)): how much the pair's own
// loss rises, ×ŵᵢ, when it is removed; large values flag outliers and
// mislabelled pairs. Suspects ranks any score vector from most to least
// suspect; ByLabeler aggregates scores per labeler.
//
// # Curvature
//
// H is the damped Gauss–Newton matrix of the objective,
//
//	H = Σᵢ ŵᵢ cᵢ ∇mᵢ∇mᵢᵀ + (λ + Damping) I,
//
// with mᵢ the margin and cᵢ = σ(mᵢ)(1−σ(mᵢ)) for the true Fisher (the
// default; for the linear model this is the exact Hessian) or
// cᵢ = (1−σ(mᵢ))² for the empirical Fisher Σ ŵᵢ gᵢgᵢᵀ. The estimators:
//
//   - Exact: Cholesky factorisation of H (eigendecomposition if Cholesky
//     fails), O(n·D² + D³) to fit; the O(D³) factorisation itself cannot be
//     interrupted midway.
//   - CG: conjugate gradient on H with Gauss–Newton-vector products, one
//     pass over the training gradients per iteration.
//   - LiSSA: damped, scaled Neumann series (Agarwal et al. 2017; Koh &
//     Liang 2017): h ← v + (1−δ)h − H_B h / s, H⁻¹v ≈ h/s.
//   - DataInf (Kwon et al. 2024): per layer l,
//     (G_l + λ_l I)⁻¹ ≈ (1/λ_l)(I − Σᵢ ŵᵢ gᵢgᵢᵀ/(λ_l + ‖gᵢ‖²)) on the
//     empirical Fisher G_l of layer l, λ_l = 0.1 × mean squared gradient
//     entry; computed with matrix products only.
//   - KFAC and EKFAC (Grosse et al. 2023): per layer, A = E[aaᵀ] and
//     S = E[ssᵀ] over the pair's two responses, eigenbases Q_A, Q_S;
//     eigenvalues λ_S ⊗ λ_A (K-FAC) or refitted Λ = E[(Q_Sᵀ DW Q_A)²]
//     (EK-FAC); preconditioning DW ↦ Q_S[(Q_Sᵀ DW Q_A) ⊘ (Λ + λ + damping)]Q_Aᵀ,
//     damping 0.1 × mean(Λ) by default. The eigendecompositions cost
//     O(In³ + Out³) per layer and cannot be interrupted midway.
//   - Identity: H = I, scores are gradient dot products (TracIn-like).
//   - TrainingLoss: the baseline that scores each pair by its own loss,
//     whatever the query.
//
// Gradients can be compressed (Config.Compressor, e.g. compress.OPORP) for
// DataInf and Identity, as in Min et al. (2025). A sketch of the whole
// gradient is treated as one layer; a layered sketch (LayeredOPORP, one
// normalised OPORP per layer) keeps DataInf per layer, so that its scores
// approximate the uncompressed DataInf scores (Spearman ≈ 0.98–0.99 at
// D/K = 8 on MLP reward models with D in the thousands) rather than those of
// a single-layer DataInf. Compression pays where scoring costs most: the
// per-pair gradients are computed and sketched once by Fit (O(n·D)), and
// every Scores call then costs O(q·n·K) instead of O(q·n·D).
//
// Training gradients are streamed in blocks and held in memory only when
// they fit in Config.CacheBytes (and are not the linear model's, which are
// cheaper to form again than to hold); scores are blocked matrix products
// S = −(P Jᵀ) diag(−(1−σ(m))) with P = Q H⁻¹ the preconditioned query
// gradients, computed once per query set. The Gauss–Newton accumulation,
// DataInf and the scores share their blocks among all CPUs, each adding
// into its own accumulator; the accumulators are summed in a fixed order,
// so that a computation gives the same result on every run with the same
// number of CPUs.
package influence
