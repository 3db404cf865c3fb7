package influence

import (
	"fmt"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/kfac"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// kronecker implements K-FAC and EK-FAC influence (Grosse et al. 2023,
// "Studying Large Language Model Generalization with Influence Functions")
// with one kfac.Curvature per layer. For a linear layer the per-pair margin
// gradient is DW = Σ_t s_t a_tᵀ over the pair's two responses
// t ∈ {chosen, rejected} (a kfac.Batch of two terms). The factors are
//
//	A = Σᵢ ŵᵢ ½ Σ_t a_t a_tᵀ,   S = Σᵢ ŵᵢ cᵢ² Σ_t s_t s_tᵀ,
//
// (A averages over responses and S sums over them, so that S ⊗ A matches
// E[vec DW vec DWᵀ] when the two responses' terms are uncorrelated), with
// cᵢ = −(1−σ(mᵢ)) for the observed label, or for the true Fisher
// cᵢ = −(1−σ(mᵢ)) or σ(mᵢ) for a label drawn from the model (seeded).
// K-FAC takes Λ = λ_S λ_Aᵀ and EK-FAC refits Λ = Σᵢ ŵᵢ cᵢ² (Q_Sᵀ DWᵢ Q_A)∘².
// Preconditioning is DW ↦ Q_S [(Q_Sᵀ DW Q_A) ⊘ (Λ + λ + damping)] Q_Aᵀ, with λ
// the model's L2 and damping 0.1 × mean(Λ) unless Config.Damping is set.
type kronecker struct {
	src    *source
	model  Model
	p      Problem
	layers []reward.Layer
	curv   []*kfac.Curvature
}

func fitKFAC(p Problem, src *source, cfg Config) (*kronecker, error) {
	passes := 1
	if cfg.Method == EKFAC {
		passes = 2
	}
	t := job.Start("influence: "+cfg.Method.String()+" factors", passes*src.blocks())
	k, err := fitKFACFactors(p, src, cfg, t)
	t.Done(err)
	return k, err
}

// fitKFACFactors accumulates the factors (one pass), eigendecomposes them
// and, for EK-FAC, refits the eigenvalues (a second pass).
func fitKFACFactors(p Problem, src *source, cfg Config, t *job.Task) (*kronecker, error) {
	k := &kronecker{src: src, model: p.Model, p: p, layers: p.Model.Layers()}
	// One label per pair: observed, or drawn from the model.
	fisherCoef := make([]float64, src.n)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6b666163))
	for i, m := range src.margins {
		pr := reward.Sigmoid(m)
		fisherCoef[i] = -(1 - pr)
		if cfg.Fisher == TrueFisher && rng.Float64() >= pr {
			fisherCoef[i] = pr
		}
	}
	// curvatureWeights returns ŵᵢcᵢ² of a block's pairs.
	curvatureWeights := func(start, b int) []float64 {
		w := make([]float64, b)
		for i := range w {
			c := fisherCoef[start+i]
			w[i] = src.weights[start+i] * c * c
		}
		return w
	}
	covs := make([]*kfac.Covariances, len(k.layers))
	for l, ly := range k.layers {
		var err error
		if covs[l], err = kfac.NewCovariances(ly.In, ly.Out); err != nil {
			return nil, fmt.Errorf("influence: layer %s: %w", ly.Name, err)
		}
	}
	err := k.eachBatch(t, func(start, b int, batches []kfac.Batch) error {
		cw := curvatureWeights(start, b)
		aw, sw := make([]float64, 2*b), append(cw, cw...)
		for i := 0; i < b; i++ {
			aw[i] = src.weights[start+i] / 2
			aw[b+i] = aw[i]
		}
		for l, bt := range batches {
			if err := covs[l].AddInputs(bt.Inputs, aw); err != nil {
				return err
			}
			if err := covs[l].AddOutputGrads(bt.OutputGrads, sw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	bases := make([]*kfac.Eigenbasis, len(k.layers))
	lambdas := make([]*mat.Dense, len(k.layers))
	for l, ly := range k.layers {
		if bases[l], err = covs[l].Eigenbasis(); err != nil {
			return nil, fmt.Errorf("influence: layer %s: %w", ly.Name, err)
		}
		lambdas[l] = bases[l].KFACEigenvalues()
	}
	if cfg.Method == EKFAC {
		corrs := make([]*kfac.Correction, len(k.layers))
		for l := range corrs {
			corrs[l] = kfac.NewCorrection(bases[l])
		}
		err := k.eachBatch(t, func(start, b int, batches []kfac.Batch) error {
			w := curvatureWeights(start, b)
			for l, bt := range batches {
				bt.Weights = w
				if err := corrs[l].Add(bt); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for l := range corrs {
			lambdas[l] = corrs[l].Eigenvalues()
		}
	}
	damping := kfac.DampingConfig{Damping: cfg.Damping, L2: p.Model.Regularization()}
	for l, ly := range k.layers {
		c, err := kfac.NewCurvature(bases[l], lambdas[l], damping)
		if err != nil {
			return nil, fmt.Errorf("influence: layer %s: %w", ly.Name, err)
		}
		k.curv = append(k.curv, c)
	}
	return k, nil
}

// eachBatch calls f with the layer terms of consecutive blocks of b training
// pairs, one kfac.Batch of two terms per layer (the chosen responses' rows,
// then the rejected ones'), counting one step of t per block.
func (k *kronecker) eachBatch(t *job.Task, f func(start, b int, batches []kfac.Batch) error) error {
	inputs := make([]*mat.Dense, len(k.layers))
	grads := make([]*mat.Dense, len(k.layers))
	for l, ly := range k.layers {
		inputs[l], grads[l] = mat.NewDense(2*k.src.block, ly.In, nil), mat.NewDense(2*k.src.block, ly.Out, nil)
	}
	terms := make([]reward.LayerTerms, len(k.layers))
	batches := make([]kfac.Batch, len(k.layers))
	for start := 0; start < k.src.n; start += k.src.block {
		if err := t.Step(1); err != nil {
			return err
		}
		b := min(k.src.block, k.src.n-start)
		for l, ly := range k.layers {
			a := inputs[l].Slice(0, 2*b, 0, ly.In).(*mat.Dense)
			s := grads[l].Slice(0, 2*b, 0, ly.Out).(*mat.Dense)
			a.Zero()
			s.Zero()
			terms[l] = reward.LayerTerms{
				AChosen: a.Slice(0, b, 0, ly.In).(*mat.Dense), ARejected: a.Slice(b, 2*b, 0, ly.In).(*mat.Dense),
				SChosen: s.Slice(0, b, 0, ly.Out).(*mat.Dense), SRejected: s.Slice(b, 2*b, 0, ly.Out).(*mat.Dense),
			}
			batches[l] = kfac.Batch{Inputs: a, OutputGrads: s, Terms: 2}
		}
		if err := k.model.LayerTerms(k.p.Train, start, terms); err != nil {
			return err
		}
		if err := f(start, b, batches); err != nil {
			return err
		}
	}
	return nil
}

// precondition maps each layer block of each query row through the layer's
// inverse damped curvature.
func (k *kronecker) precondition(q *mat.Dense) (*mat.Dense, error) {
	rows, dim := q.Dims()
	p := mat.NewDense(rows, dim, nil)
	for i := 0; i < rows; i++ {
		for l, ly := range k.layers {
			seg := ly.Offset
			size := ly.Size()
			dw := mat.NewDense(ly.Out, ly.In, q.RawRowView(i)[seg:seg+size])
			out := mat.NewDense(ly.Out, ly.In, p.RawRowView(i)[seg:seg+size])
			if err := k.curv[l].PreconditionTo(out, dw); err != nil {
				return nil, err
			}
		}
		if err := job.Err(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// self returns gᵢᵀĤ⁻¹gᵢ = Σ_l cᵢ² DWᵢᵀ (Ĥ_l)⁻¹ DWᵢ, the layers'
// self-influences of the margin gradients weighted by the loss
// coefficients cᵢ².
func (k *kronecker) self() ([]float64, error) {
	out := make([]float64, k.src.n)
	t := job.Start("influence: self-influence", k.src.blocks())
	err := k.eachBatch(t, func(start, b int, batches []kfac.Batch) error {
		c2 := make([]float64, b)
		for i := range c2 {
			c := k.src.lossCoef[start+i]
			c2[i] = c * c
		}
		for l, bt := range batches {
			bt.Weights = c2
			self, err := k.curv[l].SelfInfluence(bt)
			if err != nil {
				return err
			}
			floats.Add(out[start:start+b], self)
		}
		return nil
	})
	t.Done(err)
	return out, err
}
