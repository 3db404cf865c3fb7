// Package compress reduces the dimension of gradient vectors while
// preserving their inner products in expectation, so that gradient-based
// influence (DataInf, gradient dot products) can run on K ≪ D coordinates.
//
// Two sketches, both seeded:
//
//   - OPORP, "one permutation + one random projection" (Li & Li 2023):
//     permute the D coordinates, flip each with a random ±1 sign and sum
//     them into K equal bins. Cost O(D) per vector, no K×D matrix; the
//     sketch is sparse (each coordinate lands in exactly one bin).
//   - Gaussian random projection y = Rx/√K with R K×D standard normal.
//     Cost O(K·D) per vector through a matrix product; memory K·D.
//
// For both, E[⟨y, y'⟩] = ⟨x, x'⟩, with a variance that falls as 1/K. OPORP
// needs no stored matrix and is far cheaper: prefer it.
package compress

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	_ "github.com/golign/golign/alignment/backend" // BLAS backend chosen at build time
)

// checkRows validates a row compression from src (n×in) into dst (n×out).
func checkRows(dst, src *mat.Dense, in, out int) error {
	if dst == nil || src == nil {
		return fmt.Errorf("compress: nil matrix")
	}
	n, d := src.Dims()
	m, k := dst.Dims()
	if d != in {
		return fmt.Errorf("compress: input rows have %d coordinates, the sketch takes %d", d, in)
	}
	if k != out || m != n {
		return fmt.Errorf("compress: destination is %d×%d, want %d×%d", m, k, n, out)
	}
	return nil
}

// vectorRow views x as a 1×in matrix once its length is checked (gonum
// panics on an empty matrix).
func vectorRow(x []float64, in int) (*mat.Dense, error) {
	if len(x) != in {
		return nil, fmt.Errorf("compress: vector has %d coordinates, the sketch takes %d", len(x), in)
	}
	return mat.NewDense(1, in, x), nil
}

// newRows returns the n×out destination of the rows of src, or an error
// when src is nil or has no rows.
func newRows(src *mat.Dense, out int) (*mat.Dense, error) {
	if src == nil || src.IsEmpty() {
		return nil, fmt.Errorf("compress: no rows to compress")
	}
	n, _ := src.Dims()
	return mat.NewDense(n, out, nil), nil
}

// checkDims validates sketch dimensions.
func checkDims(d, k int) error {
	if d <= 0 || k <= 0 {
		return fmt.Errorf("compress: dimensions must be positive, got D=%d K=%d", d, k)
	}
	if k > d {
		return fmt.Errorf("compress: K=%d exceeds D=%d", k, d)
	}
	return nil
}
