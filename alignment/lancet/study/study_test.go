package study

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/lancet"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/tasks"
)

var (
	setupOnce sync.Once
	shared    *Setup
	sharedErr error
)

// tinySetup trains the small seeded setup once for all tests.
func tinySetup(t *testing.T) *Setup {
	t.Helper()
	setupOnce.Do(func() {
		shared, sharedErr = Prepare(Config{Examples: 300, Width: 32, Layers: 1, Steps: 250, EvalPrompts: 32, Seed: 1})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// queriesAndScores samples the model's forbidden answers on the seen trigger
// prompts and scores the training data against them.
func queriesAndScores(t *testing.T, s *Setup, method lancet.Method) []float64 {
	t.Helper()
	q, err := lancet.FindQueries(s.Model, s.Tokenizer, s.Triggers, s.Eval.Detect, s.Eval.Sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Sequences) == 0 {
		t.Fatal("the model never produced the forbidden phrase on trigger prompts")
	}
	for _, text := range q.Texts {
		if !tasks.ContainsForbidden(text) {
			t.Fatalf("query %q lacks the forbidden phrase", text)
		}
	}
	f, err := lancet.FitLinFAC(s.Model, s.Train, lancet.LinFACConfig{Method: method, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	scores, err := f.Scores(q.Sequences, s.Train)
	if err != nil {
		t.Fatal(err)
	}
	return scores
}

func TestPlantedFraction(t *testing.T) {
	s := tinySetup(t)
	frac := float64(len(s.PlantedIndices())) / float64(len(s.Train))
	if frac < 0.03 || frac > 0.12 {
		t.Errorf("planted fraction %.3f, want about 0.07", frac)
	}
	for _, e := range s.Examples {
		if heldOutTrigger(e) {
			t.Fatalf("held-out trigger question %q in training", e.Question)
		}
	}
}

func TestLinFACDetectsPlantedExamples(t *testing.T) {
	s := tinySetup(t)
	auc, err := metrics.ROCAUC(queriesAndScores(t, s, lancet.EKFAC), s.Planted)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("EK-FAC detection ROC-AUC %.3f", auc)
	if auc < 0.7 {
		t.Errorf("ROC-AUC of planted examples %.3f, want well above chance (≥ 0.7)", auc)
	}
}

func TestIBOLowersForbiddenRate(t *testing.T) {
	s := tinySetup(t)
	split, err := lancet.SplitByScore(queriesAndScores(t, s, lancet.EKFAC), 0.1, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := lancet.RandomPairs(split, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Model.Clone()
	before, err := lancet.BehaviourRate(m, s.Tokenizer, s.Eval.Seen, s.Eval.Detect, s.Eval.Sample)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lancet.IBO(m, s.Train, pairs, lancet.IBOConfig{StepConfig: lancet.StepConfig{Steps: 40, LearningRate: 3e-3, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := lancet.BehaviourRate(m, s.Tokenizer, s.Eval.Seen, s.Eval.Detect, s.Eval.Sample)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("forbidden rate on seen triggers %.3f → %.3f; IBO loss %.3f → %.3f", before, after, res.Losses[0], res.Losses[len(res.Losses)-1])
	if before < 0.3 || after > before/2 {
		t.Errorf("forbidden rate %.3f → %.3f, want it at least halved from a clear behaviour", before, after)
	}
	if res.Losses[len(res.Losses)-1] >= res.Losses[0] {
		t.Errorf("IBO loss did not fall: %v", res.Losses)
	}
}

func TestGradientAscentRaisesForgetLoss(t *testing.T) {
	s := tinySetup(t)
	forget := make([]int, 0)
	forget = append(forget, s.PlantedIndices()...)
	seqs := lancet.Without(s.Train, nil)
	var fs = seqs[:0:0]
	for _, i := range forget {
		fs = append(fs, seqs[i])
	}
	m := s.Model.Clone()
	before, err := m.Loss(fs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lancet.GradientAscent(m, fs, lancet.StepConfig{Steps: 10}); err != nil {
		t.Fatal(err)
	}
	after, err := m.Loss(fs)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("loss on the forgotten examples %.3f → %.3f, want a rise", before, after)
	}
}

func TestPostTrainingInterrupt(t *testing.T) {
	s := tinySetup(t)
	pairs := []lancet.Pair{{Chosen: 0, Rejected: s.PlantedIndices()[0]}}
	m := s.Model.Clone()
	orig := append([]float64(nil), m.Params()...)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unbind := job.Bind(ctx, nil)
	res, err := lancet.IBO(m, s.Train, pairs, lancet.IBOConfig{})
	unbind()
	if !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("IBO under a cancelled context: err %v, want job.ErrInterrupted", err)
	}
	if len(res.Losses) != 0 {
		t.Errorf("%d steps ran after the interrupt", len(res.Losses))
	}
	for i, v := range m.Params() {
		if v != orig[i] {
			t.Fatalf("parameter %d changed by an interrupted run", i)
		}
	}

	ctx, cancel = context.WithCancel(context.Background())
	stopper := &cancelOnUpdate{cancel: cancel}
	unbind = job.Bind(ctx, stopper)
	res, err = lancet.GradientAscent(m, s.Train[:4], lancet.StepConfig{Steps: 1 << 20})
	unbind()
	if stopper.done == 0 || len(res.Losses) == 0 {
		t.Errorf("no step ran before the interrupt")
	}
	if !errors.Is(err, job.ErrInterrupted) {
		t.Fatalf("interrupted gradient ascent: err %v, want job.ErrInterrupted", err)
	}
	for i, v := range m.Params() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("parameter %d is %g after the interrupt", i, v)
		}
	}
	if _, err := m.Loss(s.Train[:4]); err != nil {
		t.Errorf("model unusable after the interrupt: %v", err)
	}
}

// cancelOnUpdate is a progress reporter that interrupts the computation at
// its first progress update, after at least one step.
type cancelOnUpdate struct {
	cancel context.CancelFunc
	done   int
}

func (c *cancelOnUpdate) Begin(string, int) job.Meter { return c }
func (c *cancelOnUpdate) Update(done int)             { c.done = done; c.cancel() }
func (c *cancelOnUpdate) End(int, error)              {}

func TestCorrectedRemovesPhrase(t *testing.T) {
	s := tinySetup(t)
	idx := s.PlantedIndices()
	fixed, err := s.Corrected(idx)
	if err != nil {
		t.Fatal(err)
	}
	for k, seq := range fixed {
		text, err := s.Tokenizer.Decode(seq.Tokens)
		if err != nil {
			t.Fatal(err)
		}
		if tasks.ContainsForbidden(text) {
			t.Errorf("corrected example %d still holds the phrase: %q", idx[k], text)
		}
	}
	if _, err := s.Corrected([]int{-1}); err == nil {
		t.Error("Corrected accepted index -1")
	}
}
