// Package irl learns from demonstrations: supervised fine-tuning (SFT) and
// the two reward-learning methods of Li et al., "Getting More Juice Out of
// the SFT Data: Reward Learning from Human Demonstration Improves SFT for LLM
// Alignment" (NeurIPS 2024, arXiv:2405.17888).
//
// Both methods read SFT data as maximum-likelihood inverse reinforcement
// learning: the policy is the soft-optimal response to a reward,
// π ∝ π_ref·exp(r/β), and the likelihood of the demonstrations has the
// reward gradient E_demo[∇r] − E_{y∼π}[∇r]: demonstrations are preferred
// to what the current policy generates.
//
//   - RFT (explicit reward) alternates sampling y′ from the current policy, a
//     Bradley–Terry step on the reward for (demonstration ≻ y′), and a policy
//     step maximising the reward with a KL penalty to the reference (exact
//     on a log-linear policy, a policy gradient with a leave-one-out
//     baseline on a transformer).
//   - IRFT (implicit reward r = β·log π_θ/π_t) minimises the self-play loss
//     −log σ(β[(log π_θ(y_d) − log π_t(y_d)) − (log π_θ(y′) − log π_t(y′))])
//     with y′ ∼ π_t, over T stages whose reference π_t is reset to the
//     current policy at the start of each stage (T = 1 is SPIN, Chen et al.
//     2024). A stage run to convergence on a log-linear policy ends at
//     π_{t+1} ∝ π_t·(π_demo/π_t)^{1/β}: β < 1 amplifies what the
//     demonstrations do better than π_t, β > 1 moves part of the way.
//
// Each method exists for a log-linear policy over finite candidate sets
// (package loglinear), where the soft-optimal policy is closed-form and
// everything is exact, and for the small transformer of package
// transformer. Diagnostics measure the implicit-reward gap between preferred
// and rejected responses, the KL divergence to the reference and win rates.
package irl
