// Package lancet corrects a language model's undesirable behaviour with
// influence functions, after LANCET (Zhang et al., "Correcting Large Language
// Model Behavior via Influence Function", AAAI 2025, arXiv 2412.16451):
//
//  1. Queries: the model's own undesirable generations, found by sampling and
//     a detector the user supplies (FindQueries).
//  2. LinFAC: a Kronecker-factored (EK-FAC) Gauss–Newton approximation for
//     every linear map of a transformer — attention q, k, v, o, the MLP and
//     the unembedding — with factors accumulated over all tokens of each
//     sequence, used to score every training sequence's influence on the
//     queries (FitLinFAC, LinFAC.Scores); SplitByScore ranks them into
//     influential and non-influential examples.
//  3. IBO: pairwise post-training on (non-influential ≻ influential) pairs with
//     a DPO-style logistic loss whose β-weighted log-ratio against the frozen
//     current model keeps the model close to where it started (IBO).
//
// Baselines for comparison: retraining without given examples (Without, with
// transformer.Train), gradient-ascent unlearning (GradientAscent), fine-tuning
// on corrected outputs (transformer.Train on them) and retrieval by identity
// influence, the gradient dot product (Method Identity). Evaluate measures a
// corrected model: the rate of the undesirable behaviour, held-out
// log-likelihood, KL divergence to the original model and diversity.
package lancet
