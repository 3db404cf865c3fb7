package influence

import (
	"fmt"
	"math"
	"runtime"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// span is a layer's column range [lo, hi) in gradient space.
type span struct{ lo, hi int }

// source streams the training pairs' margin gradients J (n×dim, rows
// possibly compressed) in blocks, with what turns them into loss gradients
// and curvature.
type source struct {
	n, dim   int
	spans    []span
	weights  []float64 // ŵᵢ
	margins  []float64 // nil when gradients were given directly
	lossCoef []float64 // gᵢ = lossCoefᵢ · Jᵢ: −(1−σ(mᵢ)), or 1
	block    int

	full *mat.Dense // all rows, when held in memory
	// sqNorms holds ‖Jᵢ restricted to layer l‖² as [l][i] when the
	// gradients were given (computed with their finiteness check).
	sqNorms [][]float64

	model      Model
	data       *pref.Comparisons
	compressor Compressor
	// raws and outs are block buffers, one per slot of a parallel pass:
	// model gradients before compression, and compressed or streamed rows.
	raws, outs []*mat.Dense
}

// newModelSource prepares the training gradients of p, holding them in
// memory when they fit in cfg.CacheBytes (never for the training-loss
// baseline, which needs only margins).
func newModelSource(p Problem, cfg Config) (*source, error) {
	if p.Model == nil {
		return nil, fmt.Errorf("influence: problem has no model")
	}
	if p.Train == nil {
		return nil, fmt.Errorf("influence: problem has no training comparisons")
	}
	w, err := reward.NormalizedWeights(p.Train)
	if err != nil {
		return nil, fmt.Errorf("influence: training comparisons: %w", err)
	}
	D := p.Model.NumParams()
	s := &source{n: p.Train.Len(), dim: D, weights: w, model: p.Model, data: p.Train,
		compressor: cfg.Compressor, block: cfg.blockSize()}
	s.block = min(s.block, s.n)
	if cfg.Compressor != nil {
		if cfg.Compressor.InputDim() != D {
			return nil, fmt.Errorf("influence: compressor takes %d coordinates, the model has %d parameters", cfg.Compressor.InputDim(), D)
		}
		s.dim = cfg.Compressor.OutputDim()
		if s.spans, err = compressedSpans(cfg.Compressor, p.Model.Layers()); err != nil {
			return nil, err
		}
	} else {
		for _, l := range p.Model.Layers() {
			s.spans = append(s.spans, span{l.Offset, l.Offset + l.Size()})
		}
	}
	held := cfg.Method != TrainingLoss && 8*s.n*s.dim <= cfg.cacheBytes() && !cheapGradients(p.Model, cfg)
	switch {
	case !held:
		s.raws = []*mat.Dense{mat.NewDense(s.block, D, nil)}
	case cfg.Compressor != nil:
		// Held sketches pass through a buffer of about 8 MiB of raw
		// gradients, reused rather than written fresh.
		s.raws = []*mat.Dense{mat.NewDense(min(s.block, max(16, (1<<20)/D)), D, nil)}
	}
	if cfg.Compressor != nil && !held {
		s.outs = []*mat.Dense{mat.NewDense(s.block, s.dim, nil)}
	}
	// Held gradients come with their margins in the same pass over the
	// data; streamed ones need the margins first.
	if held {
		s.margins = make([]float64, s.n)
		err = s.hold()
	} else {
		s.margins, err = p.Model.Margins(p.Train)
	}
	if err == nil {
		err = checkMargins(s.margins)
	}
	if err != nil {
		return nil, fmt.Errorf("influence: training comparisons: %w", err)
	}
	if held {
		s.block = inMemoryBlock(cfg, s.n, s.dim)
	}
	s.lossCoef = make([]float64, s.n)
	for i, m := range s.margins {
		s.lossCoef[i] = -(1 - reward.Sigmoid(m))
	}
	return s, nil
}

// cheapGradients reports whether the training gradients are streamed even
// when they would fit in memory: the linear model's margin gradients are the
// feature differences φ_w − φ_l, which cost no more to form again, block by
// block in a buffer that stays in cache, than a held copy costs to read —
// and holding them would first write n×D fresh values.
func cheapGradients(m Model, cfg Config) bool {
	_, linear := m.(*reward.Linear)
	return linear && cfg.Compressor == nil
}

// hold computes all training gradients and their margins into memory,
// writing each block straight into its rows (through the raw block buffer
// only when a compressor sketches them), and drops the buffers.
func (s *source) hold() error {
	full := mat.NewDense(s.n, s.dim, nil)
	step := s.block
	if s.compressor != nil {
		step, _ = s.raws[0].Dims()
	}
	t := job.Start("influence: training gradients", (s.n+step-1)/step)
	var err error
	for start := 0; start < s.n && err == nil; start += step {
		if err = t.Step(1); err != nil {
			break
		}
		b := min(step, s.n-start)
		dst := full.Slice(start, start+b, 0, s.dim).(*mat.Dense)
		margins := s.margins[start : start+b]
		if s.compressor == nil {
			err = s.model.MarginGradients(s.data, start, margins, dst)
			continue
		}
		raw := s.raws[0].Slice(0, b, 0, s.model.NumParams()).(*mat.Dense)
		if err = s.model.MarginGradients(s.data, start, margins, raw); err == nil {
			err = s.compressor.CompressRowsTo(dst, raw)
		}
	}
	t.Done(err)
	if err != nil {
		return err
	}
	s.full, s.raws, s.outs = full, nil, nil
	return nil
}

// inMemoryBlock is the block size for gradients held in memory, where a
// block is a view and costs nothing: 2²⁴ entries (16M floats) unless
// Config.BlockSize is set, so that each matrix product is large, but small
// enough to give every CPU two blocks of a parallel pass (and at least 256
// rows).
func inMemoryBlock(cfg Config, n, dim int) int {
	if cfg.BlockSize > 0 {
		return min(cfg.BlockSize, n)
	}
	perCPU := (n + 2*runtime.GOMAXPROCS(0) - 1) / (2 * runtime.GOMAXPROCS(0))
	return min(n, max(256, min((1<<24)/max(dim, 1), perCPU)))
}

// checkMargins reports the first pair whose margin is not finite.
func checkMargins(margins []float64) error {
	for i, m := range margins {
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("pair %d has margin %v (non-finite features or parameters)", i, m)
		}
	}
	return nil
}

// squaredNorms returns ‖row i of m restricted to span l‖² as [l][i],
// checking m in the same pass: a NaN or infinite entry makes its row's sum
// non-finite, and only such a row is searched entry by entry. The rows are
// split among the CPUs, and each span is summed over four independent
// sums, so that the pass runs at the speed of reading m.
func squaredNorms(m *mat.Dense, spans []span) ([][]float64, error) {
	n, d := m.Dims()
	out := make([][]float64, len(spans))
	for l := range out {
		out[l] = make([]float64, n)
	}
	err := parallel.Ranges(n, 64, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := m.RawRowView(i)[:d]
			for l, sp := range spans {
				seg := row[sp.lo:sp.hi]
				var a, b, c, e float64
				j := 0
				for ; j+4 <= len(seg); j += 4 {
					a += seg[j] * seg[j]
					b += seg[j+1] * seg[j+1]
					c += seg[j+2] * seg[j+2]
					e += seg[j+3] * seg[j+3]
				}
				for ; j < len(seg); j++ {
					a += seg[j] * seg[j]
				}
				out[l][i] = a + b + c + e
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for l := range spans {
		for i, sq := range out[l] {
			if !math.IsNaN(sq) && !math.IsInf(sq, 0) {
				continue
			}
			for j, v := range m.RawRowView(i)[:d] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("influence: gradient row %d column %d is %v", i, j, v)
				}
			}
			return nil, fmt.Errorf("influence: the squared norm of gradient row %d overflows", i)
		}
	}
	return out, nil
}

// newMatrixSource wraps given per-pair loss gradients (n×D) with uniform
// weights; spans lists the layer column ranges (nil: one layer).
func newMatrixSource(grads *mat.Dense, layers []reward.Layer, cfg Config) (*source, error) {
	if grads == nil {
		return nil, fmt.Errorf("influence: gradient matrix is nil")
	}
	n, D := grads.Dims()
	s := &source{n: n, dim: D, weights: make([]float64, n), lossCoef: make([]float64, n), block: inMemoryBlock(cfg, n, D),
		full: grads, compressor: cfg.Compressor}
	for i := range s.weights {
		s.weights[i], s.lossCoef[i] = 1/float64(n), 1
	}
	if cfg.Compressor != nil {
		if _, err := squaredNorms(grads, []span{{0, D}}); err != nil {
			return nil, err
		}
		if cfg.Compressor.InputDim() != D {
			return nil, fmt.Errorf("influence: compressor takes %d coordinates, gradients have %d", cfg.Compressor.InputDim(), D)
		}
		s.dim = cfg.Compressor.OutputDim()
		s.full = mat.NewDense(n, s.dim, nil)
		if err := cfg.Compressor.CompressRowsTo(s.full, grads); err != nil {
			return nil, err
		}
		var err error
		s.spans, err = compressedSpans(cfg.Compressor, layers)
		return s, err
	}
	s.spans = []span{{0, D}}
	if layers != nil {
		s.spans = s.spans[:0]
		next := 0
		for _, l := range layers {
			if l.Offset != next || l.Size() <= 0 {
				return nil, fmt.Errorf("influence: layer %q starts at %d, expected %d (layers must tile the gradient)", l.Name, l.Offset, next)
			}
			next += l.Size()
			s.spans = append(s.spans, span{l.Offset, next})
		}
		if next != D {
			return nil, fmt.Errorf("influence: layers cover %d of %d gradient columns", next, D)
		}
	}
	var err error
	s.sqNorms, err = squaredNorms(grads, s.spans)
	return s, err
}

// layeredCompressor is a Compressor that sketches consecutive blocks of
// coordinates separately, each into its own bins (compress.NewLayeredOPORP).
type layeredCompressor interface {
	InputBlocks() []int
	OutputBlocks() []int
}

// compressedSpans returns the layers of compressed gradients: one per block
// of a layered compressor, whose input blocks must be the given layers
// (nil: any blocks), or a single layer for any other compressor.
func compressedSpans(c Compressor, layers []reward.Layer) ([]span, error) {
	lc, ok := c.(layeredCompressor)
	if !ok || len(lc.InputBlocks()) <= 1 {
		return []span{{0, c.OutputDim()}}, nil
	}
	in, out := lc.InputBlocks(), lc.OutputBlocks()
	if layers != nil {
		if len(layers) != len(in) {
			return nil, fmt.Errorf("influence: the compressor sketches %d blocks, the model has %d layers", len(in), len(layers))
		}
		for k, l := range layers {
			if l.Size() != in[k] {
				return nil, fmt.Errorf("influence: the compressor's block %d has %d coordinates, layer %q has %d", k, in[k], l.Name, l.Size())
			}
		}
	}
	spans := make([]span, len(out))
	lo := 0
	for k, size := range out {
		spans[k] = span{lo, lo + size}
		lo += size
	}
	return spans, nil
}

// blocks returns the number of blocks of a pass.
func (s *source) blocks() int { return (s.n + s.block - 1) / s.block }

// each calls f on consecutive blocks of margin-gradient rows J (views valid
// during the call), counting one step of t per block.
func (s *source) each(t *job.Task, f func(start int, blk *mat.Dense) error) error {
	for start := 0; start < s.n; start += s.block {
		if err := t.Step(1); err != nil {
			return err
		}
		b := min(s.block, s.n-start)
		blk, err := s.rows(start, b)
		if err != nil {
			return err
		}
		if err := f(start, blk); err != nil {
			return err
		}
	}
	return nil
}

// quadraticRows is the number of rows per sub-block for work costing dim²
// per row (rank-k updates, triangular solves, products with a dim×dim
// matrix): 2³⁰ flops at most, so that an interrupt is seen within about a
// second.
func quadraticRows(dim int) int { return max(8, min(4096, (1<<30)/max(dim*dim, 1))) }

// eachQuadratic is each with blocks split into sub-blocks of
// quadraticRows(dim) rows, checking for an interrupt between them.
func (s *source) eachQuadratic(t *job.Task, f func(start int, blk *mat.Dense) error) error {
	step := quadraticRows(s.dim)
	return s.each(t, func(start int, blk *mat.Dense) error {
		b, _ := blk.Dims()
		for lo := 0; lo < b; lo += step {
			if err := t.Err(); err != nil {
				return err
			}
			hi := min(lo+step, b)
			if err := f(start+lo, blk.Slice(lo, hi, 0, s.dim).(*mat.Dense)); err != nil {
				return err
			}
		}
		return nil
	})
}

// rows returns J for pairs start … start+b−1.
func (s *source) rows(start, b int) (*mat.Dense, error) { return s.rowsIn(0, start, b) }

// rowsIn returns J for pairs start … start+b−1, streamed into the buffers
// of the given slot.
func (s *source) rowsIn(slot, start, b int) (*mat.Dense, error) {
	if s.full != nil {
		return s.full.Slice(start, start+b, 0, s.dim).(*mat.Dense), nil
	}
	raw := s.raws[slot].Slice(0, b, 0, s.model.NumParams()).(*mat.Dense)
	if err := s.model.MarginGradients(s.data, start, nil, raw); err != nil {
		return nil, err
	}
	if s.compressor == nil {
		return raw, nil
	}
	out := s.outs[slot].Slice(0, b, 0, s.dim).(*mat.Dense)
	return out, s.compressor.CompressRowsTo(out, raw)
}

// slots returns the number of goroutines of a parallel pass with at most
// maxSlots of them (0: no bound): one per CPU and at most one per block.
func (s *source) slots(maxSlots int) int {
	k := min(runtime.GOMAXPROCS(0), s.blocks())
	if maxSlots > 0 {
		k = min(k, maxSlots)
	}
	return max(1, k)
}

// eachParallel is each with the blocks dealt round-robin to s.slots(maxSlots)
// goroutines: slot w gets blocks w, w+slots, …, so that per-slot
// accumulators summed in slot order give the same result on every run with
// the same number of CPUs. f gets its slot; streamed gradients go through
// one buffer per slot. The first error (or job.ErrInterrupted) is returned.
func (s *source) eachParallel(t *job.Task, maxSlots int, f func(slot, start int, blk *mat.Dense) error) error {
	slots := s.slots(maxSlots)
	for len(s.raws) > 0 && len(s.raws) < slots {
		s.raws = append(s.raws, mat.NewDense(s.block, s.model.NumParams(), nil))
	}
	for len(s.outs) > 0 && len(s.outs) < slots {
		s.outs = append(s.outs, mat.NewDense(s.block, s.dim, nil))
	}
	blocks := s.blocks()
	return parallel.Until(slots, func(w int) error {
		for k := w; k < blocks; k += slots {
			if err := t.Step(1); err != nil {
				return err
			}
			start := k * s.block
			blk, err := s.rowsIn(w, start, min(s.block, s.n-start))
			if err != nil {
				return err
			}
			if err := f(w, start, blk); err != nil {
				return err
			}
		}
		return nil
	})
}

// gather returns J for the given pairs (a new matrix).
func (s *source) gather(rows []int) (*mat.Dense, error) {
	dst := mat.NewDense(len(rows), s.dim, nil)
	if s.full != nil {
		for i, r := range rows {
			copy(dst.RawRowView(i), s.full.RawRowView(r))
		}
		return dst, nil
	}
	sub := subset(s.data, rows)
	raw := mat.NewDense(len(rows), s.model.NumParams(), nil)
	if err := s.model.MarginGradients(sub, 0, nil, raw); err != nil {
		return nil, err
	}
	if s.compressor == nil {
		return raw, nil
	}
	return dst, s.compressor.CompressRowsTo(dst, raw)
}

// subset copies the given pairs of c.
func subset(c *pref.Comparisons, rows []int) *pref.Comparisons {
	d := c.Dim()
	out := &pref.Comparisons{Chosen: mat.NewDense(len(rows), d, nil), Rejected: mat.NewDense(len(rows), d, nil)}
	for i, r := range rows {
		mat.Row(out.Chosen.RawRowView(i), r, c.Chosen)
		mat.Row(out.Rejected.RawRowView(i), r, c.Rejected)
	}
	return out
}

// lossBlock returns the loss gradients of a block of J rows starting at
// start, in a new matrix.
func (s *source) lossBlock(start int, blk *mat.Dense) *mat.Dense {
	g := mat.DenseCopyOf(blk)
	b, _ := blk.Dims()
	scaleRows(g, s.lossCoef[start:start+b])
	return g
}

// curvatureCoef returns ŵᵢcᵢ for the Gauss–Newton matrix: cᵢ = σ(1−σ) for
// the true Fisher, (lossCoefᵢ)² for the empirical one.
func (s *source) curvatureCoef(f Fisher) []float64 {
	c := make([]float64, s.n)
	for i, w := range s.weights {
		if f == TrueFisher && s.margins != nil {
			p := reward.Sigmoid(s.margins[i])
			c[i] = w * p * (1 - p)
		} else {
			c[i] = w * s.lossCoef[i] * s.lossCoef[i]
		}
	}
	return c
}

// scaleColumns multiplies column j of m by v[j].
func scaleColumns(m *mat.Dense, v []float64) {
	r, _ := m.Dims()
	for i := 0; i < r; i++ {
		row := m.RawRowView(i)
		for j := range row[:len(v)] {
			row[j] *= v[j]
		}
	}
}

// scaleRows multiplies row i of m by v[i].
func scaleRows(m *mat.Dense, v []float64) {
	for i, x := range v {
		floats.Scale(x, m.RawRowView(i))
	}
}

// mulAdd adds a·bᵀ (transB) or a·b to dst with one BLAS Gemm, without
// allocating.
func mulAdd(dst, a, b *mat.Dense, transB bool) {
	tb := blas.NoTrans
	if transB {
		tb = blas.Trans
	}
	blas64.Gemm(blas.NoTrans, tb, 1, a.RawMatrix(), b.RawMatrix(), 1, dst.RawMatrix())
}
