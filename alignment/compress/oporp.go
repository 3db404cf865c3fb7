package compress

import (
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// OPORP is the one-permutation-one-random-projection sketch of Li & Li
// (2023, "OPORP: One Permutation + One Random Projection"): coordinate i of
// x goes, with sign sᵢ ∈ {±1}, into bin ⌊π(i)·K/D⌋ of y, where π is a random
// permutation of the D coordinates, so that
//
//	y_k = Σ_{i: bin(i)=k} sᵢ xᵢ,   E[⟨y, y'⟩] = ⟨x, x'⟩.
//
// The bins hold D/K consecutive permuted coordinates (sizes differ by at
// most one when K does not divide D). This is the unnormalised estimator of
// the paper; the signs make every cross term vanish in expectation.
type OPORP struct {
	in, out int
	bin     []int32
	sign    []float64
}

// NewOPORP returns an OPORP sketch from d to k coordinates whose
// permutation and signs are drawn from seed.
func NewOPORP(d, k int, seed uint64) (*OPORP, error) {
	if err := checkDims(d, k); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6f706f7270))
	p := &OPORP{in: d, out: k, bin: make([]int32, d), sign: make([]float64, d)}
	for pos, i := range rng.Perm(d) {
		p.bin[i] = int32(pos * k / d)
		p.sign[i] = 1
		if rng.Uint64()&1 == 1 {
			p.sign[i] = -1
		}
	}
	return p, nil
}

// InputDim returns D.
func (p *OPORP) InputDim() int { return p.in }

// OutputDim returns K.
func (p *OPORP) OutputDim() int { return p.out }

// Compress returns the sketch of x (length D).
func (p *OPORP) Compress(x []float64) ([]float64, error) {
	src, err := vectorRow(x, p.in)
	if err != nil {
		return nil, err
	}
	dst := mat.NewDense(1, p.out, nil)
	if err := p.CompressRowsTo(dst, src); err != nil {
		return nil, err
	}
	return dst.RawRowView(0), nil
}

// CompressRows returns the sketches of the rows of src (n×D) as an n×K
// matrix.
func (p *OPORP) CompressRows(src *mat.Dense) (*mat.Dense, error) {
	dst, err := newRows(src, p.out)
	if err != nil {
		return nil, err
	}
	return dst, p.CompressRowsTo(dst, src)
}

// CompressRowsTo writes the sketches of the rows of src (n×D) into dst
// (n×K), in O(n·D), with the rows split across the available CPUs.
func (p *OPORP) CompressRowsTo(dst, src *mat.Dense) error {
	if err := checkRows(dst, src, p.in, p.out); err != nil {
		return err
	}
	n, _ := src.Dims()
	parallelRows(n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			y := dst.RawRowView(r)
			clear(y)
			for i, v := range src.RawRowView(r)[:p.in] {
				y[p.bin[i]] += p.sign[i] * v
			}
		}
	})
	return nil
}

// parallelRows runs f on contiguous row ranges covering [0, n), one per CPU.
func parallelRows(n int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
