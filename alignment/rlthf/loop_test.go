package rlthf

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/rlthf/annotate"
	"gonum.org/v1/gonum/mat"
)

// fixedModel is a TrainFunc ignoring its data and returning the linear
// model θ.
func fixedModel(theta ...float64) TrainFunc {
	return func(*pref.Comparisons) (reward.Model, error) { return reward.NewLinear(theta, 1) }
}

// linePool has one feature, A = i and B = 0, so θ = 1 gives pair i the
// margin i: a straight curve.
func linePool(n int) *Pool {
	a := mat.NewDense(n, 1, nil)
	for i := range n {
		a.Set(i, 0, float64(i))
	}
	return &Pool{Pairs: &pref.Comparisons{Chosen: a, Rejected: mat.NewDense(n, 1, nil)}}
}

func allTrue(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

func TestRunDegenerateInputs(t *testing.T) {
	p := newBiasedProblem(t, 400, 200, 4, 3)
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	tests := []struct {
		name   string
		pool   *Pool
		ai     []bool
		cfg    Config
		humans int    // human labels expected
		note   string // a note expected in the result
	}{
		{"budget 0", p.pool, p.ai, Config{Budget: NoHuman, Iterations: 2}, 0, "no human budget"},
		{"all margins equal", p.pool, p.ai, Config{Train: fixedModel(0, 0, 0, 0), Iterations: 2, Budget: 5}, 10, "all margins are equal"},
		{"no knee", linePool(300), allTrue(300), Config{Train: fixedModel(1), Budget: 4, Shard: 1}, 12, "no knee"},
		{"shard smaller than the budget", p.pool, p.ai, Config{Shard: 0.05, Budget: 50, Iterations: 2}, 20, "only 20 of the budget of 50"},
		{"budget spent early", p.pool, p.ai, Config{Budget: 7, MaxHuman: 10, Iterations: 3}, 10, "budget of 10 labels is spent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var humans annotate.Annotator = oracle
			if tc.pool.Truth == nil {
				humans = annotate.Func(func(int) (bool, error) { return true, nil })
			}
			res, err := Run(tc.pool, tc.ai, humans, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.HumanLabels != tc.humans {
				t.Errorf("%d human labels, want %d", res.HumanLabels, tc.humans)
			}
			if n := countTrue(res.Human); n != res.HumanLabels {
				t.Errorf("%d pairs marked human but %d human labels", n, res.HumanLabels)
			}
			if !slices.ContainsFunc(res.Notes, func(s string) bool { return strings.Contains(s, tc.note) }) {
				t.Errorf("notes %q lack %q", res.Notes, tc.note)
			}
		})
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

func TestRunRejectsBadInput(t *testing.T) {
	p := newBiasedProblem(t, 100, 50, 3, 1)
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	tests := []struct {
		name   string
		pool   *Pool
		ai     []bool
		humans annotate.Annotator
		cfg    Config
		want   string
	}{
		{"no pool", nil, nil, oracle, Config{}, "no pool"},
		{"label count", p.pool, p.ai[:10], oracle, Config{}, "10 AI labels for 100 pairs"},
		{"truth count", &Pool{Pairs: p.pool.Pairs, Truth: p.pool.Truth[:5]}, p.ai, oracle, Config{}, "5 ground-truth labels"},
		{"negative budget", p.pool, p.ai, oracle, Config{Budget: -5}, "budget -5"},
		{"back-off", p.pool, p.ai, oracle, Config{BackOff: 1.5}, "back-off ratio 1.5"},
		{"amplification", p.pool, p.ai, oracle, Config{Amplification: 0.5}, "amplification ratio 0.5"},
		{"iterations", p.pool, p.ai, oracle, Config{Iterations: -1}, "-1 iterations"},
		{"shard", p.pool, p.ai, oracle, Config{Shard: math.NaN()}, "shard fraction"},
		{"no annotator", p.pool, p.ai, nil, Config{}, "no annotator"},
		{"annotator error", p.pool, p.ai, annotate.Func(func(int) (bool, error) { return false, errors.New("offline") }), Config{}, "offline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(tc.pool, tc.ai, tc.humans, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// An interrupted annotation session resumed from its journal ends exactly
// like an uninterrupted one, and asks no pair twice.
func TestRunResumesFromJournal(t *testing.T) {
	p := newBiasedProblem(t, 1000, 200, 6, 5)
	cfg := Config{Budget: 15, Iterations: 3, Seed: 9}
	oracle := &annotate.Oracle{Truth: p.pool.Truth, NoiseRate: 0.1, Seed: 2}
	want, err := Run(p.pool, p.ai, oracle, cfg)
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "answers.jsonl")
	asked := map[int]int{}
	stopAfter := 20
	person := annotate.Func(func(pair int) (bool, error) {
		if stopAfter == 0 {
			return false, annotate.ErrStopped
		}
		stopAfter--
		asked[pair]++
		return oracle.Annotate(pair)
	})
	j, err := annotate.OpenJournal(path, person, "oracle")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(p.pool, p.ai, j, cfg); !errors.Is(err, annotate.ErrStopped) {
		t.Fatalf("first session: %v, want ErrStopped", err)
	}
	j.Close()

	stopAfter = -1 // no limit
	j, err = annotate.OpenJournal(path, person, "oracle")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got, err := Run(p.pool, p.ai, j, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Labels, want.Labels) || !slices.Equal(got.Human, want.Human) {
		t.Error("resumed run ended with other labels than an uninterrupted one")
	}
	if got.TestAccuracy != want.TestAccuracy {
		t.Errorf("test accuracy %v, uninterrupted %v", got.TestAccuracy, want.TestAccuracy)
	}
	for pair, n := range asked {
		if n > 1 {
			t.Errorf("pair %d asked %d times", pair, n)
		}
	}
	if len(asked) != want.HumanLabels {
		t.Errorf("%d pairs asked, %d human labels", len(asked), want.HumanLabels)
	}
}

// Each round's record is consistent with the labels: flips and human labels
// add up, the band lies after the head, and the shard's label accuracy rises
// from the AI labeler's.
func TestRunRecords(t *testing.T) {
	p := newBiasedProblem(t, 2000, 500, 6, 8)
	res, err := Run(p.pool, p.ai, &annotate.Oracle{Truth: p.pool.Truth}, Config{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Iterations) != 3 || len(res.Shard) != 500 {
		t.Fatalf("%d rounds over %d pairs, want 3 over 500", len(res.Iterations), len(res.Shard))
	}
	humans := 0
	for _, it := range res.Iterations {
		if !(it.HeadEnd <= it.BandStart && it.BandStart <= it.TailStart && it.TailStart <= len(it.Curve.Margins)) {
			t.Errorf("round %d: head %d band %d tail %d", it.Index, it.HeadEnd, it.BandStart, it.TailStart)
		}
		if it.Budget != 20 || it.SentToHumans != 20 {
			t.Errorf("round %d: %d of %d sent to humans, want 20 of 20", it.Index, it.SentToHumans, it.Budget)
		}
		humans += it.SentToHumans
		if it.Flipped > 0 && !(it.FlipPrecision > 0.5) {
			t.Errorf("round %d: flip precision %.2f", it.Index, it.FlipPrecision)
		}
	}
	if humans != res.HumanLabels {
		t.Errorf("rounds sent %d pairs, result has %d human labels", humans, res.HumanLabels)
	}
	aiAcc := p.pool.labelAccuracy(p.ai, res.Shard)
	if last := res.Iterations[2].LabelAccuracy; !(last > aiAcc+0.05) {
		t.Errorf("shard label accuracy %.3f after 3 rounds, AI labels %.3f", last, aiAcc)
	}
}

// BenchmarkIteration times one RLTHF round on 100,000 pairs of 32 features:
// training the reward model on the current labels, sorting the margin curve,
// finding its landmarks, flipping, and 4% of the pairs sent to an oracle.
func BenchmarkIteration(b *testing.B) {
	p := newBiasedProblem(b, 100000, 10, 32, 1)
	s, err := Config{Shard: 1}.settle(p.pool.Pairs.Len())
	if err != nil {
		b.Fatal(err)
	}
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	b.ResetTimer()
	for range b.N {
		st := newLoopState(p.pool, s, p.ai)
		model, err := train(s.Train, p.pool.Pairs, s.shard, st.labels, st.weight)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := st.round(0, model, oracle, job.Start("bench", 0)); err != nil {
			b.Fatal(err)
		}
	}
}

// An interrupt (the cancelled context of the running cell) stops the loop,
// the baselines and the sweep with job.ErrInterrupted.
func TestInterrupted(t *testing.T) {
	p := newBiasedProblem(t, 300, 100, 4, 2)
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unbind := job.Bind(ctx, nil)
	defer unbind()
	calls := map[string]func() error{
		"Run":      func() error { _, err := Run(p.pool, p.ai, oracle, Config{}); return err },
		"Baseline": func() error { _, err := Baseline(FullHuman, p.pool, p.ai, oracle, 0, Config{}); return err },
		"Sweep":    func() error { _, err := Sweep(p.pool, p.ai, oracle, SweepConfig{}); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, job.ErrInterrupted) {
			t.Errorf("%s: got %v, want job.ErrInterrupted", name, err)
		}
	}
}

type recordingReporter struct{ labels []string }

func (r *recordingReporter) Begin(label string, total int) job.Meter {
	r.labels = append(r.labels, label)
	return silentMeter{}
}

type silentMeter struct{}

func (silentMeter) Update(int)     {}
func (silentMeter) End(int, error) {}

// A run or a sweep shows at most one progress bar, never one per model it
// trains.
func TestOneProgressBar(t *testing.T) {
	p := newBiasedProblem(t, 300, 100, 4, 2)
	oracle := &annotate.Oracle{Truth: p.pool.Truth}
	calls := map[string]func() error{
		"RLTHF":              func() error { _, err := Run(p.pool, p.ai, oracle, Config{}); return err },
		"RLTHF budget sweep": func() error { _, err := Sweep(p.pool, p.ai, oracle, SweepConfig{}); return err },
	}
	for want, call := range calls {
		r := &recordingReporter{}
		unbind := job.Bind(context.Background(), r)
		err := call()
		unbind()
		if err != nil {
			t.Fatal(err)
		}
		// Tasks shorter than job's display delay show nothing, so a fast
		// run may show no bar; it must never show the model fits' own.
		if len(r.labels) > 1 || len(r.labels) == 1 && r.labels[0] != want {
			t.Errorf("progress bars %q, want at most one %q", r.labels, want)
		}
	}
}
