package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/golign/golign/alignment/backend"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/synth"
	"gonum.org/v1/gonum/mat"
)

// Results are everything one run measured.
type Results struct {
	Machine Machine
	// Backend is golign's BLAS; NumPy what the peer runs.
	Backend string
	NumPy   NumPyInfo
	Sizes   Sizes
	Full    bool
	DGEMM   []DGEMMRow
	// Numerics are golign's numeric kernels beside their peers.
	Numerics []NumericRow
	// Threads compares OPENBLAS_NUM_THREADS=1 and 2.
	Threads []ThreadRow
	// ScaleTrain and ScaleDim are DataInf's time against n and D.
	ScaleTrain, ScaleDim []ScalePoint
	Kernel               []KernelRow
	Cells                Cells
	Elapsed              time.Duration
}

// DGEMMRow is the rate of an N×N matrix product in GFLOP/s.
type DGEMMRow struct {
	N int
	// Golign is golign's backend with its default threads, GolignOne with
	// OPENBLAS_NUM_THREADS=1; NumPy is NumPy's with its default threads.
	Golign, GolignOne, NumPy float64
}

// NumericRow is one numeric kernel timed in golign and in its peer.
type NumericRow struct {
	Name, Size string
	Golign     Timing
	// NumPy is the peer's timing; NoPeer, when set, says why there is none.
	NumPy  Timing
	NoPeer string
	// MaxRelDiff is max|golign − numpy| / max|numpy| over the answers.
	MaxRelDiff float64
	// Flops is the operation count of the kernel's matrix products when it
	// is GEMM-bound, 0 otherwise. Shape names its dominant product and
	// ShapeGFLOPS is the rate of that product alone on golign's backend.
	Flops       float64
	Shape       string
	ShapeGFLOPS float64
}

// ThreadRow times a kernel with one and with two OpenBLAS threads, in golign
// and (when it has one) in its NumPy peer.
type ThreadRow struct {
	Name               string
	One, Two           float64
	NumPyOne, NumPyTwo float64
	HasPeer            bool
}

// ScalePoint is DataInf's time on N training gradients of dimension Dim.
type ScalePoint struct {
	N, Dim  int
	Seconds float64
}

// measure runs every part of the suite, writing data under out/data.
func measure(r *runner, s Sizes, out string, full bool) (*Results, error) {
	data := filepath.Join(out, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	res := &Results{Backend: backend.Name(), Sizes: s, Full: full}
	var err error
	if res.Machine, err = readMachine(); err != nil {
		return nil, err
	}
	if res.NumPy, err = r.numpyInfo(); err != nil {
		return nil, err
	}
	steps := []func() error{
		func() error { return measureDGEMM(r, s, data, res) },
		func() error { return measureNumerics(r, s, data, res) },
		func() error { return measureThreads(r, s, data, res) },
		func() error { return measureScaling(r, s, data, res) },
		func() error { return measureKernels(r, s, data, res) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	res.Machine.LoadAfter = loadAverage()
	return res, nil
}

// taskDir creates data/name with its params.json.
func taskDir(data, name string, p Params) (string, error) {
	dir := filepath.Join(data, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, writeParams(dir, p)
}

// measureDGEMM times N×N products at 1024 and 2048 in golign (default and one
// thread) and NumPy.
func measureDGEMM(r *runner, s Sizes, data string, res *Results) error {
	for _, n := range []int{1024, 2048} {
		dir, err := taskDir(data, fmt.Sprintf("dgemm%d", n), Params{N: n, Dim: n, Queries: n})
		if err != nil {
			return err
		}
		flops := 2 * math.Pow(float64(n), 3) / 1e9
		g, np, err := r.interleaved("dgemm", dir, s, true)
		if err != nil {
			return err
		}
		g1, _, err := r.interleaved("dgemm", dir, s, false, "OPENBLAS_NUM_THREADS=1")
		if err != nil {
			return err
		}
		res.DGEMM = append(res.DGEMM, DGEMMRow{N: n, Golign: flops / g.Best(), GolignOne: flops / g1.Best(), NumPy: flops / np.Best()})
	}
	return nil
}

// numericTask is one row of the numerics table: its directory's name and
// parameters, how to write its inputs, and the reason it has no peer.
type numericTask struct {
	task, dir, name, size string
	params                Params
	prepare               func(dir string, p Params) error
	noPeer                string
	flops                 float64
	// product is the dominant matrix product, m×k times k×n, of a
	// GEMM-bound task.
	product [3]int
}

// numericTasks lists the numeric kernels at sizes s.
func numericTasks(s Sizes) []numericTask {
	q := float64(s.Queries)
	tasks := []numericTask{{
		task: "bt", dir: "bt", name: "Bradley–Terry training (linear, Newton, ‖∇L‖∞ < 1e-10)",
		size:    fmt.Sprintf("%d pairs × %d features", s.BTPairs, s.BTDim),
		params:  Params{N: s.BTPairs, Dim: s.BTDim, L2: 1e-3, Tolerance: 1e-10, MaxIterations: 50, Seed: 1},
		prepare: prepareBradleyTerry,
	}}
	for _, n := range s.InfluenceTrain {
		tasks = append(tasks, numericTask{
			task: "datainf", dir: fmt.Sprintf("datainf%d", n), name: "DataInf influence (fit + scores)",
			size:    fmt.Sprintf("%d train × %d queries, D = %d", n, s.Queries, s.InfluenceDim),
			params:  Params{N: n, Dim: s.InfluenceDim, Queries: s.Queries, Seed: 1},
			prepare: prepareGradients,
			flops:   6 * q * float64(n) * float64(s.InfluenceDim),
			product: [3]int{s.Queries, s.InfluenceDim, n},
		})
	}
	d, n := float64(s.ExactDim), float64(s.ExactTrain)
	return append(tasks, numericTask{
		task: "oporp", dir: "oporp", name: "OPORP compression",
		size:    fmt.Sprintf("%d rows, D = %d → K = %d", s.OPORPRows, s.OPORPDim, s.OPORPK),
		params:  Params{N: s.OPORPRows, Dim: s.OPORPDim, K: s.OPORPK, Seed: 7},
		prepare: prepareOPORP,
	}, numericTask{
		task: "exact", dir: "exact", name: "Exact influence (Cholesky of the Gauss–Newton matrix)",
		size:    fmt.Sprintf("%d train × %d queries, D = %d", s.ExactTrain, s.Queries, s.ExactDim),
		params:  Params{N: s.ExactTrain, Dim: s.ExactDim, Queries: s.Queries, L2: 1e-3, Seed: 2},
		prepare: prepareExact,
		flops:   2*n*d*d + d*d*d/3 + 2*q*d*d + 2*q*n*d,
		product: [3]int{s.ExactDim, s.ExactTrain, s.ExactDim},
	}, numericTask{
		task: "ekfac", dir: "ekfac", name: "EK-FAC influence (MLP 63→64→1, fit + scores)",
		size:   fmt.Sprintf("%d train × %d queries, D = 4160", s.EKFACTrain, s.Queries),
		params: Params{N: s.EKFACTrain, Queries: s.Queries, Seed: 3},
		noPeer: "no NumPy peer: it would need per-example MLP gradients and eigendecompositions written out by hand",
	}, numericTask{
		task: "transformer", dir: "transformer", name: "Transformer training step (default model, batch 16 × 128 tokens)",
		size:   fmt.Sprintf("%d steps", s.TransformerSteps),
		params: Params{Steps: s.TransformerSteps, Seed: 4},
		noPeer: "no peer: PyTorch is not installed, and a NumPy forward/backward is no fair peer",
	})
}

// measureNumerics times each numeric kernel in golign and its peer and
// compares their answers.
func measureNumerics(r *runner, s Sizes, data string, res *Results) error {
	for _, t := range numericTasks(s) {
		dir, err := taskDir(data, t.dir, t.params)
		if err != nil {
			return err
		}
		if t.prepare != nil {
			if err := t.prepare(dir, t.params); err != nil {
				return fmt.Errorf("preparing %s: %w", t.dir, err)
			}
		}
		row := NumericRow{Name: t.name, Size: t.size, NoPeer: t.noPeer, Flops: t.flops}
		if row.Golign, row.NumPy, err = r.interleaved(t.task, dir, s, t.noPeer == ""); err != nil {
			return err
		}
		if t.flops > 0 {
			m, k, n := t.product[0], t.product[1], t.product[2]
			row.Shape = fmt.Sprintf("%d×%d · %d×%d", m, k, k, n)
			if row.ShapeGFLOPS, err = productRate(r, s, data, m, k, n); err != nil {
				return err
			}
		}
		if t.noPeer == "" {
			if row.MaxRelDiff, err = compareAnswers(dir); err != nil {
				return err
			}
		}
		res.Numerics = append(res.Numerics, row)
	}
	return nil
}

// productRate is golign's rate in GFLOP/s of one m×k times k×n product.
func productRate(r *runner, s Sizes, data string, m, k, n int) (float64, error) {
	dir, err := taskDir(data, fmt.Sprintf("product%dx%dx%d", m, k, n), Params{Queries: m, Dim: k, N: n})
	if err != nil {
		return 0, err
	}
	t, err := r.golignTask("dgemm", dir, s.Rounds*s.Repeats)
	return 2 * float64(m) * float64(k) * float64(n) / t.Best() / 1e9, err
}

// compareAnswers returns max|golign − numpy| / max|numpy| over the answers
// saved in dir.
func compareAnswers(dir string) (float64, error) {
	g, err := loadDense(answerPath(dir))
	if err != nil {
		return 0, err
	}
	n, err := loadDense(filepath.Join(dir, "numpy.npy"))
	if err != nil {
		return 0, err
	}
	gr, gc := g.Dims()
	nr, nc := n.Dims()
	if gr != nr || gc != nc {
		return 0, fmt.Errorf("%s: golign's answer is %d×%d, NumPy's %d×%d", dir, gr, gc, nr, nc)
	}
	var diff, scale float64
	gd, nd := g.RawMatrix().Data, n.RawMatrix().Data
	for i := range nd {
		diff = max(diff, math.Abs(gd[i]-nd[i]))
		scale = max(scale, math.Abs(nd[i]))
	}
	if scale == 0 {
		return diff, nil
	}
	return diff / scale, nil
}

// syntheticDiffs returns the feature differences of a seeded synthetic data
// set of n training pairs and queries validation pairs of dimension d.
func syntheticDiffs(n, queries, d int, seed uint64) (train, query *mat.Dense, err error) {
	v := queries
	if v == 0 {
		v = -1
	}
	data, err := synth.Generate(synth.Config{Pairs: n, Validation: v, Dim: d, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	train = data.Train.Diff()
	if queries > 0 {
		query = data.Validation.Diff()
	}
	return train, query, nil
}

// prepareBradleyTerry writes u.npy, the training pairs' feature differences.
func prepareBradleyTerry(dir string, p Params) error {
	u, _, err := syntheticDiffs(p.N, 0, p.Dim, p.Seed)
	if err != nil {
		return err
	}
	return saveNPY(filepath.Join(dir, "u.npy"), u)
}

// prepareGradients writes train.npy and query.npy, gradient-like rows.
func prepareGradients(dir string, p Params) error {
	if err := saveNPY(filepath.Join(dir, "train.npy"), gradientLike(p.N, p.Dim, p.Seed)); err != nil {
		return err
	}
	return saveNPY(filepath.Join(dir, "query.npy"), gradientLike(p.Queries, p.Dim, p.Seed+1))
}

// prepareOPORP writes the rows to sketch and the sketch's layout.
func prepareOPORP(dir string, p Params) error {
	if err := saveNPY(filepath.Join(dir, "train.npy"), gradientLike(p.N, p.Dim, p.Seed)); err != nil {
		return err
	}
	bins, signs, err := oporpLayout(p.Dim, p.K, p.Seed)
	if err != nil {
		return err
	}
	if err := saveNPY(filepath.Join(dir, "bins.npy"), bins); err != nil {
		return err
	}
	return saveNPY(filepath.Join(dir, "signs.npy"), signs)
}

// prepareExact writes the training and query differences and the θ of a
// linear model trained on them.
func prepareExact(dir string, p Params) error {
	u, v, err := syntheticDiffs(p.N, p.Queries, p.Dim, p.Seed)
	if err != nil {
		return err
	}
	model, err := reward.TrainLinear(&pref.Comparisons{Chosen: u, Rejected: mat.NewDense(p.N, p.Dim, nil)},
		reward.LinearConfig{L2: p.L2})
	if err != nil {
		return err
	}
	for name, m := range map[string]*mat.Dense{"train.npy": u, "query.npy": v} {
		if err := saveNPY(filepath.Join(dir, name), m); err != nil {
			return err
		}
	}
	return saveNPY(filepath.Join(dir, "theta.npy"), model.Params())
}

// measureThreads times the numeric tasks with one and two OpenBLAS threads,
// golign's and NumPy's.
func measureThreads(r *runner, s Sizes, data string, res *Results) error {
	for _, t := range numericTasks(s) {
		if t.task == "oporp" || t.task == "ekfac" {
			continue // no BLAS in OPORP; EK-FAC's sizes take long
		}
		dir := filepath.Join(data, t.dir)
		row := ThreadRow{Name: t.name + ", " + t.size, HasPeer: t.noPeer == ""}
		for _, threads := range []int{1, 2} {
			env := fmt.Sprintf("OPENBLAS_NUM_THREADS=%d", threads)
			g, np, err := r.interleaved(t.task, dir, s, row.HasPeer, env)
			if err != nil {
				return err
			}
			if threads == 1 {
				row.One, row.NumPyOne = g.Best(), np.Best()
			} else {
				row.Two, row.NumPyTwo = g.Best(), np.Best()
			}
		}
		res.Threads = append(res.Threads, row)
	}
	return nil
}

// measureScaling times DataInf against n (at a fixed D) and against D (at a
// fixed n).
func measureScaling(r *runner, s Sizes, data string, res *Results) error {
	sweep := func(ns, ds []int, dst *[]ScalePoint) error {
		for i := range ns {
			p := Params{N: ns[i], Dim: ds[i], Queries: s.Queries, Seed: 5}
			dir, err := taskDir(data, "scale", p)
			if err != nil {
				return err
			}
			t, err := r.golignTask("scale", dir, s.Rounds*s.Repeats)
			if err != nil {
				return err
			}
			*dst = append(*dst, ScalePoint{N: p.N, Dim: p.Dim, Seconds: t.Best()})
		}
		return nil
	}
	if err := sweep(s.ScaleTrain, repeat(s.ScaleDimFixed, len(s.ScaleTrain)), &res.ScaleTrain); err != nil {
		return err
	}
	return sweep(repeat(s.ScaleTrainFixed, len(s.ScaleDim)), s.ScaleDim, &res.ScaleDim)
}

// repeat returns n copies of v.
func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// measureKernels runs bench_kernel.py and the cells of kernel_cells.py on a
// file of LoadPairs synthetic preference pairs.
func measureKernels(r *runner, s Sizes, data string, res *Results) error {
	var err error
	if res.Kernel, err = r.kernelRows(s.KernelStarts, s.KernelRoundTrips); err != nil {
		return err
	}
	pairs := filepath.Join(data, "pairs.npz")
	d, err := synth.Generate(synth.Config{Pairs: s.LoadPairs, Validation: -1, Dim: s.LoadDim, Seed: 6})
	if err != nil {
		return err
	}
	if err := pref.SaveNPZ(pairs, d.Train); err != nil {
		return err
	}
	res.Cells, err = r.kernelCells(pairs)
	return err
}
