package pref

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Diff returns the n×d matrix of feature differences u_i = φ(x_i, y_w) −
// φ(x_i, y_l), Chosen − Rejected: the input of a linear Bradley–Terry model,
// whose margin on pair i is θᵀu_i.
func (c *Comparisons) Diff() *mat.Dense {
	var u mat.Dense
	u.Sub(c.Chosen, c.Rejected)
	return &u
}

// Clone returns a deep copy of c.
func (c *Comparisons) Clone() *Comparisons {
	return &Comparisons{
		Chosen:   mat.DenseCopyOf(c.Chosen),
		Rejected: mat.DenseCopyOf(c.Rejected),
		Labeler:  slices.Clone(c.Labeler),
		Weight:   slices.Clone(c.Weight),
	}
}

// Subset returns a new Comparisons holding the pairs at the given indices,
// in that order (indices may repeat, as in a bootstrap sample).
func (c *Comparisons) Subset(indices []int) (*Comparisons, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkIndices(indices, c.Len()); err != nil {
		return nil, err
	}
	if len(indices) == 0 {
		return nil, fmt.Errorf("pref: empty subset")
	}
	d := c.Dim()
	out := &Comparisons{
		Chosen:   mat.NewDense(len(indices), d, nil),
		Rejected: mat.NewDense(len(indices), d, nil),
	}
	if c.Labeler != nil {
		out.Labeler = make([]string, len(indices))
	}
	if c.Weight != nil {
		out.Weight = make([]float64, len(indices))
	}
	for k, i := range indices {
		out.Chosen.SetRow(k, c.Chosen.RawRowView(i))
		out.Rejected.SetRow(k, c.Rejected.RawRowView(i))
		if c.Labeler != nil {
			out.Labeler[k] = c.Labeler[i]
		}
		if c.Weight != nil {
			out.Weight[k] = c.Weight[i]
		}
	}
	return out, nil
}

// Flip swaps the chosen and rejected features in place for every pair
// where mask is true, reversing those pairs' labels; u_i becomes −u_i.
func (c *Comparisons) Flip(mask []bool) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(mask) != c.Len() {
		return fmt.Errorf("pref: flip mask has %d entries for %d pairs", len(mask), c.Len())
	}
	tmp := make([]float64, c.Dim())
	for i, f := range mask {
		if !f {
			continue
		}
		copy(tmp, c.Chosen.RawRowView(i))
		c.Chosen.SetRow(i, c.Rejected.RawRowView(i))
		c.Rejected.SetRow(i, tmp)
	}
	return nil
}

// Select returns a new Comparisons holding the pairs where mask is true, in
// order — for example the targeted validation pairs of a bias experiment.
// It is an error when mask has the wrong length or selects nothing.
func (c *Comparisons) Select(mask []bool) (*Comparisons, error) {
	if len(mask) != c.Len() {
		return nil, fmt.Errorf("pref: selection mask has %d entries for %d pairs", len(mask), c.Len())
	}
	return c.Subset(maskIndices(mask))
}

// maskIndices returns the indices where mask is true.
func maskIndices(mask []bool) []int {
	var idx []int
	for i, m := range mask {
		if m {
			idx = append(idx, i)
		}
	}
	return idx
}
