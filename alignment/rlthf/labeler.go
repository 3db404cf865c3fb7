package rlthf

import (
	"fmt"

	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

// Labeler is the cheap AI labeler RLTHF starts from: it labels every pair of
// a pool at once. Element i of the result is true when it prefers response A
// (the Chosen row) of pair i.
type Labeler interface {
	Label(pairs *pref.Comparisons) ([]bool, error)
}

// LabelFunc is a Labeler calling a function once per pair index, for judges
// written in a cell (a heuristic on the texts, a call to another model).
type LabelFunc func(pair int) (preferA bool)

// Label calls f for every pair.
func (f LabelFunc) Label(pairs *pref.Comparisons) ([]bool, error) {
	labels := make([]bool, pairs.Len())
	for i := range labels {
		labels[i] = f(i)
	}
	return labels, nil
}

// ModelLabeler labels with a reward model: A is preferred when
// r(A) ≥ r(B).
type ModelLabeler struct {
	Model reward.Model
}

// Label returns r(A) ≥ r(B) for every pair.
func (l ModelLabeler) Label(pairs *pref.Comparisons) ([]bool, error) {
	if l.Model == nil {
		return nil, fmt.Errorf("rlthf: model labeler without a model")
	}
	m, err := l.Model.Margins(pairs)
	if err != nil {
		return nil, err
	}
	return marginLabels(m), nil
}

// FileLabeler reads the labels of a pool from a JSON Lines file in the
// format of annotate.Record (one record per pair).
type FileLabeler struct {
	Path string
}

// Label reads the file; every pair of the pool must have a label.
func (l FileLabeler) Label(pairs *pref.Comparisons) ([]bool, error) {
	return annotate.ReadLabels(l.Path, pairs.Len())
}

// marginLabels returns mᵢ ≥ 0 for each margin r(A) − r(B).
func marginLabels(margins []float64) []bool {
	labels := make([]bool, len(margins))
	for i, m := range margins {
		labels[i] = m >= 0
	}
	return labels
}
