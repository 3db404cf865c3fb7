// Package linalign decodes with Linear Alignment (Gao et al., "Linear
// Alignment: A Closed-form Solution for Aligning Human Preferences without
// Tuning and Feedback", ICML 2024, arXiv:2401.11458): inference-time
// alignment to a natural-language principle, with no training and no labels.
//
// At every step the policy is run twice on the same response prefix: once
// after the principle (the system prompt, logits ℓ_p) and once without it
// (logits ℓ₀). The two contexts advance in lockstep on the chosen token. The
// aligned logits amplify the shift the principle induces,
//
//	ℓ* = ℓ_p + ratio·(ℓ_p − ℓ₀),
//
// and the next token is drawn from softmax(ℓ*/T) restricted to the top-p
// nucleus of the principle distribution softmax(ℓ_p/T). If ℓ_p − ℓ₀ = c·Q
// for a reward Q, the rule samples π ∝ π₀·exp((1+ratio)·c·Q), the optimum of
// E_π[Q] − β·KL(π‖π₀) at β = 1/((1+ratio)·c) (the paper's §3).
//
// The comparison decoders run at the same settings: the base policy (no
// principle), the principle prompt alone (ratio 0), and best-of-n under a
// given reward. Metrics measure what a decoder costs and gains: the KL
// divergence to the base policy summed exactly over the steps of each sample,
// distinct n-grams, ground-truth rewards with standard errors and paired
// differences between decoders (RewardDifference), and, on a finite
// candidate set (a log-linear policy), the exact distribution of the rule,
// the exact reward–KL frontier, a point's reward gap to the frontier at its
// own KL (FrontierAtKL), and how much of the principle's shift the reward
// explains (ShiftFit): the rule lies on the frontier exactly when, at top-p
// 1, the shift is a multiple of the reward.
package linalign
