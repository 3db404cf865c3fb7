package kfac

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Batch is one layer's statistics for a batch of b examples, each using
// the layer Terms times. The rows of Inputs and OutputGrads come in Terms
// groups of b rows: row t·b + i holds the input a and output gradient s of
// use t of example i, whose weight gradient is
//
//	G_i = Σ_t s_{t·b+i} a_{t·b+i}ᵀ.
//
// A preference pair is Terms = 2 (chosen rows, then rejected rows); a
// sequence of T tokens is one example with Terms = T.
type Batch struct {
	// Inputs holds the layer inputs, (Terms·b)×In.
	Inputs *mat.Dense
	// OutputGrads holds the gradients with respect to the layer outputs,
	// (Terms·b)×Out.
	OutputGrads *mat.Dense
	// Terms is the number of uses per example; 0 means 1 (every row its own
	// example).
	Terms int
	// Weights holds one non-negative weight per example; nil means 1.
	Weights []float64
}

// batch is a checked Batch.
type batch struct {
	Batch
	n, terms int // examples and uses per example
}

// check checks bt against a layer of the eigenbasis' shape.
func (e *Eigenbasis) check(bt Batch) (batch, error) {
	out, in := e.Dims()
	rows, err := checkRows(bt.Inputs, in, "batch inputs")
	if err != nil {
		return batch{}, err
	}
	grows, err := checkRows(bt.OutputGrads, out, "batch output gradients")
	if err != nil {
		return batch{}, err
	}
	if rows != grows {
		return batch{}, fmt.Errorf("kfac: batch has %d input rows and %d output-gradient rows", rows, grows)
	}
	terms := bt.Terms
	if terms == 0 {
		terms = 1
	}
	if terms < 0 || rows%terms != 0 {
		return batch{}, fmt.Errorf("kfac: batch of %d rows cannot hold examples of %d terms", rows, bt.Terms)
	}
	b := batch{Batch: bt, n: rows / terms, terms: terms}
	if err := checkWeights(bt.Weights, b.n, "example"); err != nil {
		return batch{}, fmt.Errorf("kfac: batch: %w", err)
	}
	return b, nil
}

// weight returns the weight of example i.
func (b batch) weight(i int) float64 {
	if b.Weights == nil {
		return 1
	}
	return b.Weights[i]
}

// term returns the b rows of use t of every example of x.
func (b batch) term(x *mat.Dense, t int) *mat.Dense {
	_, c := x.Dims()
	return x.Slice(t*b.n, (t+1)*b.n, 0, c).(*mat.Dense)
}

// example returns the Terms rows of example i of x, a strided view.
func (b batch) example(x *mat.Dense, i int) *mat.Dense {
	raw := x.RawMatrix()
	var v mat.Dense
	v.SetRawMatrix(blas64.General{Rows: b.terms, Cols: raw.Cols, Stride: b.n * raw.Stride, Data: raw.Data[i*raw.Stride:]})
	return &v
}

// The batch operations need, per example, the rotated gradient
// R_i = Q_Sᵀ G_i Q_A, or only products of its entries. With X = S Q_S and
// Y = A Q_A (rotating the rows first, O(Terms·(Out² + In²)) per example),
// R_i = Σ_t x_{t,i} y_{t,i}ᵀ; rotating the gradient instead costs
// O(Out·In·(Out + In)) per example. With one or two terms, the squares that
// EK-FAC and self-influence need expand into Terms·(Terms+1)/2 products of
// whole-batch matrices (see eachTermPair), which beat per-example work; with
// more terms, each R_i is formed in the cheaper of the two orders.
const maxPairwiseTerms = 2

// pairwise reports whether b's squares are formed from products of term
// pairs.
func (b batch) pairwise() bool { return b.terms <= maxPairwiseTerms }

// rotateRows returns X = S Q_S and Y = A Q_A for the whole batch.
func (e *Eigenbasis) rotateRows(b batch) (x, y *mat.Dense) {
	x, y = new(mat.Dense), new(mat.Dense)
	x.Mul(b.OutputGrads, e.qs)
	y.Mul(b.Inputs, e.qa)
	return x, y
}

// eachTermPair calls f for every pair of uses t ≤ u with alpha = 1 (t = u)
// or 2 (t < u), XX = X_t ∘ X_u (b×Out) and YY = Y_t ∘ Y_u (b×In), so that
// for every example i and any weights c,
//
//	Σ_oj R_i[o,j]² c[o,j] = Σ_pairs alpha · Σ_o XX[i,o] (YY cᵀ)[i,o],
//
// since R_i[o,j]² = Σ_t Σ_u x_{t,i,o} x_{u,i,o} y_{t,i,j} y_{u,i,j}.
func (e *Eigenbasis) eachTermPair(b batch, f func(alpha float64, xx, yy *mat.Dense)) {
	x, y := e.rotateRows(b)
	for t := 0; t < b.terms; t++ {
		for u := t; u < b.terms; u++ {
			alpha := 2.0
			if t == u {
				alpha = 1
			}
			var xx, yy mat.Dense
			xx.MulElem(b.term(x, t), b.term(x, u))
			yy.MulElem(b.term(y, t), b.term(y, u))
			f(alpha, &xx, &yy)
		}
	}
}

// eachRotated calls f with the rotated gradient R_i = Q_Sᵀ G_i Q_A of every
// example i, in a buffer reused between calls.
func (e *Eigenbasis) eachRotated(b batch, f func(i int, r *mat.Dense)) {
	out, in := e.Dims()
	r := mat.NewDense(out, in, nil)
	t := float64(b.terms)
	if t*float64(out*out+in*in) <= float64(out*in*(out+in)) {
		x, y := e.rotateRows(b)
		for i := 0; i < b.n; i++ {
			r.Mul(b.example(x, i).T(), b.example(y, i))
			f(i, r)
		}
		return
	}
	g := mat.NewDense(out, in, nil)
	for i := 0; i < b.n; i++ {
		g.Mul(b.example(b.OutputGrads, i).T(), b.example(b.Inputs, i))
		e.rotateTo(r, g)
		f(i, r)
	}
}
