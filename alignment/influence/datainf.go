package influence

import (
	"fmt"

	"github.com/golign/golign/alignment/job"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// maxDataInfSelfWidth bounds the layer width for DataInf self-influence,
// which needs a width×width matrix per layer.
const maxDataInfSelfWidth = 16384

// dataInf is the DataInf approximation of Kwon et al. (2024, "DataInf:
// Efficiently Estimating Data Influence in LoRA-tuned LLMs and Diffusion
// Models"): for each layer l, the inverse of the damped empirical
// Fisher G_l + λ_l I with G_l = Σᵢ ŵᵢ gᵢgᵢᵀ is replaced by the average of the
// per-pair inverses, each closed-form by Sherman–Morrison:
//
//	(G_l + λ_l I)⁻¹ ≈ Σᵢ ŵᵢ (gᵢgᵢᵀ + λ_l I)⁻¹ = (1/λ_l)(I − Σᵢ ŵᵢ gᵢgᵢᵀ/(λ_l + ‖gᵢ‖²)),
//
// with λ_l = 0.1 × the mean squared entry of the layer's gradients (the
// paper's default) unless Config.Damping is set. For query gradients Q the
// preconditioned rows are P_l = (Q_l − C J_l)/λ_l with
// C = (Q_l J_lᵀ) diag(ŵᵢ cᵢ²/(λ_l + ‖gᵢ‖²)), gᵢ = cᵢJᵢ: two matrix products
// per block of training pairs, O(q·n·D) in all.
type dataInf struct {
	src    *source
	lambda []float64   // λ_l per layer
	coef   [][]float64 // [l][i] ŵᵢ cᵢ² / (λ_l + ‖g_il‖²)
	norms  [][]float64 // [l][i] ‖g_il‖²
}

func fitDataInf(src *source, damping float64) (*dataInf, error) {
	L := len(src.spans)
	d := &dataInf{src: src, lambda: make([]float64, L), coef: make([][]float64, L), norms: src.sqNorms}
	for l := range d.coef {
		d.coef[l] = make([]float64, src.n)
	}
	// Given gradients come with their squared norms (and loss coefficients
	// 1); model gradients are measured here.
	if d.norms == nil {
		d.norms = make([][]float64, L)
		for l := range d.norms {
			d.norms[l] = make([]float64, src.n)
		}
		t := job.Start("influence: DataInf factors", src.blocks())
		err := src.eachParallel(t, 0, func(_, start int, blk *mat.Dense) error {
			b, _ := blk.Dims()
			for i := 0; i < b; i++ {
				row := blk.RawRowView(i)
				c := src.lossCoef[start+i]
				for l, sp := range src.spans {
					seg := row[sp.lo:sp.hi]
					d.norms[l][start+i] = c * c * floats.Dot(seg, seg)
				}
			}
			return nil
		})
		t.Done(err)
		if err != nil {
			return nil, err
		}
	}
	for l, sp := range src.spans {
		lambda := damping
		if lambda == 0 {
			lambda = 0.1 * floats.Dot(src.weights, d.norms[l]) / float64(sp.hi-sp.lo)
		}
		if lambda <= 0 {
			return nil, fmt.Errorf("influence: every training gradient of layer %d is zero; DataInf needs Damping > 0", l)
		}
		d.lambda[l] = lambda
		for i, c := range src.lossCoef {
			d.coef[l][i] = src.weights[i] * c * c / (lambda + d.norms[l][i])
		}
	}
	return d, nil
}

// precondition returns P = Q Ĥ⁻¹ layer by layer, the blocks of training
// pairs shared among the CPUs, each accumulating C J_l into its own q×dim
// matrix; the matrices are summed in a fixed order.
func (d *dataInf) precondition(q *mat.Dense) (*mat.Dense, error) {
	rows, _ := q.Dims()
	accs := make([]*mat.Dense, d.src.slots(0))
	projs := make([]*mat.Dense, len(accs))
	for w := range accs {
		accs[w], projs[w] = mat.NewDense(rows, d.src.dim, nil), mat.NewDense(rows, d.src.block, nil)
	}
	t := job.Start("influence: DataInf preconditioning", d.src.blocks())
	err := d.src.eachParallel(t, 0, func(w, start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		c := projs[w].Slice(0, rows, 0, b).(*mat.Dense)
		for l, sp := range d.src.spans {
			jl := blk.Slice(0, b, sp.lo, sp.hi).(*mat.Dense)
			c.Mul(q.Slice(0, rows, sp.lo, sp.hi), jl.T())
			scaleColumns(c, d.coef[l][start:start+b])
			mulAdd(accs[w].Slice(0, rows, sp.lo, sp.hi).(*mat.Dense), c, jl, false)
		}
		return nil
	})
	t.Done(err)
	if err != nil {
		return nil, err
	}
	acc := accs[0]
	for _, other := range accs[1:] {
		acc.Add(acc, other)
	}
	acc.Sub(q, acc)
	for l, sp := range d.src.spans {
		p := acc.Slice(0, rows, sp.lo, sp.hi).(*mat.Dense)
		p.Scale(1/d.lambda[l], p)
	}
	return acc, nil
}

// self returns gᵢᵀĤ⁻¹gᵢ = Σ_l (‖g_il‖² − g_ilᵀ M_l g_il)/λ_l with
// M_l = Σ_k ŵ_k g_kg_kᵀ/(λ_l + ‖g_k‖²), at O(n·D_l²) per layer.
func (d *dataInf) self() ([]float64, error) {
	out := make([]float64, d.src.n)
	for l, sp := range d.src.spans {
		if w := sp.hi - sp.lo; w > maxDataInfSelfWidth {
			return nil, fmt.Errorf("influence: DataInf self-influence of a layer of %d > %d parameters needs compressed gradients", w, maxDataInfSelfWidth)
		}
		t := job.Start("influence: DataInf self-influence", 2*d.src.blocks())
		m, err := gaussNewton(d.src, d.coef[l], 0, sp, t)
		if err != nil {
			t.Done(err)
			return nil, err
		}
		err = d.src.eachQuadratic(t, func(start int, blk *mat.Dense) error {
			b, _ := blk.Dims()
			g := mat.DenseCopyOf(blk.Slice(0, b, sp.lo, sp.hi))
			scaleRows(g, d.src.lossCoef[start:start+b])
			var gm mat.Dense
			gm.Mul(g, m)
			for i := 0; i < b; i++ {
				out[start+i] += (d.norms[l][start+i] - floats.Dot(gm.RawRowView(i), g.RawRowView(i))) / d.lambda[l]
			}
			return nil
		})
		t.Done(err)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
