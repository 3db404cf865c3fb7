package irl

import (
	"fmt"
	"math"
	"strings"
)

// MeanErr is a mean over runs and its standard error
// sqrt(Σ(v − mean)²/(n(n−1))) (0 for one run).
type MeanErr struct {
	Mean, StdErr float64
}

// meanErr returns the mean of vs and its standard error.
func meanErr(vs []float64) MeanErr {
	var m MeanErr
	n := float64(len(vs))
	for _, v := range vs {
		m.Mean += v / n
	}
	if n > 1 {
		var ss float64
		for _, v := range vs {
			ss += (v - m.Mean) * (v - m.Mean)
		}
		m.StdErr = math.Sqrt(ss / (n * (n - 1)))
	}
	return m
}

// TaskSummary is one method's results over several runs of CompareOnTask
// (other seeds), each measure's mean over the runs with its standard error
// over them.
type TaskSummary struct {
	// Method and Stages name the method as in TaskRow.
	Method string
	Stages int
	// Runs is the number of runs.
	Runs int
	// Reward is the mean true reward of held-out samples, WinRate the win
	// rate against SFT, Gap the mean implicit-reward gap and KL the KL to
	// the model the methods start from. RewardVsSFT is the mean of the
	// runs' paired reward differences to SFT (TaskRow.RewardVsSFT) and
	// DemoGap the mean gap on the demonstrations (TaskRow.DemoGap).
	Reward, RewardVsSFT, WinRate, Gap, DemoGap, KL MeanErr
}

// Label returns the method with IRFT's stage count, as TaskRow.Label.
func (s TaskSummary) Label() string { return label(s.Method, s.Stages) }

// SummarizeTaskRuns averages the rows of several CompareOnTask runs with
// the same methods in the same order, one summary per method.
func SummarizeTaskRuns(runs [][]TaskRow) ([]TaskSummary, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("irl: no runs to summarise")
	}
	out := make([]TaskSummary, len(runs[0]))
	for k, r := range runs[0] {
		var reward, diff, win, gap, demoGap, kl []float64
		for i, run := range runs {
			if len(run) != len(runs[0]) || run[k].Method != r.Method || run[k].Stages != r.Stages || run[k].Evaluation == nil {
				return nil, fmt.Errorf("irl: run %d does not have run 0's methods (row %d: %s)", i, k, r.Label())
			}
			reward = append(reward, run[k].Evaluation.Reward)
			diff = append(diff, run[k].RewardVsSFT.Mean)
			win = append(win, run[k].WinRate)
			gap = append(gap, run[k].Gap.Mean)
			demoGap = append(demoGap, run[k].DemoGap.Mean)
			kl = append(kl, run[k].Evaluation.KL)
		}
		out[k] = TaskSummary{Method: r.Method, Stages: r.Stages, Runs: len(runs),
			Reward: meanErr(reward), RewardVsSFT: meanErr(diff), WinRate: meanErr(win), Gap: meanErr(gap), DemoGap: meanErr(demoGap), KL: meanErr(kl)}
	}
	return out, nil
}

// SummaryTable formats SummarizeTaskRuns's summaries as a text table of
// means ± standard errors over runs.
func SummaryTable(summaries []TaskSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %13s %14s %12s %13s %13s %11s\n", "method", "true reward", "minus SFT's", "win vs SFT", "gap", "demo gap", "KL")
	for _, s := range summaries {
		fmt.Fprintf(&b, "%-10s %7.3f±%.3f %+7.3f±%.3f %6.2f±%.2f %7.3f±%.3f %7.3f±%.3f %6.2f±%.2f\n", s.Label(),
			s.Reward.Mean, s.Reward.StdErr, s.RewardVsSFT.Mean, s.RewardVsSFT.StdErr, s.WinRate.Mean, s.WinRate.StdErr,
			s.Gap.Mean, s.Gap.StdErr, s.DemoGap.Mean, s.DemoGap.StdErr, s.KL.Mean, s.KL.StdErr)
	}
	return b.String()
}
