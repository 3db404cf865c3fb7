package rlthf

import (
	"fmt"
	"math"
	"strings"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

// SweepConfig configures Sweep. The zero value works.
type SweepConfig struct {
	// Fractions are the human budgets to compare, as fractions of the pool;
	// nil means 1%, 2%, 4%, 6%, 8% and 10%.
	Fractions []float64
	// Methods are the methods to run; nil means Methods(). AIOnly and
	// FullHuman, which do not depend on the budget, run once each.
	Methods []Method
	// Config configures RLTHF and the baselines (see Baseline).
	Config Config
}

// Row is one result of a sweep.
type Row struct {
	Method Method
	// HumanFraction is the budget as a fraction of the pool and HumanLabels
	// the number of human labels actually used.
	HumanFraction float64
	HumanLabels   int
	// TestAccuracy is the final reward model's accuracy on the test pairs;
	// LabelAccuracy the accuracy of the final labels of the pool.
	TestAccuracy, LabelAccuracy float64
}

// Table holds the rows of a sweep, in the order they were run.
type Table struct {
	Rows []Row
}

// Sweep runs every method of cfg at every budget of cfg on pool, with the
// AI labels ai and humans answering, and returns the final models' test
// accuracies. The pool needs test pairs. Every run starts from the same AI
// labels and seed, so the table is deterministic when humans is.
func Sweep(pool *Pool, ai []bool, humans annotate.Annotator, cfg SweepConfig) (*Table, error) {
	if err := pool.validate(ai); err != nil {
		return nil, err
	}
	if pool.Test == nil {
		return nil, fmt.Errorf("rlthf: a sweep needs test pairs to score the models")
	}
	fractions := cfg.Fractions
	if fractions == nil {
		fractions = []float64{0.01, 0.02, 0.04, 0.06, 0.08, 0.10}
	}
	for _, f := range fractions {
		if !(f >= 0 && f <= 1) {
			return nil, fmt.Errorf("rlthf: budget fraction %v is not in [0, 1]", f)
		}
	}
	methods := cfg.Methods
	if methods == nil {
		methods = Methods()
	}
	n := pool.Pairs.Len()
	runs := 0
	for _, m := range methods {
		if m == AIOnly || m == FullHuman {
			runs++
		} else {
			runs += len(fractions)
		}
	}
	t := job.Start("RLTHF budget sweep", runs)
	table := &Table{}
	for _, m := range methods {
		budgets := fractions
		if m == AIOnly || m == FullHuman {
			budgets = []float64{math.NaN()}
		}
		for _, f := range budgets {
			if err := t.Step(1); err != nil {
				t.Done(err)
				return nil, err
			}
			labels := 0
			if !math.IsNaN(f) {
				labels = int(math.Round(f * float64(n)))
			}
			res, err := baseline(m, pool, ai, humans, labels, cfg.Config, nested{t})
			if err != nil {
				err = fmt.Errorf("rlthf: %s at %v human labels: %w", m, labels, err)
				t.Done(err)
				return nil, err
			}
			table.Rows = append(table.Rows, Row{Method: m, HumanFraction: float64(res.HumanLabels) / float64(n),
				HumanLabels: res.HumanLabels, TestAccuracy: res.TestAccuracy, LabelAccuracy: res.LabelAccuracy})
		}
	}
	t.Done(nil)
	return table, nil
}

// Series returns the human fractions and test accuracies of method's rows,
// in the order they were run.
func (t *Table) Series(method Method) (fractions, accuracies []float64) {
	for _, r := range t.Rows {
		if r.Method == method {
			fractions = append(fractions, r.HumanFraction)
			accuracies = append(accuracies, r.TestAccuracy)
		}
	}
	return fractions, accuracies
}

// Accuracy returns the test accuracy of method's first row, and false when
// the table has none.
func (t *Table) Accuracy(method Method) (float64, bool) {
	for _, r := range t.Rows {
		if r.Method == method {
			return r.TestAccuracy, true
		}
	}
	return math.NaN(), false
}

// At returns the row of method whose human fraction is nearest to
// fraction, and false when the table has no row of method.
func (t *Table) At(method Method, fraction float64) (Row, bool) {
	best, found := Row{}, false
	for _, r := range t.Rows {
		if r.Method == method && (!found || math.Abs(r.HumanFraction-fraction) < math.Abs(best.HumanFraction-fraction)) {
			best, found = r, true
		}
	}
	return best, found
}

// Markdown formats the table as a Markdown table.
func (t *Table) Markdown() string {
	var b strings.Builder
	b.WriteString("| method | human labels | human fraction | test accuracy | label accuracy |\n|---|---:|---:|---:|---:|\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&b, "| %s | %d | %.1f%% | %.1f%% | %.1f%% |\n", r.Method, r.HumanLabels,
			100*r.HumanFraction, 100*r.TestAccuracy, 100*r.LabelAccuracy)
	}
	return b.String()
}

// MeanTable averages tables of sweeps repeated with other seeds or data
// splits: row k of the result is the mean of row k of every table (test and
// label accuracies, human fractions; human labels rounded). The tables must
// list the same methods in the same order.
func MeanTable(tables ...*Table) (*Table, error) {
	if len(tables) == 0 {
		return nil, fmt.Errorf("rlthf: no tables to average")
	}
	rows := len(tables[0].Rows)
	for k, t := range tables {
		if len(t.Rows) != rows {
			return nil, fmt.Errorf("rlthf: table %d has %d rows, table 0 has %d", k, len(t.Rows), rows)
		}
	}
	mean := &Table{Rows: make([]Row, rows)}
	n := float64(len(tables))
	for r := range rows {
		m := tables[0].Rows[r].Method
		labels := 0.0
		for k, t := range tables {
			row := t.Rows[r]
			if row.Method != m {
				return nil, fmt.Errorf("rlthf: row %d is %q in table %d but %q in table 0", r, row.Method, k, m)
			}
			mean.Rows[r].HumanFraction += row.HumanFraction / n
			mean.Rows[r].TestAccuracy += row.TestAccuracy / n
			mean.Rows[r].LabelAccuracy += row.LabelAccuracy / n
			labels += float64(row.HumanLabels) / n
		}
		mean.Rows[r].Method, mean.Rows[r].HumanLabels = m, int(math.Round(labels))
	}
	return mean, nil
}
