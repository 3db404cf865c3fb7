package compress

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Gaussian is the random projection y = R x / √K with R a K×D matrix of
// independent standard normal entries (Johnson–Lindenstrauss), so that
// E[⟨y, y'⟩] = ⟨x, x'⟩. It stores R (K·D floats) and compresses rows through
// one matrix product.
type Gaussian struct {
	proj *mat.Dense // K×D, already divided by √K
}

// NewGaussian returns a Gaussian projection from d to k coordinates drawn
// from seed.
func NewGaussian(d, k int, seed uint64) (*Gaussian, error) {
	if err := checkDims(d, k); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x67617573))
	data := make([]float64, k*d)
	s := 1 / math.Sqrt(float64(k))
	for i := range data {
		data[i] = s * rng.NormFloat64()
	}
	return &Gaussian{proj: mat.NewDense(k, d, data)}, nil
}

// InputDim returns D.
func (g *Gaussian) InputDim() int { _, d := g.proj.Dims(); return d }

// OutputDim returns K.
func (g *Gaussian) OutputDim() int { k, _ := g.proj.Dims(); return k }

// Compress returns the projection of x (length D).
func (g *Gaussian) Compress(x []float64) ([]float64, error) {
	src, err := vectorRow(x, g.InputDim())
	if err != nil {
		return nil, err
	}
	dst := mat.NewDense(1, g.OutputDim(), nil)
	if err := g.CompressRowsTo(dst, src); err != nil {
		return nil, err
	}
	return dst.RawRowView(0), nil
}

// CompressRows returns the projections of the rows of src (n×D), n×K.
func (g *Gaussian) CompressRows(src *mat.Dense) (*mat.Dense, error) {
	dst, err := newRows(src, g.OutputDim())
	if err != nil {
		return nil, err
	}
	return dst, g.CompressRowsTo(dst, src)
}

// CompressRowsTo writes src Rᵀ/√K into dst (n×K) with one matrix product,
// O(n·D·K).
func (g *Gaussian) CompressRowsTo(dst, src *mat.Dense) error {
	if err := checkRows(dst, src, g.InputDim(), g.OutputDim()); err != nil {
		return err
	}
	dst.Mul(src, g.proj.T())
	return nil
}
