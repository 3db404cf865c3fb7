package irl

import (
	"fmt"
	"strings"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

// TaskRow is one method's result in CompareOnTask.
type TaskRow struct {
	// Method is "initial", "checkpoint" (the SFT checkpoint the methods
	// continue from, when there is one), "SFT", "RFT" or "IRFT"; Stages
	// is IRFT's T.
	Method string
	Stages int
	// Evaluation holds the true reward of samples on the held-out
	// questions and the KL to the model the methods start from.
	Evaluation *Evaluation
	// WinRate is the fraction of held-out questions on which the
	// method's sample has a higher true reward than SFT's (ties half).
	WinRate float64
	// RewardVsSFT is the mean over held-out questions of the method's
	// true reward minus SFT's on the same question, with its standard
	// error over questions (paired, so smaller than the rewards' own).
	RewardVsSFT MeanErr
	// Gap is the implicit-reward gap (β log π/π_start, π_start the model
	// the methods start from) between the clean and the forbidden-phrase
	// version of held-out responses.
	Gap Gap
	// DemoGap is the implicit-reward gap on the training demonstrations:
	// each demonstration against a sample of the start model for the
	// same prompt (drawn with Evaluate's settings), the pairs IRFT's first
	// stage contrasts.
	DemoGap Gap
	// Losses is the training curve (nil for the initial model).
	Losses []float64
}

// TaskComparison configures CompareOnTask. Its zero value compares SFT,
// RFT and IRFT at T = 1, 2, 5 from the initial model, each with Config's
// defaults, evaluating with samples at temperature 1 under the
// no-principle reward (helpfulness × harmlessness).
type TaskComparison struct {
	// Stages are the IRFT stage counts compared; nil means 1, 2, 5.
	Stages []int
	// Checkpoint, when its Steps is positive, first fine-tunes the
	// initial model with SFT on the demonstrations; every method then
	// continues from this SFT checkpoint, as Li et al. start IRFT from
	// the SFT model (zephyr-7b-sft-full) on the same SFT data. SFT is
	// then continued SFT: the baseline with the same extra steps. KL and
	// implicit-reward gaps are measured against the checkpoint. When
	// Checkpoint.Steps is 0, the methods start from the initial model.
	Checkpoint Config
	// SFT, RFT and IRFT configure each method; their learning rates are
	// tuned apart, since the methods' gradients differ in kind (IRFT's
	// Stages is set from Stages). Their Sampling gets the newline as a
	// stop token.
	SFT, RFT, IRFT Config
	// StageSteps, when positive, gives every IRFT stage StageSteps
	// optimiser steps (T·StageSteps in all: the paper's protocol of one
	// pass over the demonstrations per stage); when 0, IRFT.Steps are
	// split over the stages.
	StageSteps int
	// Evaluate samples the held-out responses; its StopTokens get the
	// newline. The implicit-reward gap uses IRFT's β.
	Evaluate policy.SampleConfig
}

// CompareOnTask fine-tunes copies of a start model on the demonstrations
// examples with SFT, RFT (reward features tasks.Features) and IRFT at each
// number of stages, and evaluates the initial model, the start model and
// each result on the held-out questions: true reward, KL to the start
// model, win rate against SFT and the implicit-reward gap on the pairs
// TaskPairs builds from held. The start model is the initial model, or
// its SFT checkpoint when cfg.Checkpoint.Steps is positive.
func CompareOnTask(initial *transformer.Model, tok tokenizer.Tokenizer, examples, held []tasks.Example, cfg TaskComparison) ([]TaskRow, error) {
	if initial == nil || tok == nil {
		return nil, fmt.Errorf("irl: nil model or tokenizer")
	}
	if cfg.StageSteps < 0 {
		return nil, fmt.Errorf("irl: StageSteps %d must be ≥ 0", cfg.StageSteps)
	}
	demos, err := TaskDemonstrations(tok, examples)
	if err != nil {
		return nil, err
	}
	pairs, err := TaskPairs(tok, held)
	if err != nil {
		return nil, err
	}
	stop, err := tasks.StopToken(tok)
	if err != nil {
		return nil, err
	}
	withStop := func(c Config) Config {
		c.Sampling.StopTokens = append([]int{stop}, c.Sampling.StopTokens...)
		return c
	}
	sft, rft, irft := withStop(cfg.SFT), withStop(cfg.RFT), withStop(cfg.IRFT)
	eval := cfg.Evaluate
	eval.StopTokens = append([]int{stop}, eval.StopTokens...)
	stages := cfg.Stages
	if stages == nil {
		stages = []int{1, 2, 5}
	}
	type run struct {
		method string
		stages int
		train  func(m *transformer.Model) (*Result, error)
	}
	runs := []run{
		{"SFT", 0, func(m *transformer.Model) (*Result, error) { return SFT(m, demos, sft) }},
		{"RFT", 0, func(m *transformer.Model) (*Result, error) { return RFT(m, demos, TaskFeatures(tok, examples), rft) }},
	}
	for _, t := range stages {
		c := irft
		c.Stages = t
		if cfg.StageSteps > 0 {
			c.Steps = t * cfg.StageSteps
		}
		runs = append(runs, run{"IRFT", t, func(m *transformer.Model) (*Result, error) { return IRFT(m, demos, c) }})
	}
	start := initial
	rows := []TaskRow{{Method: "initial"}}
	models := []*transformer.Model{initial}
	if cfg.Checkpoint.Steps > 0 {
		start = initial.Clone()
		res, err := SFT(start, demos, withStop(cfg.Checkpoint))
		if err != nil {
			return nil, fmt.Errorf("irl: SFT checkpoint: %w", err)
		}
		rows = append(rows, TaskRow{Method: "checkpoint", Losses: res.Losses})
		models = append(models, start)
	}
	for _, r := range runs {
		m := start.Clone()
		res, err := r.train(m)
		if err != nil {
			return nil, fmt.Errorf("irl: %s: %w", label(r.method, r.stages), err)
		}
		rows = append(rows, TaskRow{Method: r.method, Stages: r.stages, Losses: res.Losses})
		models = append(models, m)
	}
	demoPairs, err := DemonstrationPairs(start, demos, eval)
	if err != nil {
		return nil, err
	}
	sftRow := -1
	for k, m := range models {
		if rows[k].Evaluation, err = EvaluateOnTask(m, start, tok, held, "", eval); err != nil {
			return nil, err
		}
		if rows[k].Gap, err = ImplicitRewardGap(m, start, pairs, irft.beta()); err != nil {
			return nil, err
		}
		if rows[k].DemoGap, err = ImplicitRewardGap(m, start, demoPairs, irft.beta()); err != nil {
			return nil, err
		}
		if rows[k].Method == "SFT" {
			sftRow = k
		}
	}
	base := rows[sftRow].Evaluation.Rewards
	for k := range rows {
		own := rows[k].Evaluation.Rewards
		if rows[k].WinRate, err = WinRate(own, base); err != nil {
			return nil, err
		}
		diff := make([]float64, len(own))
		for i := range own {
			diff[i] = own[i] - base[i]
		}
		rows[k].RewardVsSFT = meanErr(diff)
	}
	return rows, nil
}

// label names a method with its stage count.
func label(method string, stages int) string {
	switch method {
	case "IRFT":
		return fmt.Sprintf("IRFT T=%d", stages)
	case "checkpoint":
		return "SFT ckpt"
	}
	return method
}

// Label returns the row's method with IRFT's stage count ("IRFT T=2"),
// the SFT checkpoint as "SFT ckpt".
func (r TaskRow) Label() string { return label(r.Method, r.Stages) }

// Label returns the row's method with IRFT's stage count ("IRFT T=2").
func (r LinearRow) Label() string { return label(r.Method, r.Stages) }

// TaskTable formats CompareOnTask's rows as a text table. "demo r" is the
// demonstrations' implicit reward β·log π/π_start (DemoGap.Chosen).
func TaskTable(rows []TaskRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %13s %14s %9s %10s %8s %7s %9s %9s %9s\n", "method", "true reward", "minus SFT's", "forbidden", "win vs SFT", "gap", "gap acc", "demo gap", "demo r", "KL")
	for _, r := range rows {
		forbidden := 0.0
		for _, s := range r.Evaluation.Responses {
			if tasks.ContainsForbidden(s) {
				forbidden += 1 / float64(len(r.Evaluation.Responses))
			}
		}
		fmt.Fprintf(&b, "%-10s %7.3f±%.3f %+7.3f±%.3f %9.2f %10.2f %8.3f %7.2f %9.3f %+9.3f %9.2f\n", r.Label(), r.Evaluation.Reward, r.Evaluation.StdErr, r.RewardVsSFT.Mean, r.RewardVsSFT.StdErr, forbidden, r.WinRate, r.Gap.Mean, r.Gap.Accuracy, r.DemoGap.Mean, r.DemoGap.Chosen, r.Evaluation.KL)
	}
	return b.String()
}

// LinearTable formats CompareLinear's rows as a text table.
func LinearTable(rows []LinearRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %11s %11s %7s %7s %7s\n", "method", "low-quality", "true reward", "expert", "KL", "cosine")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-10s %11.2f %11.3f %7.3f %7.3f %7.3f\n", r.Label(), r.LowQuality, r.TrueReward, r.Expert, r.KL, r.Cosine)
	}
	return b.String()
}
