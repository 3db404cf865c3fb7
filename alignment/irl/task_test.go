package irl

import (
	"math"
	"testing"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/transformer"
)

// TestCompareFromCheckpoint checks the comparison that continues from an
// SFT checkpoint against the same steps taken by hand: the continued-SFT
// row is SFT of SFT(initial), evaluated (rewards, KL) against the
// checkpoint; the checkpoint has no KL or gap to itself; IRFT gets
// StageSteps steps per stage; win rates are against continued SFT.
func TestCompareFromCheckpoint(t *testing.T) {
	corpus, err := tasks.Generate(tasks.CorpusConfig{N: 200, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tasks.TrainTokenizer(corpus, 0)
	if err != nil {
		t.Fatal(err)
	}
	initial, err := transformer.New(transformer.Config{Vocab: tok.VocabSize(), Layers: 1, Width: 16, Heads: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	examples, err := tasks.Generate(tasks.CorpusConfig{N: 8, TriggerRate: 0.5, PoisonRate: 0.5, PrincipleRate: -1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	held, err := tasks.Generate(tasks.CorpusConfig{N: 6, TriggerRate: 0.5, PoisonRate: -1, PrincipleRate: -1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	sampling := policy.SampleConfig{MaxTokens: 8}
	cfg := TaskComparison{
		Stages:     []int{1, 2},
		Checkpoint: Config{Steps: 4, BatchSize: 4, LearningRate: 1e-2, Seed: 1},
		SFT:        Config{Steps: 3, BatchSize: 4, LearningRate: 1e-2, Seed: 2},
		RFT:        Config{Steps: 2, BatchSize: 4, Samples: 2, Sampling: sampling, Seed: 3},
		IRFT:       Config{BatchSize: 4, Sampling: sampling, Seed: 4},
		StageSteps: 2,
		Evaluate:   policy.SampleConfig{MaxTokens: 8, Seed: 5},
	}
	rows, err := CompareOnTask(initial, tok, examples, held, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, r := range rows {
		labels = append(labels, r.Label())
	}
	want := []string{"initial", "SFT ckpt", "SFT", "RFT", "IRFT T=1", "IRFT T=2"}
	if len(labels) != len(want) {
		t.Fatalf("rows %v, want %v", labels, want)
	}
	for k := range want {
		if labels[k] != want[k] {
			t.Fatalf("rows %v, want %v", labels, want)
		}
	}

	demos, err := TaskDemonstrations(tok, examples)
	if err != nil {
		t.Fatal(err)
	}
	stop, _ := tasks.StopToken(tok)
	withStop := func(c Config) Config {
		c.Sampling.StopTokens = []int{stop}
		return c
	}
	checkpoint := initial.Clone()
	ckRes, err := SFT(checkpoint, demos, withStop(cfg.Checkpoint))
	if err != nil {
		t.Fatal(err)
	}
	continued := checkpoint.Clone()
	if _, err := SFT(continued, demos, withStop(cfg.SFT)); err != nil {
		t.Fatal(err)
	}
	eval := cfg.Evaluate
	eval.StopTokens = []int{stop}
	ev, err := EvaluateOnTask(continued, checkpoint, tok, held, "", eval)
	if err != nil {
		t.Fatal(err)
	}
	got := rows[2].Evaluation
	if math.Abs(got.KL-ev.KL) > 1e-12 || !(ev.KL > 0) {
		t.Errorf("continued SFT: KL to the checkpoint %v, by hand %v", got.KL, ev.KL)
	}
	for i := range ev.Rewards {
		if got.Rewards[i] != ev.Rewards[i] || got.Responses[i] != ev.Responses[i] {
			t.Fatalf("continued SFT: held-out answer %d %q (reward %v), by hand %q (%v)", i, got.Responses[i], got.Rewards[i], ev.Responses[i], ev.Rewards[i])
		}
	}
	for i, l := range ckRes.Losses {
		if rows[1].Losses[i] != l {
			t.Fatalf("checkpoint losses %v, by hand %v", rows[1].Losses, ckRes.Losses)
		}
	}
	if ck := rows[1]; ck.Evaluation.KL != 0 || ck.Gap.Mean != 0 || ck.DemoGap.Mean != 0 {
		t.Errorf("checkpoint: KL %v, gap %v and demonstration gap %v to itself, want 0", ck.Evaluation.KL, ck.Gap.Mean, ck.DemoGap.Mean)
	}
	samples, err := sampleResponses(checkpoint, demos.Contexts, Config{Sampling: eval}, eval.Seed)
	if err != nil {
		t.Fatal(err)
	}
	demoGap, err := ImplicitRewardGap(continued, checkpoint, &Pairs{Contexts: demos.Contexts, Chosen: demos.Responses, Rejected: samples}, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rows[2].DemoGap.Mean-demoGap.Mean) > 1e-12 || demoGap.Mean == 0 {
		t.Errorf("continued SFT: gap on the demonstrations %v, by hand %v", rows[2].DemoGap.Mean, demoGap.Mean)
	}
	if !(rows[0].Evaluation.KL > 0) {
		t.Errorf("initial model: KL to the checkpoint %v, want > 0", rows[0].Evaluation.KL)
	}
	for _, r := range rows {
		var sum float64
		for i, v := range r.Evaluation.Rewards {
			sum += v - got.Rewards[i]
		}
		if mean := sum / float64(len(got.Rewards)); math.Abs(r.RewardVsSFT.Mean-mean) > 1e-12 {
			t.Errorf("%s: reward minus SFT's %v, by hand %v", r.Label(), r.RewardVsSFT.Mean, mean)
		}
	}
	if rows[2].RewardVsSFT != (MeanErr{}) {
		t.Errorf("SFT's reward minus its own %+v, want 0", rows[2].RewardVsSFT)
	}
	if rows[2].WinRate != 0.5 {
		t.Errorf("SFT's win rate against itself %v, want 0.5", rows[2].WinRate)
	}
	for _, r := range rows[4:] {
		if len(r.Losses) != r.Stages*cfg.StageSteps {
			t.Errorf("%s: %d steps, want %d per stage", r.Label(), len(r.Losses), cfg.StageSteps)
		}
	}
	if _, err := CompareOnTask(initial, tok, examples, held, TaskComparison{StageSteps: -1}); err == nil {
		t.Error("negative StageSteps: no error")
	}
}

// TestSummarizeTaskRuns checks means and standard errors over runs against
// values computed by hand, and that runs with other methods are refused.
func TestSummarizeTaskRuns(t *testing.T) {
	row := func(method string, stages int, reward, win, gap, kl float64) TaskRow {
		return TaskRow{Method: method, Stages: stages, WinRate: win, Gap: Gap{Mean: gap}, DemoGap: Gap{Mean: 2 * gap}, Evaluation: &Evaluation{Reward: reward, KL: kl}, RewardVsSFT: MeanErr{Mean: reward - 0.6}}
	}
	runs := [][]TaskRow{
		{row("SFT", 0, 0.5, 0.5, 1, 0.2), row("IRFT", 5, 0.6, 0.7, 3, 1)},
		{row("SFT", 0, 0.7, 0.5, 2, 0.4), row("IRFT", 5, 0.6, 0.5, 5, 2)},
		{row("SFT", 0, 0.6, 0.5, 3, 0.6), row("IRFT", 5, 0.9, 0.6, 4, 3)},
	}
	s, err := SummarizeTaskRuns(runs)
	if err != nil {
		t.Fatal(err)
	}
	// SFT rewards 0.5, 0.7, 0.6: mean 0.6, Σ(v − mean)² = 0.02, s.e. sqrt(0.02/6).
	// IRFT gaps 3, 5, 4: mean 4, Σ = 2, s.e. sqrt(2/6).
	cases := []struct {
		name      string
		got, want MeanErr
	}{
		{"SFT reward", s[0].Reward, MeanErr{0.6, math.Sqrt(0.02 / 6)}},
		{"SFT win rate", s[0].WinRate, MeanErr{0.5, 0}},
		{"IRFT gap", s[1].Gap, MeanErr{4, math.Sqrt(2.0 / 6)}},
		{"IRFT gap on the demonstrations", s[1].DemoGap, MeanErr{8, 2 * math.Sqrt(2.0/6)}},
		{"IRFT KL", s[1].KL, MeanErr{2, math.Sqrt(2.0 / 6)}},
		{"IRFT reward", s[1].Reward, MeanErr{0.7, math.Sqrt(0.06 / 6)}},
		{"IRFT reward minus SFT's", s[1].RewardVsSFT, MeanErr{0.1, math.Sqrt(0.06 / 6)}},
	}
	for _, c := range cases {
		if math.Abs(c.got.Mean-c.want.Mean) > 1e-12 || math.Abs(c.got.StdErr-c.want.StdErr) > 1e-12 {
			t.Errorf("%s: %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if s[1].Label() != "IRFT T=5" || s[1].Runs != 3 {
		t.Errorf("summary %s over %d runs, want IRFT T=5 over 3", s[1].Label(), s[1].Runs)
	}
	runs[2][1].Stages = 2
	if _, err := SummarizeTaskRuns(runs); err == nil {
		t.Error("runs with other methods: no error")
	}
	if _, err := SummarizeTaskRuns(nil); err == nil {
		t.Error("no runs: no error")
	}
}
