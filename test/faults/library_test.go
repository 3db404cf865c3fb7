// Package faults holds tests of how golign holds under bad input and
// interruption: the public APIs of the alignment library are called with
// NaN and infinite data, degenerate curvature, constant features, empty data
// sets and mismatched shapes, and must answer with an error (or, where the
// input is legal but degenerate, finite results), never a panic. Long jobs
// interrupted through alignment/job must leave the models they started from
// intact. The kernel-level tests are the Python files beside this one.
package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/compress"
	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/rlthf"
	"github.com/golign/golign/alignment/rlthf/annotate"
)

// comparisons returns n seeded random pairs of dimension d whose chosen
// rows score higher under a fixed direction, so models learn something.
func comparisons(n, d int, seed uint64) *pref.Comparisons {
	rng := rand.New(rand.NewPCG(seed, 1))
	chosen, rejected := mat.NewDense(n, d, nil), mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			a, b := rng.NormFloat64(), rng.NormFloat64()
			if j == 0 && a < b {
				a, b = b, a
			}
			chosen.Set(i, j, a)
			rejected.Set(i, j, b)
		}
	}
	return &pref.Comparisons{Chosen: chosen, Rejected: rejected}
}

// with returns a copy of c with entry (i, j) of its chosen rows set to v.
func with(c *pref.Comparisons, i, j int, v float64) *pref.Comparisons {
	out := c.Clone()
	out.Chosen.Set(i, j, v)
	return out
}

// constantFeatures returns pairs whose chosen and rejected rows are all the
// same constant vector: every feature has zero variance and every margin is
// zero whatever the model.
func constantFeatures(n, d int) *pref.Comparisons {
	row := make([]float64, n*d)
	for i := range row {
		row[i] = 0.5
	}
	return &pref.Comparisons{Chosen: mat.NewDense(n, d, row), Rejected: mat.NewDense(n, d, append([]float64(nil), row...))}
}

// empty returns comparisons with no pairs.
func empty() *pref.Comparisons {
	return &pref.Comparisons{Chosen: &mat.Dense{}, Rejected: &mat.Dense{}}
}

// Expectations of a bad-input case.
const (
	// mustFail: the input is invalid and the call must return an error.
	mustFail = iota
	// errorOrFinite: the input is legal but degenerate; the call returns an
	// error or results that are all finite.
	errorOrFinite
)

// badInput is one call of a public API with bad input; it returns the
// error and the numbers it produced (checked finite when no error).
type badInput struct {
	name   string
	expect int
	call   func() ([]float64, error)
}

// errOnly adapts a call returning only an error.
func errOnly(err error) ([]float64, error) { return nil, err }

// run calls c.call, turning a panic into a test failure.
func (c badInput) run(t *testing.T) {
	t.Helper()
	var (
		values []float64
		err    error
	)
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panicked: %v", r)
			}
		}()
		values, err = c.call()
	}()
	switch {
	case err != nil && strings.TrimSpace(err.Error()) == "":
		t.Fatalf("empty error message")
	case err == nil && c.expect == mustFail:
		t.Fatalf("no error for invalid input (values %v)", head(values))
	case err == nil:
		for i, v := range values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("no error, but value %d is %v", i, v)
			}
		}
	}
}

// head returns the first few of values, for messages.
func head(values []float64) []float64 { return values[:min(len(values), 5)] }

func runCases(t *testing.T, cases []badInput) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t) })
	}
}

// trained returns a linear model trained on c with the default config.
func trained(t *testing.T, c *pref.Comparisons) *reward.Linear {
	t.Helper()
	m, err := reward.TrainLinear(c, reward.LinearConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRewardBadInput(t *testing.T) {
	good := comparisons(40, 3, 1)
	wide := comparisons(40, 4, 2)
	short := comparisons(39, 3, 3)
	model := trained(t, good)
	train := func(c *pref.Comparisons) func() ([]float64, error) {
		return func() ([]float64, error) {
			m, err := reward.TrainLinear(c, reward.LinearConfig{})
			if err != nil {
				return nil, err
			}
			return m.Params(), nil
		}
	}
	trainMLP := func(c *pref.Comparisons) func() ([]float64, error) {
		return func() ([]float64, error) {
			m, err := reward.TrainMLP(c, reward.MLPConfig{Hidden: []int{4}, Epochs: 2})
			if err != nil {
				return nil, err
			}
			return m.Params(), nil
		}
	}
	runCases(t, []badInput{
		{"linear/nil", mustFail, train(nil)},
		{"linear/empty", mustFail, train(empty())},
		{"linear/NaN", mustFail, train(with(good, 3, 1, math.NaN()))},
		{"linear/Inf", mustFail, train(with(good, 0, 2, math.Inf(1)))},
		{"linear/columns mismatch", mustFail, train(&pref.Comparisons{Chosen: good.Chosen, Rejected: wide.Rejected})},
		{"linear/rows mismatch", mustFail, train(&pref.Comparisons{Chosen: good.Chosen, Rejected: short.Rejected})},
		{"linear/weights length", mustFail, train(&pref.Comparisons{Chosen: good.Chosen, Rejected: good.Rejected, Weight: []float64{1, 2}})},
		{"linear/NaN weight", mustFail, train(&pref.Comparisons{Chosen: good.Chosen, Rejected: good.Rejected, Weight: nanAt(40, 7)})},
		{"linear/labelers length", mustFail, train(&pref.Comparisons{Chosen: good.Chosen, Rejected: good.Rejected, Labeler: []string{"a"}})},
		{"linear/constant features", errorOrFinite, train(constantFeatures(30, 3))},
		{"linear/constant features without L2 (singular Hessian)", errorOrFinite, func() ([]float64, error) {
			m, err := reward.TrainLinear(constantFeatures(30, 3), reward.LinearConfig{L2: reward.NoL2})
			if err != nil {
				return nil, err
			}
			return m.Params(), nil
		}},
		{"linear/separable without L2", errorOrFinite, func() ([]float64, error) {
			c := constantFeatures(30, 2)
			c.Chosen.Set(0, 0, 2)
			m, err := reward.TrainLinear(c, reward.LinearConfig{L2: reward.NoL2, MaxIterations: 20})
			if err != nil {
				return nil, err
			}
			return m.Params(), nil
		}},
		{"linear/init length", mustFail, func() ([]float64, error) {
			return errOnly2(reward.TrainLinear(good, reward.LinearConfig{Init: []float64{1}}))
		}},
		{"mlp/nil", mustFail, trainMLP(nil)},
		{"mlp/empty", mustFail, trainMLP(empty())},
		{"mlp/NaN", mustFail, trainMLP(with(good, 1, 0, math.NaN()))},
		{"mlp/columns mismatch", mustFail, trainMLP(&pref.Comparisons{Chosen: good.Chosen, Rejected: wide.Rejected})},
		{"mlp/rows mismatch", mustFail, trainMLP(&pref.Comparisons{Chosen: good.Chosen, Rejected: short.Rejected})},
		{"mlp/constant features", errorOrFinite, trainMLP(constantFeatures(30, 3))},
		{"mlp/negative width", mustFail, func() ([]float64, error) {
			return errOnly2(reward.TrainMLP(good, reward.MLPConfig{Hidden: []int{-3}}))
		}},
		{"NewMLP/no layers", mustFail, func() ([]float64, error) { return errOnly2(reward.NewMLP(nil, reward.Tanh, 0, 1)) }},
		{"NewMLP/zero width", mustFail, func() ([]float64, error) { return errOnly2(reward.NewMLP([]int{3, 0, 1}, reward.Tanh, 0, 1)) }},
		{"NewLinear/NaN", mustFail, func() ([]float64, error) { return errOnly2(reward.NewLinear([]float64{1, math.NaN()}, 0)) }},
		{"NewLinear/empty", mustFail, func() ([]float64, error) { return errOnly2(reward.NewLinear(nil, 0)) }},
		{"score/columns mismatch", mustFail, func() ([]float64, error) { return model.Score(wide.Chosen) }},
		{"margins/columns mismatch", mustFail, func() ([]float64, error) { return model.Margins(wide) }},
		{"margins/rows mismatch", mustFail, func() ([]float64, error) {
			return model.Margins(&pref.Comparisons{Chosen: good.Chosen, Rejected: short.Rejected})
		}},
		{"accuracy/empty", mustFail, func() ([]float64, error) { return one(model.Accuracy(empty())) }},
		{"loss/NaN", mustFail, func() ([]float64, error) { return one(model.Loss(with(good, 0, 0, math.NaN()))) }},
		{"accuracy/Inf", mustFail, func() ([]float64, error) { return one(model.Accuracy(with(good, 0, 0, math.Inf(1)))) }},
		{"load/garbage", mustFail, func() ([]float64, error) {
			return errOnly2(reward.Load(bytes.NewReader([]byte("{not a model"))))
		}},
		{"load/empty", mustFail, func() ([]float64, error) { return errOnly2(reward.Load(bytes.NewReader(nil))) }},
		{"normalized weights/negative", mustFail, func() ([]float64, error) {
			w := make([]float64, 40)
			w[0] = -1
			return reward.NormalizedWeights(&pref.Comparisons{Chosen: good.Chosen, Rejected: good.Rejected, Weight: w})
		}},
	})
}

// errOnly2 drops the value of a (value, error) pair.
func errOnly2[T any](_ T, err error) ([]float64, error) { return nil, err }

// one wraps a single number.
func one(v float64, err error) ([]float64, error) { return []float64{v}, err }

// nanAt returns n ones with a NaN at i.
func nanAt(n, i int) []float64 {
	w := make([]float64, n)
	for j := range w {
		w[j] = 1
	}
	w[i] = math.NaN()
	return w
}

func TestInfluenceBadInput(t *testing.T) {
	good := comparisons(30, 3, 4)
	wide := comparisons(30, 4, 5)
	model := trained(t, good)
	problem := influence.Problem{Model: model, Train: good}
	factors, err := influence.Fit(problem, influence.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// A model without regularisation on constant features: every gradient
	// is zero, so the Gauss–Newton matrix is zero (singular).
	flat := constantFeatures(20, 3)
	flatModel, err := reward.NewLinear([]float64{0, 0, 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	fit := func(p influence.Problem, cfg influence.Config) func() ([]float64, error) {
		return func() ([]float64, error) {
			f, err := influence.Fit(p, cfg)
			if err != nil {
				return nil, err
			}
			s, err := f.Scores(good)
			if err != nil {
				return nil, err
			}
			return s.RawMatrix().Data, nil
		}
	}
	cases := []badInput{
		{"fit/no model", mustFail, fit(influence.Problem{Train: good}, influence.Config{})},
		{"fit/no data", mustFail, fit(influence.Problem{Model: model}, influence.Config{})},
		{"fit/empty data", mustFail, fit(influence.Problem{Model: model, Train: empty()}, influence.Config{})},
		{"fit/NaN data", mustFail, fit(influence.Problem{Model: model, Train: with(good, 2, 2, math.NaN())}, influence.Config{})},
		{"fit/Inf data", mustFail, fit(influence.Problem{Model: model, Train: with(good, 2, 0, math.Inf(-1))}, influence.Config{})},
		{"fit/dimension mismatch", mustFail, fit(influence.Problem{Model: model, Train: wide}, influence.Config{})},
		{"fit/unknown method", mustFail, fit(problem, influence.Config{Method: influence.Method(99)})},
		{"fit/negative damping", errorOrFinite, fit(problem, influence.Config{Damping: -1e6})},
		{"scores/dimension mismatch", mustFail, func() ([]float64, error) { return errOnly2(factors.Scores(wide)) }},
		{"scores/NaN query", mustFail, func() ([]float64, error) { return errOnly2(factors.Scores(with(good, 0, 0, math.NaN()))) }},
		{"scores/empty query", mustFail, func() ([]float64, error) { return errOnly2(factors.Scores(empty())) }},
		{"leave-one-out/pair out of range", mustFail, func() ([]float64, error) {
			return errOnly2(influence.LeaveOneOut(problem, good, []int{0, 30}))
		}},
		{"leave-one-out/negative pair", mustFail, func() ([]float64, error) {
			return errOnly2(influence.LeaveOneOut(problem, good, []int{-1}))
		}},
		{"by labeler/length mismatch", mustFail, func() ([]float64, error) {
			return errOnly2(influence.ByLabeler([]float64{1, 2, 3}, []string{"a"}))
		}},
		{"mean scores/empty", errorOrFinite, func() ([]float64, error) { return influence.MeanScores(&mat.Dense{}), nil }},
		{"suspects/NaN", errorOrFinite, func() ([]float64, error) {
			influence.Suspects([]float64{1, math.NaN(), -1})
			return nil, nil
		}},
	}
	for _, m := range []influence.Method{influence.Exact, influence.CG, influence.LiSSA, influence.DataInf,
		influence.KFAC, influence.EKFAC, influence.Identity} {
		cases = append(cases, badInput{fmt.Sprintf("singular curvature/%v", m), errorOrFinite,
			fit(influence.Problem{Model: flatModel, Train: flat}, influence.Config{Method: m, LiSSADepth: 50})})
	}
	runCases(t, cases)
}

func TestPrefBadInput(t *testing.T) {
	good := comparisons(10, 3, 6)
	runCases(t, []badInput{
		{"validate/shape", mustFail, func() ([]float64, error) {
			return errOnly((&pref.Comparisons{Chosen: good.Chosen, Rejected: comparisons(10, 2, 7).Rejected}).Validate())
		}},
		{"subset/out of range", mustFail, func() ([]float64, error) { return errOnly2(good.Subset([]int{0, 10})) }},
		{"subset/negative", mustFail, func() ([]float64, error) { return errOnly2(good.Subset([]int{-1})) }},
		{"select/mask length", mustFail, func() ([]float64, error) { return errOnly2(good.Select([]bool{true})) }},
		{"flip/mask length", mustFail, func() ([]float64, error) { return errOnly(good.Clone().Flip(make([]bool, 11))) }},
		{"split/no pairs", errorOrFinite, func() ([]float64, error) { return errOnly3(pref.Split(0, 0.1, 0.1, 1)) }},
		{"split/fractions over one", mustFail, func() ([]float64, error) { return errOnly3(pref.Split(10, 0.7, 0.7, 1)) }},
		{"split/negative fraction", mustFail, func() ([]float64, error) { return errOnly3(pref.Split(10, -0.1, 0.1, 1)) }},
		{"jsonl/garbage", mustFail, func() ([]float64, error) {
			return errOnly2(pref.ReadJSONL(strings.NewReader("{\"prompt\": 1\n"), "bad.jsonl"))
		}},
		{"jsonl/missing field", mustFail, func() ([]float64, error) {
			return errOnly2(pref.ReadJSONL(strings.NewReader(`{"prompt": "p", "chosen": "a"}`+"\n"), "bad.jsonl"))
		}},
		{"csv/missing column", mustFail, func() ([]float64, error) {
			return errOnly2(pref.ReadCSV(strings.NewReader("prompt,chosen\np,a\n"), "bad.csv"))
		}},
		{"npz/garbage", mustFail, func() ([]float64, error) {
			data := []byte("PK not really a zip")
			return errOnly2(pref.ReadNPZ(bytes.NewReader(data), int64(len(data)), "bad.npz"))
		}},
	})
}

// errOnlyPool drops the pool and labels of a PoolFromTruth result.
func errOnlyPool(_ *rlthf.Pool, _ []bool, err error) ([]float64, error) { return nil, err }

// errOnly3 drops the values of a (value, value, value, error) tuple.
func errOnly3[A, B, C any](_ A, _ B, _ C, err error) ([]float64, error) { return nil, err }

func TestCompressBadInput(t *testing.T) {
	g, err := compress.NewGaussian(8, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	o, err := compress.NewOPORP(8, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	cases := []badInput{}
	for _, size := range [][2]int{{0, 4}, {8, 0}, {-1, 4}, {8, -2}} {
		d, k := size[0], size[1]
		cases = append(cases,
			badInput{fmt.Sprintf("gaussian/%d→%d", d, k), mustFail, func() ([]float64, error) { return errOnly2(compress.NewGaussian(d, k, 1)) }},
			badInput{fmt.Sprintf("oporp/%d→%d", d, k), mustFail, func() ([]float64, error) { return errOnly2(compress.NewOPORP(d, k, 1)) }})
	}
	type sketch interface {
		Compress([]float64) ([]float64, error)
		CompressRows(*mat.Dense) (*mat.Dense, error)
		CompressRowsTo(dst, src *mat.Dense) error
	}
	for name, s := range map[string]sketch{"gaussian": g, "oporp": o} {
		cases = append(cases,
			badInput{name + "/short vector", mustFail, func() ([]float64, error) { return s.Compress(make([]float64, 7)) }},
			badInput{name + "/empty vector", mustFail, func() ([]float64, error) { return s.Compress(nil) }},
			badInput{name + "/rows of wrong width", mustFail, func() ([]float64, error) { return errOnly2(s.CompressRows(mat.NewDense(2, 9, nil))) }},
			badInput{name + "/empty rows", mustFail, func() ([]float64, error) { return errOnly2(s.CompressRows(&mat.Dense{})) }},
			badInput{name + "/destination of wrong shape", mustFail, func() ([]float64, error) {
				return errOnly(s.CompressRowsTo(mat.NewDense(3, 4, nil), mat.NewDense(2, 8, nil)))
			}})
	}
	runCases(t, cases)
}

func TestRLTHFBadInput(t *testing.T) {
	truth := comparisons(60, 3, 8)
	test := comparisons(20, 3, 9)
	pool, ai, err := rlthf.PoolFromTruth(truth, test, 1)
	if err != nil {
		t.Fatal(err)
	}
	oracle := &annotate.Oracle{Truth: pool.Truth}
	runCases(t, []badInput{
		{"pool/nil", mustFail, func() ([]float64, error) { return errOnlyPool(rlthf.PoolFromTruth(nil, test, 1)) }},
		{"pool/empty", mustFail, func() ([]float64, error) { return errOnlyPool(rlthf.PoolFromTruth(empty(), test, 1)) }},
		{"run/NaN features", mustFail, func() ([]float64, error) {
			bad, badAI, err := rlthf.PoolFromTruth(with(truth, 0, 0, math.NaN()), test, 1)
			if err != nil {
				return nil, err
			}
			return errOnly2(rlthf.Run(bad, badAI, &annotate.Oracle{Truth: bad.Truth}, rlthf.Config{}))
		}},
		{"pool/test dimension", mustFail, func() ([]float64, error) {
			return errOnlyPool(rlthf.PoolFromTruth(truth, comparisons(5, 4, 10), 1))
		}},
		{"run/labels length", mustFail, func() ([]float64, error) { return errOnly2(rlthf.Run(pool, ai[:10], oracle, rlthf.Config{})) }},
		{"run/no pool", mustFail, func() ([]float64, error) { return errOnly2(rlthf.Run(nil, ai, oracle, rlthf.Config{})) }},
		{"run/no annotator", mustFail, func() ([]float64, error) { return errOnly2(rlthf.Run(pool, ai, nil, rlthf.Config{})) }},
		{"run/amplification below one", mustFail, func() ([]float64, error) {
			return errOnly2(rlthf.Run(pool, ai, oracle, rlthf.Config{Amplification: 0.5}))
		}},
		{"run/constant features", errorOrFinite, func() ([]float64, error) {
			flat, flatAI, err := rlthf.PoolFromTruth(constantFeatures(40, 3), nil, 1)
			if err != nil {
				return nil, err
			}
			res, err := rlthf.Run(flat, flatAI, &annotate.Oracle{Truth: flat.Truth}, rlthf.Config{})
			if err != nil {
				return nil, err
			}
			return res.Model.Params(), nil
		}},
		{"curve/empty", mustFail, func() ([]float64, error) { return errOnly2(rlthf.NewCurve(nil, 1, 0)) }},
		{"curve/NaN", mustFail, func() ([]float64, error) { return errOnly2(rlthf.NewCurve([]float64{1, math.NaN()}, 1, 0)) }},
		{"curve/Inf", mustFail, func() ([]float64, error) { return errOnly2(rlthf.NewCurve([]float64{math.Inf(1), 0}, 1, 0)) }},
		{"curve/equal margins", errorOrFinite, func() ([]float64, error) { return errOnly2(rlthf.NewCurve([]float64{1, 1, 1, 1}, 1, 0)) }},
		{"landmarks/empty", errorOrFinite, func() ([]float64, error) {
			rlthf.FindLandmarks(nil, 0)
			return nil, nil
		}},
		{"rolling accuracy/zero width", errorOrFinite, func() ([]float64, error) {
			return rlthf.RollingAccuracy([]bool{true, false}, 0), nil
		}},
		{"orient/length mismatch", mustFail, func() ([]float64, error) {
			return errOnly2(rlthf.OrientTexts(pref.Dataset{{Prompt: "p", Chosen: "a", Rejected: "b"}}, []bool{true, false}))
		}},
	})
}

// interrupted runs f with job's context cancelled after delay (at once when
// delay is 0) and returns f's error.
func interrupted(delay time.Duration, f func() error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if delay == 0 {
		cancel()
	} else {
		time.AfterFunc(delay, cancel)
	}
	unbind := job.Bind(ctx, nil)
	defer unbind()
	return f()
}

// assertIntact checks that m still has the parameters it had (a copy in
// want), all finite, and still scores rows of c.
func assertIntact(t *testing.T, m reward.Model, want []float64, c *pref.Comparisons) {
	t.Helper()
	got := m.Params()
	for i := range want {
		if got[i] != want[i] || math.IsNaN(got[i]) || math.IsInf(got[i], 0) {
			t.Fatalf("parameter %d is %v after the interruption, was %v", i, got[i], want[i])
		}
	}
	scores, err := m.Score(c.Chosen)
	if err != nil {
		t.Fatalf("the model no longer scores: %v", err)
	}
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			t.Fatalf("score %d is %v", i, s)
		}
	}
}

func TestInterruptedJobsLeaveModelsIntact(t *testing.T) {
	data := comparisons(200, 5, 11)
	base, err := reward.TrainMLP(data, reward.MLPConfig{Hidden: []int{8}, Epochs: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	linear := trained(t, data)
	baseParams := append([]float64(nil), base.Params()...)
	linearParams := append([]float64(nil), linear.Params()...)
	pool, ai, err := rlthf.PoolFromTruth(data, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Both at once (a cancelled context) and part-way through (jobs sized
	// to run far longer than the delay).
	both := []time.Duration{0, 50 * time.Millisecond}
	jobs := []struct {
		name   string
		model  reward.Model
		want   []float64
		delays []time.Duration
		run    func() error
	}{
		{"MLP warm start", base, baseParams, both, func() error {
			_, err := reward.TrainMLP(data, reward.MLPConfig{Init: base, Epochs: 1 << 30})
			return err
		}},
		{"linear warm start", linear, linearParams, []time.Duration{0}, func() error {
			// The model's own parameters as the start, on other data, so
			// that training must move them.
			_, err := reward.TrainLinear(comparisons(200, 5, 12), reward.LinearConfig{Init: linear.Params()})
			return err
		}},
		{"influence fit", base, baseParams, both, func() error {
			f, err := influence.Fit(influence.Problem{Model: base, Train: data}, influence.Config{Method: influence.LiSSA,
				LiSSADepth: 1 << 30, LiSSABatch: 1})
			if err == nil {
				_, err = f.Scores(data)
			}
			return err
		}},
		// RLTHF on a small pool ends within milliseconds: interrupted at
		// once, it must leave its pool's pairs as they were.
		{"RLTHF loop", linear, linearParams, []time.Duration{0}, func() error {
			before := mat.DenseCopyOf(pool.Pairs.Chosen)
			_, err := rlthf.Run(pool, ai, &annotate.Oracle{Truth: pool.Truth}, rlthf.Config{})
			if !mat.Equal(before, pool.Pairs.Chosen) {
				return fmt.Errorf("the pool changed: %w", err)
			}
			return err
		}},
	}
	for _, j := range jobs {
		for _, delay := range j.delays {
			t.Run(fmt.Sprintf("%s/after %v", j.name, delay), func(t *testing.T) {
				if err := interrupted(delay, j.run); !errors.Is(err, job.ErrInterrupted) {
					t.Fatalf("got %v, want job.ErrInterrupted", err)
				}
				assertIntact(t, j.model, j.want, data)
			})
		}
	}
}
