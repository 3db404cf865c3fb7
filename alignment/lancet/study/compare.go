package study

import (
	"fmt"

	"github.com/golign/golign/alignment/lancet"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/transformer"
)

// Detection is how well one estimator's scores retrieve the planted examples.
type Detection struct {
	// Method is the curvature of the scores.
	Method lancet.Method
	// Scores holds the influence of every training example on the queries.
	Scores []float64
	// ROCAUC, PrecisionAtK and RecallAtK score the ranking against the
	// planted examples, with k the number of planted examples.
	ROCAUC, PrecisionAtK, RecallAtK float64
	// FalsePositiveRate and TruePositiveRate trace the ROC curve.
	FalsePositiveRate, TruePositiveRate []float64
}

// Detect scores the training data against the queries with each method
// (LinFAC factors fitted with cfg, its Method replaced) and measures the
// retrieval of the planted examples.
func Detect(s *Setup, q *lancet.Queries, methods []lancet.Method, cfg lancet.LinFACConfig) ([]Detection, error) {
	if q == nil || len(q.Sequences) == 0 {
		return nil, fmt.Errorf("study: Detect: no queries")
	}
	k := len(s.PlantedIndices())
	out := make([]Detection, 0, len(methods))
	for _, m := range methods {
		cfg.Method = m
		f, err := lancet.FitLinFAC(s.Model, s.Train, cfg)
		if err != nil {
			return nil, err
		}
		d := Detection{Method: m}
		if d.Scores, err = f.Scores(q.Sequences, s.Train); err != nil {
			return nil, err
		}
		if d.ROCAUC, err = metrics.ROCAUC(d.Scores, s.Planted); err != nil {
			return nil, err
		}
		if d.PrecisionAtK, err = metrics.PrecisionAtK(d.Scores, s.Planted, k); err != nil {
			return nil, err
		}
		if d.RecallAtK, err = metrics.RecallAtK(d.Scores, s.Planted, k); err != nil {
			return nil, err
		}
		if d.FalsePositiveRate, d.TruePositiveRate, err = metrics.ROCCurve(d.Scores, s.Planted); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// CompareConfig configures Compare. The zero value retrieves the top 10% of
// the training data, runs 40 steps of 8 items at a learning rate of 1e-3 for
// every post-training correction, and IBO with β = 0.5 on two random pairs
// per influential example against the bottom half.
type CompareConfig struct {
	// Retrieve is the fraction of the training data taken as influential;
	// 0 means 0.1.
	Retrieve float64
	// Steps, BatchSize and LearningRate apply to IBO, gradient ascent and
	// fine-tuning alike; 0 means 40, 8 and 1e-3.
	Steps, BatchSize int
	LearningRate     float64
	// Beta is IBO's β; 0 means 0.5.
	Beta float64
	// Seed seeds pairing, batches and sampling.
	Seed uint64
}

// Outcome is one corrected model and its evaluation.
type Outcome struct {
	// Name says how the model was obtained.
	Name string
	// Model is the corrected model.
	Model *transformer.Model
	// Eval measures it against the original model.
	Eval *lancet.Evaluation
}

// Compare corrects the model of s in each way of the LANCET comparison and
// evaluates every result against the original model:
//
//   - "original": the model as trained;
//   - "retrain without planted (oracle)": a fresh model trained without the
//     planted examples;
//   - "IBO (LinFAC)" and "IBO (identity)": IBO on the examples that linfac
//     and identity scores retrieve;
//   - "gradient ascent (LinFAC)": unlearning the LinFAC-retrieved examples;
//   - "fine-tune on corrected (LinFAC)": training on the LinFAC-retrieved
//     examples with the forbidden phrase removed.
func Compare(s *Setup, linfac, identity []float64, cfg CompareConfig) ([]Outcome, error) {
	if len(linfac) != len(s.Train) || len(identity) != len(s.Train) {
		return nil, fmt.Errorf("study: Compare: %d and %d scores for %d training examples", len(linfac), len(identity), len(s.Train))
	}
	retrieve := cfg.Retrieve
	if retrieve == 0 {
		retrieve = 0.1
	}
	steps := pick(cfg.Steps, 40)
	lr := cfg.LearningRate
	if lr == 0 {
		lr = 1e-3
	}
	beta := cfg.Beta
	if beta == 0 {
		beta = 0.5
	}
	step := lancet.StepConfig{Steps: steps, BatchSize: cfg.BatchSize, LearningRate: lr, Seed: cfg.Seed}
	out := []Outcome{{Name: "original", Model: s.Model}}
	oracle, err := s.Retrain(s.PlantedIndices())
	if err != nil {
		return nil, err
	}
	out = append(out, Outcome{Name: "retrain without planted (oracle)", Model: oracle})

	ibo := func(name string, scores []float64) error {
		split, err := lancet.SplitByScore(scores, retrieve, 0.5)
		if err != nil {
			return err
		}
		pairs, err := lancet.RandomPairs(split, 2, cfg.Seed)
		if err != nil {
			return err
		}
		m := s.Model.Clone()
		if _, err := lancet.IBO(m, s.Train, pairs, lancet.IBOConfig{StepConfig: step, Beta: beta}); err != nil {
			return err
		}
		out = append(out, Outcome{Name: name, Model: m})
		return nil
	}
	if err := ibo("IBO (LinFAC)", linfac); err != nil {
		return nil, err
	}
	if err := ibo("IBO (identity)", identity); err != nil {
		return nil, err
	}
	split, err := lancet.SplitByScore(linfac, retrieve, 0.5)
	if err != nil {
		return nil, err
	}
	ga := s.Model.Clone()
	if _, err := lancet.GradientAscent(ga, lancet.Subset(s.Train, split.Influential), step); err != nil {
		return nil, err
	}
	out = append(out, Outcome{Name: "gradient ascent (LinFAC)", Model: ga})
	fixed, err := s.Corrected(split.Influential)
	if err != nil {
		return nil, err
	}
	ft := s.Model.Clone()
	bs := pick(cfg.BatchSize, 8)
	if _, err := transformer.Train(ft, fixed, transformer.TrainConfig{Steps: steps, BatchSize: bs, LearningRate: lr, WarmupSteps: -1, Seed: cfg.Seed}); err != nil {
		return nil, err
	}
	out = append(out, Outcome{Name: "fine-tune on corrected (LinFAC)", Model: ft})
	for i := range out {
		if out[i].Eval, err = lancet.Evaluate(out[i].Model, s.Model, s.Eval); err != nil {
			return nil, fmt.Errorf("study: evaluating %s: %w", out[i].Name, err)
		}
	}
	return out, nil
}
