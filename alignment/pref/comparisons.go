// Package pref holds preference data: pairs of responses to a prompt, one
// preferred ("chosen", y_w) over the other ("rejected", y_l), as text and in
// feature form.
package pref

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Comparisons holds n preference pairs in feature form: row i of Chosen is
// φ(x_i, y_w) and row i of Rejected is φ(x_i, y_l), the feature vectors of the
// preferred and the rejected response to prompt x_i.
type Comparisons struct {
	// Chosen and Rejected are n×d feature matrices.
	Chosen, Rejected *mat.Dense
	// Labeler names who labelled each pair; nil when unknown.
	Labeler []string
	// Weight is the weight of each pair in a training loss; nil means 1.
	Weight []float64
}

// Len returns the number of pairs.
func (c *Comparisons) Len() int {
	if c.Chosen == nil {
		return 0
	}
	n, _ := c.Chosen.Dims()
	return n
}

// Dim returns the feature dimension d.
func (c *Comparisons) Dim() int {
	if c.Chosen == nil {
		return 0
	}
	_, d := c.Chosen.Dims()
	return d
}

// Validate reports an error when the matrices' shapes disagree or the
// optional slices have the wrong length.
func (c *Comparisons) Validate() error {
	if c.Chosen == nil || c.Rejected == nil {
		return fmt.Errorf("pref: comparisons need both Chosen and Rejected features")
	}
	n, d := c.Chosen.Dims()
	m, e := c.Rejected.Dims()
	if n != m || d != e {
		return fmt.Errorf("pref: chosen features are %d×%d but rejected are %d×%d", n, d, m, e)
	}
	if c.Labeler != nil && len(c.Labeler) != n {
		return fmt.Errorf("pref: %d labelers for %d pairs", len(c.Labeler), n)
	}
	if c.Weight != nil && len(c.Weight) != n {
		return fmt.Errorf("pref: %d weights for %d pairs", len(c.Weight), n)
	}
	return nil
}
