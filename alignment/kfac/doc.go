// Package kfac holds Kronecker-factored curvature of linear layers: K-FAC
// (Martens & Grosse 2015, "Optimizing Neural Networks with
// Kronecker-factored Approximate Curvature") and its eigenvalue-corrected
// form EK-FAC (George et al. 2018, "Fast Approximate Natural Gradient
// Descent in a Kronecker-factored Eigenbasis"), in the form used for
// influence functions by Grosse et al. (2023, "Studying Large Language Model
// Generalization with Influence Functions", §2.2).
//
// The package knows nothing of models. A layer y = W a (W is Out×In; append
// a constant 1 to a for a bias) is described by the rows it sees: a use t of
// the layer has an input a_t and the gradient s_t of the loss with respect
// to the output y_t. An example's weight gradient is
//
//	G = Σ_t s_t a_tᵀ   (Out×In; vec G = Σ_t s_t ⊗ a_t, row-major),
//
// and the curvature to approximate is the (Fisher or Gauss–Newton) matrix
// F = Σ_i w_i vec(G_i) vec(G_i)ᵀ over weighted examples i. K-FAC replaces F
// by S ⊗ A with the second moments
//
//	A = Σ_r u_r a_r a_rᵀ,   S = Σ_r v_r s_r s_rᵀ,
//
// with row weights u and v chosen by the caller (typically A averages over
// uses and S over examples, so that S ⊗ A = F when inputs and output
// gradients are independent). With the eigendecompositions
// A = Q_A diag(λ_A) Q_Aᵀ and S = Q_S diag(λ_S) Q_Sᵀ,
//
//	F̂ = (Q_S ⊗ Q_A) diag(vec Λ) (Q_S ⊗ Q_A)ᵀ,
//
// where K-FAC takes Λ = λ_S λ_Aᵀ and EK-FAC refits Λ to the diagonal of F
// in the Kronecker eigenbasis, Λ = Σ_i w_i (Q_Sᵀ G_i Q_A)∘², the diagonal
// that minimises the Frobenius distance to F in that basis (George et al.
// 2018). Inverting F̂ + δI then costs two rotations:
//
//	G ↦ Q_S [(Q_Sᵀ G Q_A) ⊘ (Λ + δ)] Q_Aᵀ.
//
// The work comes in three steps, each with its type: Covariances
// accumulates A and S and decomposes them into an Eigenbasis; a Correction
// accumulates EK-FAC's Λ in that basis (K-FAC takes
// Eigenbasis.KFACEigenvalues instead); a Curvature adds the damping and
// preconditions gradients and computes self-influences. Examples come in
// Batches of input and output-gradient rows. Every Add method may be called
// from several goroutines at once.
package kfac
