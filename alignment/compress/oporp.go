package compress

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/internal/parallel"
)

// OPORP is the one-permutation-one-random-projection sketch of Li & Li
// (2023, "OPORP: One Permutation + One Random Projection"): coordinate i of
// x goes, with sign sᵢ ∈ {±1}, into bin ⌊π(i)·K/D⌋ of y, where π is a random
// permutation of the D coordinates, so that
//
//	y_k = Σ_{i: bin(i)=k} sᵢ xᵢ,   E[⟨y, y'⟩] = ⟨x, x'⟩.
//
// The bins hold D/K consecutive permuted coordinates (sizes differ by at
// most one when K does not divide D): the paper's fixed-length binning,
// which samples coordinates into bins without replacement. With signs
// sᵢ = ±1 (the paper's s = E[r⁴] = 1) the variance of the unnormalised
// estimate ⟨y, y'⟩ of a = ⟨x, x'⟩ is
//
//	Var = (a² + ‖x‖²‖x'‖² − 2Σᵢ xᵢ²x'ᵢ²)/K · (D−K)/(D−1)
//
// (for K dividing D; checked against sketches over many seeds in the
// tests). With Normalized set, each sketch is rescaled to the norm of its
// input, so that ⟨y, y'⟩ = ‖x‖‖x'‖·ρ̂ with ρ̂ = ⟨y, y'⟩/(‖y‖‖y'‖) the paper's
// normalised estimator of the cosine ρ, whose variance Li & Li give as
// essentially ((1−ρ²)² − 2A)/K · (D−K)/(D−1) with A = Σᵢ xᵢ²x'ᵢ²/(‖x‖²‖x'‖²),
// against (1 + ρ² − 2A)/K · (D−K)/(D−1) unnormalised: never worse, far
// better for strongly aligned vectors, and sketched norms are exact.
//
// A layered sketch (NewLayeredOPORP) applies an independent OPORP to each
// block of coordinates (the layers of a model) with its own bins, so that
// per-layer methods such as DataInf keep their layers after compression.
type OPORP struct {
	in, out             int
	bin                 []int32
	sign                []float64
	inBlocks, outBlocks []int // block sizes, one block for NewOPORP

	// Normalized, when true, rescales the sketch of every block of an
	// input to that block's Euclidean norm (Li & Li's normalised
	// estimator). The default false gives the unbiased, unnormalised sketch.
	Normalized bool
}

// NewOPORP returns an OPORP sketch from d to k coordinates whose
// permutation and signs are drawn from seed.
func NewOPORP(d, k int, seed uint64) (*OPORP, error) {
	if err := checkDims(d, k); err != nil {
		return nil, err
	}
	return newOPORP([]int{d}, []int{k}, seed), nil
}

// NewLayeredOPORP returns an OPORP sketch of vectors made of consecutive
// blocks of the given sizes (a model's layers) into k coordinates: block b
// gets its own k_b bins, k_b proportional to its size (at least one, at most
// the block's size, Σ k_b = k), and its own permutation and signs, all
// drawn from seed. OutputBlocks reports the k_b.
func NewLayeredOPORP(blocks []int, k int, seed uint64) (*OPORP, error) {
	if len(blocks) == 0 {
		return nil, fmt.Errorf("compress: no blocks to sketch")
	}
	d := 0
	for b, size := range blocks {
		if size <= 0 {
			return nil, fmt.Errorf("compress: block %d has %d coordinates; sizes must be positive", b, size)
		}
		d += size
	}
	if err := checkDims(d, k); err != nil {
		return nil, err
	}
	if k < len(blocks) {
		return nil, fmt.Errorf("compress: K=%d is smaller than the %d blocks (each needs a bin)", k, len(blocks))
	}
	return newOPORP(blocks, allocateBins(blocks, d, k), seed), nil
}

// allocateBins splits k bins over blocks of the given sizes (total d) in
// proportion to their sizes, each block getting between 1 and its size.
func allocateBins(blocks []int, d, k int) []int {
	bins := make([]int, len(blocks))
	target := make([]float64, len(blocks))
	total := 0
	for b, size := range blocks {
		target[b] = float64(k) * float64(size) / float64(d)
		bins[b] = max(1, int(target[b]))
		total += bins[b]
	}
	// Move single bins towards the proportional targets until they sum to k.
	for total != k {
		pick, gap := -1, math.Inf(-1)
		for b := range bins {
			g := target[b] - float64(bins[b]) // > 0: the block is short of bins
			if total > k {
				g = -g
			}
			if total > k && bins[b] == 1 || total < k && bins[b] == blocks[b] {
				continue
			}
			if g > gap {
				pick, gap = b, g
			}
		}
		if total > k {
			bins[pick]--
			total--
		} else {
			bins[pick]++
			total++
		}
	}
	return bins
}

// newOPORP draws the permutation and signs of every block.
func newOPORP(inBlocks, outBlocks []int, seed uint64) *OPORP {
	d, k := 0, 0
	for b := range inBlocks {
		d += inBlocks[b]
		k += outBlocks[b]
	}
	rng := rand.New(rand.NewPCG(seed, 0x6f706f7270))
	p := &OPORP{in: d, out: k, bin: make([]int32, d), sign: make([]float64, d), inBlocks: inBlocks, outBlocks: outBlocks}
	lo, first := 0, 0
	for b, size := range inBlocks {
		kb := outBlocks[b]
		for pos, i := range rng.Perm(size) {
			p.bin[lo+i] = int32(first + pos*kb/size)
			p.sign[lo+i] = 1
			if rng.Uint64()&1 == 1 {
				p.sign[lo+i] = -1
			}
		}
		lo += size
		first += kb
	}
	return p
}

// InputDim returns D.
func (p *OPORP) InputDim() int { return p.in }

// OutputDim returns K.
func (p *OPORP) OutputDim() int { return p.out }

// InputBlocks returns the sizes of the input blocks (one block of D for
// NewOPORP); the caller must not modify them.
func (p *OPORP) InputBlocks() []int { return p.inBlocks }

// OutputBlocks returns the number of bins of each input block, in order
// (one block of K for NewOPORP); the caller must not modify them.
func (p *OPORP) OutputBlocks() []int { return p.outBlocks }

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
	return parallel.Ranges(n, 64, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x, y := src.RawRowView(r)[:p.in], dst.RawRowView(r)
			clear(y)
			if p.Normalized {
				p.sketchNormalized(y, x)
				continue
			}
			for i, v := range x {
				y[p.bin[i]] += p.sign[i] * v
			}
		}
	})
}

// sketchNormalized writes the sketch of x into y (zeroed) block by block,
// summing each block's squares in the same pass, and rescales each block of
// the sketch to the norm of the same block of x (a zero sketch of a
// non-zero block stays zero).
func (p *OPORP) sketchNormalized(y, x []float64) {
	lo, first := 0, 0
	for b, size := range p.inBlocks {
		sq := 0.0
		for i := lo; i < lo+size; i++ {
			v := x[i]
			y[p.bin[i]] += p.sign[i] * v
			sq += v * v
		}
		norm := math.Sqrt(sq)
		if math.IsInf(sq, 0) || (sq < 1e-290 && sq > 0) {
			norm = floats.Norm(x[lo:lo+size], 2) // squares out of range
		}
		seg := y[first : first+p.outBlocks[b]]
		if ny := floats.Norm(seg, 2); ny > 0 {
			floats.Scale(norm/ny, seg)
		}
		lo += size
		first += p.outBlocks[b]
	}
}
