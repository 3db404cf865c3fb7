package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/golign/golign/alignment/compress"
	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"github.com/golign/golign/alignment/transformer"
	"gonum.org/v1/gonum/mat"
)

// Timing is what one measurement reports: the seconds of each repetition.
type Timing struct {
	Seconds []float64 `json:"seconds"`
	// Note carries a detail of the run, such as the solver's iterations.
	Note string `json:"note,omitempty"`
}

// Best returns the fastest repetition: on a shared machine the slower ones
// were descheduled, not slower.
func (t Timing) Best() float64 {
	if len(t.Seconds) == 0 {
		return 0
	}
	best := t.Seconds[0]
	for _, s := range t.Seconds[1:] {
		best = min(best, s)
	}
	return best
}

// A workload prepares a task from its directory and returns the run to time
// and the function that saves the last run's answer as golign.npy (nil when
// there is nothing to compare).
type workload func(dir string, p Params) (run func() error, save func() error, err error)

// workloads are golign's side of every task, run in a worker process (see
// runWorker) so that the suite controls its OpenBLAS environment.
var workloads = map[string]workload{
	"dgemm":       dgemmWork,
	"bt":          bradleyTerryWork,
	"datainf":     dataInfWork,
	"oporp":       oporpWork,
	"exact":       exactWork,
	"ekfac":       ekfacWork,
	"transformer": transformerWork,
	"scale":       scaleWork,
}

// runWorker runs task in dir repeats times and prints its Timing as JSON.
func runWorker(task, dir string, repeats int) error {
	work, ok := workloads[task]
	if !ok {
		return fmt.Errorf("unknown task %q", task)
	}
	p, err := readParams(dir)
	if err != nil {
		return err
	}
	run, save, err := work(dir, p)
	if err != nil {
		return fmt.Errorf("task %s: %w", task, err)
	}
	var t Timing
	for range repeats {
		start := time.Now()
		if err := run(); err != nil {
			return fmt.Errorf("task %s: %w", task, err)
		}
		t.Seconds = append(t.Seconds, time.Since(start).Seconds())
	}
	if save != nil {
		if err := save(); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(t)
}

// answerPath is where golign's answer of a task is saved.
func answerPath(dir string) string { return filepath.Join(dir, "golign.npy") }

// dgemmWork multiplies a Queries×Dim matrix by a Dim×N matrix.
func dgemmWork(_ string, p Params) (func() error, func() error, error) {
	a, b := mat.NewDense(p.Queries, p.Dim, nil), mat.NewDense(p.Dim, p.N, nil)
	for _, m := range []*mat.Dense{a, b} {
		for i, raw := 0, m.RawMatrix().Data; i < len(raw); i++ {
			raw[i] = float64(i%7) - 3
		}
	}
	var c mat.Dense
	return func() error { c.Mul(a, b); return nil }, nil, nil
}

// diffComparisons wraps feature differences U as comparisons whose rejected
// responses are zero, so that Diff() = U.
func diffComparisons(u *mat.Dense) *pref.Comparisons {
	n, d := u.Dims()
	return &pref.Comparisons{Chosen: u, Rejected: mat.NewDense(n, d, nil)}
}

// bradleyTerryWork trains a linear Bradley–Terry model with Newton's method.
func bradleyTerryWork(dir string, p Params) (func() error, func() error, error) {
	u, err := loadDense(filepath.Join(dir, "u.npy"))
	if err != nil {
		return nil, nil, err
	}
	c := diffComparisons(u)
	var model *reward.Linear
	run := func() (err error) {
		model, _, err = reward.TrainLinearFit(c, reward.LinearConfig{L2: p.L2, Solver: reward.Newton,
			MaxIterations: p.MaxIterations, GradientTolerance: p.Tolerance})
		return err
	}
	return run, func() error { return saveNPY(answerPath(dir), model.Params()) }, nil
}

// dataInfWork fits DataInf to training gradients and scores query gradients.
func dataInfWork(dir string, p Params) (func() error, func() error, error) {
	g, q, err := loadTrainQuery(dir)
	if err != nil {
		return nil, nil, err
	}
	var scores *mat.Dense
	run := func() error {
		f, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf})
		if err != nil {
			return err
		}
		scores, err = f.ScoresOfGradients(q)
		return err
	}
	return run, func() error { return saveNPY(answerPath(dir), scores) }, nil
}

// loadTrainQuery reads a task's train.npy and query.npy.
func loadTrainQuery(dir string) (train, query *mat.Dense, err error) {
	if train, err = loadDense(filepath.Join(dir, "train.npy")); err != nil {
		return nil, nil, err
	}
	if query, err = loadDense(filepath.Join(dir, "query.npy")); err != nil {
		return nil, nil, err
	}
	return train, query, nil
}

// oporpWork sketches the training rows from Dim to K coordinates.
func oporpWork(dir string, p Params) (func() error, func() error, error) {
	g, err := loadDense(filepath.Join(dir, "train.npy"))
	if err != nil {
		return nil, nil, err
	}
	sk, err := compress.NewOPORP(p.Dim, p.K, p.Seed)
	if err != nil {
		return nil, nil, err
	}
	out := mat.NewDense(p.N, p.K, nil)
	run := func() error { return sk.CompressRowsTo(out, g) }
	return run, func() error { return saveNPY(answerPath(dir), out) }, nil
}

// oporpLayout returns the bin and sign of every input coordinate of an OPORP
// sketch, read off the sketches of the unit vectors, for the NumPy peer to
// apply the same sketch.
func oporpLayout(dim, k int, seed uint64) (bins, signs []float64, err error) {
	sk, err := compress.NewOPORP(dim, k, seed)
	if err != nil {
		return nil, nil, err
	}
	bins, signs = make([]float64, dim), make([]float64, dim)
	unit := make([]float64, dim)
	for i := range dim {
		unit[i] = 1
		y, err := sk.Compress(unit)
		if err != nil {
			return nil, nil, err
		}
		unit[i] = 0
		for b, v := range y {
			if v != 0 {
				bins[i], signs[i] = float64(b), v
			}
		}
	}
	return bins, signs, nil
}

// exactWork computes exact influence (Cholesky of the Gauss–Newton matrix)
// of a trained linear model on query pairs.
func exactWork(dir string, p Params) (func() error, func() error, error) {
	u, v, err := loadTrainQuery(dir)
	if err != nil {
		return nil, nil, err
	}
	theta, err := loadVector(filepath.Join(dir, "theta.npy"))
	if err != nil {
		return nil, nil, err
	}
	model, err := reward.NewLinear(theta, p.L2)
	if err != nil {
		return nil, nil, err
	}
	train, query := diffComparisons(u), diffComparisons(v)
	var scores *mat.Dense
	run := func() error {
		f, err := influence.Fit(influence.Problem{Model: model, Train: train}, influence.Config{Method: influence.Exact})
		if err != nil {
			return err
		}
		scores, err = f.Scores(query)
		return err
	}
	return run, func() error { return saveNPY(answerPath(dir), scores) }, nil
}

// ekfacWork fits EK-FAC factors of an MLP reward head (63 features, 64
// hidden units: D = 4160) on N synthetic pairs and scores Queries pairs.
func ekfacWork(_ string, p Params) (func() error, func() error, error) {
	train, _ := rewardtest.Synthetic(p.N, 63, 3, p.Seed)
	query, _ := rewardtest.Synthetic(p.Queries, 63, 3, p.Seed+1)
	m, err := reward.NewMLP([]int{63, 64}, reward.Tanh, 1e-3, p.Seed)
	if err != nil {
		return nil, nil, err
	}
	run := func() error {
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{Method: influence.EKFAC})
		if err != nil {
			return err
		}
		_, err = f.Scores(query)
		return err
	}
	return run, nil, nil
}

// transformerWork times Steps training steps of the default transformer
// (vocabulary 50, batches of 16 sequences of 128 predicted tokens).
func transformerWork(_ string, p Params) (func() error, func() error, error) {
	m, err := transformer.New(transformer.Config{Vocab: 50})
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(p.Seed, 1))
	seqs := make([]transformer.Sequence, 64)
	for i := range seqs {
		tokens := make([]int, 129)
		for j := range tokens {
			tokens[j] = rng.IntN(50)
		}
		seqs[i] = transformer.Sequence{Tokens: tokens}
	}
	run := func() error {
		_, err := transformer.Train(m, seqs, transformer.TrainConfig{Steps: p.Steps, Seed: p.Seed})
		return err
	}
	return run, nil, nil
}

// scaleWork times DataInf on N×Dim gradients generated in memory.
func scaleWork(_ string, p Params) (func() error, func() error, error) {
	g, q := gradientLike(p.N, p.Dim, p.Seed), gradientLike(p.Queries, p.Dim, p.Seed+1)
	run := func() error {
		f, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf})
		if err != nil {
			return err
		}
		_, err = f.ScoresOfGradients(q)
		return err
	}
	return run, nil, nil
}
