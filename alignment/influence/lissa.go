package influence

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// lissa estimates H⁻¹v with the damped, scaled Neumann series of Agarwal,
// Bullins & Hazan (2017, "LiSSA") as used by Koh & Liang (2017):
//
//	h₀ = v,  h_j = v + (1 − δ) h_{j−1} − H_j h_{j−1} / s,   H⁻¹v ≈ h_J / s,
//
// where H_j is H on the full training set or on a random mini-batch. The
// fixed point is h/s = (H + s·δ·I)⁻¹v, so δ adds s·δ of damping; the series
// converges when s exceeds H's largest eigenvalue, at rate 1 − λ_min(H)/s
// per step. Runs are averaged over repeats.
type lissa struct {
	src     *source
	coef    []float64
	shift   float64
	scale   float64
	damping float64
	depth   int
	batch   int
	repeats int
	seed    uint64
}

func fitLiSSA(src *source, shift float64, cfg Config) (*lissa, error) {
	l := &lissa{src: src, coef: src.curvatureCoef(cfg.Fisher), shift: shift, scale: cfg.LiSSAScale,
		damping: cfg.LiSSADamping, depth: cfg.LiSSADepth, batch: cfg.LiSSABatch, repeats: cfg.LiSSARepeats, seed: cfg.Seed}
	if l.depth <= 0 {
		l.depth = 1000
	}
	if l.repeats <= 0 {
		l.repeats = 1
	}
	if l.batch >= src.n {
		l.batch = 0
	}
	if l.scale == 0 {
		top, err := l.largestEigenvalue()
		if err != nil {
			return nil, err
		}
		l.scale = 1.2 * top
	}
	return l, nil
}

// largestEigenvalue estimates λ_max(H) with 30 power iterations from a
// seeded random start.
func (l *lissa) largestEigenvalue() (float64, error) {
	const iterations = 30
	rng := rand.New(rand.NewPCG(l.seed, 0x706f776572))
	v := mat.NewDense(1, l.src.dim, nil)
	for j := range v.RawRowView(0) {
		v.RawRowView(0)[j] = rng.NormFloat64()
	}
	t := job.Start("influence: LiSSA scale", iterations*l.src.blocks())
	top := 0.0
	for it := 0; it < iterations; it++ {
		row := v.RawRowView(0)
		floats.Scale(1/floats.Norm(row, 2), row)
		hv, err := curvatureProduct(l.src, l.coef, l.shift, v, t)
		if err != nil {
			t.Done(err)
			return 0, err
		}
		top = floats.Norm(hv.RawRowView(0), 2)
		v = hv
	}
	t.Done(nil)
	if top == 0 || math.IsNaN(top) {
		return 0, fmt.Errorf("influence: the Hessian is zero; LiSSA needs curvature")
	}
	return top, nil
}

// product returns V H_j: on all pairs, or on a mini-batch drawn from rng
// with the weights renormalised to the batch.
func (l *lissa) product(v *mat.Dense, rng *rand.Rand, t *job.Task) (*mat.Dense, error) {
	if l.batch == 0 {
		return curvatureProduct(l.src, l.coef, l.shift, v, t)
	}
	if err := t.Step(1); err != nil {
		return nil, err
	}
	rows := make([]int, l.batch)
	total := 0.0
	for i := range rows {
		rows[i] = rng.IntN(l.src.n)
		total += l.src.weights[rows[i]]
	}
	j, err := l.src.gather(rows)
	if err != nil {
		return nil, err
	}
	coef := make([]float64, l.batch)
	for i, r := range rows {
		coef[i] = l.coef[r] / total
	}
	var proj, out mat.Dense
	proj.Mul(v, j.T())
	scaleColumns(&proj, coef)
	out.Mul(&proj, j)
	var shifted mat.Dense
	shifted.Scale(l.shift, v)
	out.Add(&out, &shifted)
	return &out, nil
}

func (l *lissa) precondition(q *mat.Dense) (*mat.Dense, error) {
	rows, dim := q.Dims()
	steps := l.depth * l.repeats
	if l.batch == 0 {
		steps *= l.src.blocks()
	}
	t := job.Start("influence: LiSSA", steps)
	rng := rand.New(rand.NewPCG(l.seed, 0x6c69737361))
	sum := mat.NewDense(rows, dim, nil)
	for rep := 0; rep < l.repeats; rep++ {
		h := mat.DenseCopyOf(q)
		for j := 0; j < l.depth; j++ {
			hh, err := l.product(h, rng, t)
			if err != nil {
				t.Done(err)
				return nil, err
			}
			// next = v + (1−δ)h − hh/s
			next := mat.DenseCopyOf(q)
			for i := 0; i < rows; i++ {
				row := next.RawRowView(i)
				floats.AddScaled(row, 1-l.damping, h.RawRowView(i))
				floats.AddScaled(row, -1/l.scale, hh.RawRowView(i))
			}
			converged := l.batch == 0 && relativeChange(next, h) < 1e-10
			h = next
			if converged {
				break
			}
		}
		sum.Add(sum, h)
	}
	t.Done(nil)
	sum.Scale(1/(l.scale*float64(l.repeats)), sum)
	return sum, nil
}

// relativeChange returns ‖a − b‖_F / ‖a‖_F.
func relativeChange(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / math.Max(mat.Norm(a, 2), math.SmallestNonzeroFloat64)
}

func (l *lissa) self() ([]float64, error) {
	return nil, fmt.Errorf("influence: self-influence with lissa needs one solve per training pair; use exact, datainf, kfac or ekfac")
}
