package influence

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// kfacLayer holds one layer's Kronecker-factored curvature in its
// eigenbasis: H_l ≈ (Q_S ⊗ Q_A) diag(vec Λ) (Q_S ⊗ Q_A)ᵀ in the row-major
// vectorisation of the Out×In weight matrix.
type kfacLayer struct {
	layer  reward.Layer
	qa, qs *mat.Dense // eigenvectors of A (In×In) and S (Out×Out)
	lambda *mat.Dense // Λ (Out×In)
	inv    *mat.Dense // 1/(Λ + λ + damping)
}

// kfac implements K-FAC and EK-FAC influence (Grosse et al. 2023, "Studying
// Large Language Model Generalization with Influence Functions").
// For a linear layer the per-pair gradient is DW = Σ_t s_t a_tᵀ over the
// pair's two responses t ∈ {chosen, rejected}. The factors are
//
//	A = Σᵢ ŵᵢ ½ Σ_t a_t a_tᵀ,   S = Σᵢ ŵᵢ Σ_t s_t s_tᵀ,
//
// (A averages over responses and S sums over them, so that A ⊗ S matches
// E[vec DW vec DWᵀ] when the two responses' terms are uncorrelated), with
// s_t = cᵢ ∂mᵢ/∂(layer output); cᵢ = −(1−σ(mᵢ)) for the observed label, or
// for the true Fisher cᵢ = −(1−σ(mᵢ)) or σ(mᵢ) for a label drawn from the
// model (seeded). With eigendecompositions A = Q_A diag(λ_A) Q_Aᵀ and
// S = Q_S diag(λ_S) Q_Sᵀ, K-FAC takes Λ = λ_S λ_Aᵀ and EK-FAC refits
// Λ_oj = Σᵢ ŵᵢ (Q_Sᵀ DWᵢ Q_A)²_oj. Preconditioning is
// DW ↦ Q_S [(Q_Sᵀ DW Q_A) ⊘ (Λ + λ + damping)] Q_Aᵀ, with λ the model's L2
// and damping 0.1 × mean(Λ) unless Config.Damping is set.
type kfac struct {
	src    *source
	model  Model
	p      Problem
	layers []kfacLayer
}

func fitKFAC(p Problem, src *source, cfg Config) (*kfac, error) {
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
func fitKFACFactors(p Problem, src *source, cfg Config, t *job.Task) (*kfac, error) {
	k := &kfac{src: src, model: p.Model, p: p}
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
	layers := p.Model.Layers()
	as := make([]*mat.SymDense, len(layers))
	ss := make([]*mat.SymDense, len(layers))
	for l, ly := range layers {
		as[l], ss[l] = mat.NewSymDense(ly.In, nil), mat.NewSymDense(ly.Out, nil)
	}
	err := k.eachTerms(t, func(start int, terms []reward.LayerTerms) error {
		b, _ := terms[0].AChosen.Dims()
		aw, sw := make([]float64, b), make([]float64, b)
		for i := range aw {
			aw[i] = math.Sqrt(src.weights[start+i] / 2)
			sw[i] = math.Sqrt(src.weights[start+i]) * math.Abs(fisherCoef[start+i])
		}
		for l, tm := range terms {
			addScaledGram(as[l], tm.AChosen, aw)
			addScaledGram(as[l], tm.ARejected, aw)
			addScaledGram(ss[l], tm.SChosen, sw)
			addScaledGram(ss[l], tm.SRejected, sw)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for l, ly := range layers {
		qa, la, err := eigen(as[l], "A of layer "+ly.Name)
		if err != nil {
			return nil, err
		}
		qs, ls, err := eigen(ss[l], "S of layer "+ly.Name)
		if err != nil {
			return nil, err
		}
		lambda := mat.NewDense(ly.Out, ly.In, nil)
		lambda.Outer(1, mat.NewVecDense(ly.Out, ls), mat.NewVecDense(ly.In, la))
		k.layers = append(k.layers, kfacLayer{layer: ly, qa: qa, qs: qs, lambda: lambda})
	}
	if cfg.Method == EKFAC {
		for l := range k.layers {
			k.layers[l].lambda.Zero()
		}
		err := k.eachTerms(t, func(start int, terms []reward.LayerTerms) error {
			b, _ := terms[0].AChosen.Dims()
			w := make([]float64, b)
			for i := range w {
				c := fisherCoef[start+i]
				w[i] = src.weights[start+i] * c * c
			}
			for l := range k.layers {
				x, y, u, v := k.layers[l].rotate(terms[l])
				addPairedSquares(k.layers[l].lambda, x, y, u, v, w)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for l := range k.layers {
		ly := &k.layers[l]
		damping := cfg.Damping
		if damping == 0 {
			damping = 0.1 * mat.Sum(ly.lambda) / float64(ly.layer.Size())
		}
		shift := p.Model.Regularization() + damping
		if shift <= 0 {
			return nil, fmt.Errorf("influence: layer %s has no curvature; set Damping > 0", ly.layer.Name)
		}
		ly.inv = mat.NewDense(ly.layer.Out, ly.layer.In, nil)
		ly.inv.Apply(func(_, _ int, v float64) float64 { return 1 / (math.Max(v, 0) + shift) }, ly.lambda)
	}
	return k, nil
}

// eachTerms calls f with the layer terms of consecutive blocks of training
// pairs, counting one step of t per block.
func (k *kfac) eachTerms(t *job.Task, f func(start int, terms []reward.LayerTerms) error) error {
	layers := k.model.Layers()
	for start := 0; start < k.src.n; start += k.src.block {
		if err := t.Step(1); err != nil {
			return err
		}
		b := min(k.src.block, k.src.n-start)
		terms := make([]reward.LayerTerms, len(layers))
		for l, ly := range layers {
			terms[l] = reward.LayerTerms{
				AChosen: mat.NewDense(b, ly.In, nil), ARejected: mat.NewDense(b, ly.In, nil),
				SChosen: mat.NewDense(b, ly.Out, nil), SRejected: mat.NewDense(b, ly.Out, nil),
			}
		}
		if err := k.model.LayerTerms(k.p.Train, start, terms); err != nil {
			return err
		}
		if err := f(start, terms); err != nil {
			return err
		}
	}
	return nil
}

// addScaledGram adds Σᵢ (scaleᵢ xᵢ)(scaleᵢ xᵢ)ᵀ to g for the rows xᵢ of x.
func addScaledGram(g *mat.SymDense, x *mat.Dense, scale []float64) {
	y := mat.DenseCopyOf(x)
	scaleRows(y, scale)
	g.SymRankK(g, 1, y.T())
}

// eigen returns the eigenvectors (columns) and eigenvalues of a symmetric
// factor.
func eigen(a *mat.SymDense, what string) (*mat.Dense, []float64, error) {
	var e mat.EigenSym
	if !e.Factorize(a, true) {
		return nil, nil, fmt.Errorf("influence: eigendecomposition of factor %s failed", what)
	}
	var v mat.Dense
	e.VectorsTo(&v)
	return &v, e.Values(nil), nil
}

// rotate returns the rotated terms of one layer for a block: X = S_w Q_S,
// Y = A_w Q_A, U = S_l Q_S, V = A_l Q_A, so that the rotated per-pair
// gradient is Q_Sᵀ DWᵢ Q_A = xᵢyᵢᵀ + uᵢvᵢᵀ (scaled by the pair's cᵢ).
func (ly *kfacLayer) rotate(t reward.LayerTerms) (x, y, u, v *mat.Dense) {
	x, y, u, v = new(mat.Dense), new(mat.Dense), new(mat.Dense), new(mat.Dense)
	x.Mul(t.SChosen, ly.qs)
	y.Mul(t.AChosen, ly.qa)
	u.Mul(t.SRejected, ly.qs)
	v.Mul(t.ARejected, ly.qa)
	return x, y, u, v
}

// hadamard returns a ∘ b, with row i scaled by w[i] when w is not nil.
func hadamard(a, b *mat.Dense, w []float64) *mat.Dense {
	var h mat.Dense
	h.MulElem(a, b)
	if w != nil {
		scaleRows(&h, w)
	}
	return &h
}

// addPairedSquares adds Σᵢ wᵢ (xᵢyᵢᵀ + uᵢvᵢᵀ)∘² to lambda with three matrix
// products: (w∘X∘X)ᵀ(Y∘Y) + 2(w∘X∘U)ᵀ(Y∘V) + (w∘U∘U)ᵀ(V∘V).
func addPairedSquares(lambda, x, y, u, v *mat.Dense, w []float64) {
	gemmTN := func(alpha float64, a, b *mat.Dense) {
		blas64.Gemm(blas.Trans, blas.NoTrans, alpha, a.RawMatrix(), b.RawMatrix(), 1, lambda.RawMatrix())
	}
	gemmTN(1, hadamard(x, x, w), hadamard(y, y, nil))
	gemmTN(2, hadamard(x, u, w), hadamard(y, v, nil))
	gemmTN(1, hadamard(u, u, w), hadamard(v, v, nil))
}

// precondition maps each layer block of each query row through
// DW ↦ Q_S[(Q_Sᵀ DW Q_A) ⊘ (Λ + shift)]Q_Aᵀ.
func (k *kfac) precondition(q *mat.Dense) (*mat.Dense, error) {
	rows, dim := q.Dims()
	p := mat.NewDense(rows, dim, nil)
	var r, tmp mat.Dense
	for i := 0; i < rows; i++ {
		for _, ly := range k.layers {
			seg := ly.layer.Offset
			size := ly.layer.Size()
			dw := mat.NewDense(ly.layer.Out, ly.layer.In, q.RawRowView(i)[seg:seg+size])
			out := mat.NewDense(ly.layer.Out, ly.layer.In, p.RawRowView(i)[seg:seg+size])
			tmp.Reset()
			tmp.Mul(ly.qs.T(), dw)
			r.Reset()
			r.Mul(&tmp, ly.qa)
			r.MulElem(&r, ly.inv)
			tmp.Reset()
			tmp.Mul(ly.qs, &r)
			out.Mul(&tmp, ly.qa.T())
		}
		if err := job.Err(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// self returns gᵢᵀĤ⁻¹gᵢ = cᵢ² Σ_l Σ_oj (xᵢ_o yᵢ_j + uᵢ_o vᵢ_j)² / (Λ_oj + shift),
// computed per block as rowsum((X∘X)∘((Y∘Y) invᵀ)) + 2·rowsum((X∘U)∘((Y∘V) invᵀ))
// + rowsum((U∘U)∘((V∘V) invᵀ)).
func (k *kfac) self() ([]float64, error) {
	out := make([]float64, k.src.n)
	t := job.Start("influence: self-influence", k.src.blocks())
	err := k.eachTerms(t, func(start int, terms []reward.LayerTerms) error {
		b, _ := terms[0].AChosen.Dims()
		for l, ly := range k.layers {
			x, y, u, v := ly.rotate(terms[l])
			add := func(alpha float64, xs, ys *mat.Dense) {
				var m mat.Dense
				m.Mul(ys, ly.inv.T())
				for i := 0; i < b; i++ {
					out[start+i] += alpha * floats.Dot(xs.RawRowView(i), m.RawRowView(i))
				}
			}
			add(1, hadamard(x, x, nil), hadamard(y, y, nil))
			add(2, hadamard(x, u, nil), hadamard(y, v, nil))
			add(1, hadamard(u, u, nil), hadamard(v, v, nil))
		}
		for i := 0; i < b; i++ {
			c := k.src.lossCoef[start+i]
			out[start+i] *= c * c
		}
		return nil
	})
	t.Done(err)
	return out, err
}
