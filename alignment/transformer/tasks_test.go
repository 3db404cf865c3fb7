package transformer_test

import (
	"flag"
	"testing"
	"time"

	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/tokenizer"
	"github.com/golign/golign/alignment/transformer"
)

var full = flag.Bool("full", false, "train the default model on the full tasks corpus and check its samples (minutes)")

// tasksSetup returns n corpus examples, their BPE tokenizer and training
// sequences.
func tasksSetup(t testing.TB, n int, seed uint64) ([]tasks.Example, *tokenizer.BPE, []transformer.Sequence) {
	ex, err := tasks.Generate(tasks.CorpusConfig{N: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tasks.TrainTokenizer(ex, 0)
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := tasks.TrainingSequences(ex, tok, false)
	if err != nil {
		t.Fatal(err)
	}
	return ex, tok, seqs
}

// TestDefaultModelLearnsTasks trains on the tasks corpus: briefly a small
// model by default, and with -full the default model for the default
// number of steps, checking that its samples are on topic and follow the
// principles.
func TestDefaultModelLearnsTasks(t *testing.T) {
	n, cfg, train := 200, transformer.Config{Layers: 1, Width: 32, Seed: 1}, transformer.TrainConfig{Steps: 30, BatchSize: 8, Seed: 1}
	if *full {
		n, cfg, train = 2000, transformer.Config{Seed: 1}, transformer.TrainConfig{Seed: 1}
	}
	_, tok, seqs := tasksSetup(t, n, 1)
	cfg.Vocab = tok.VocabSize()
	m, err := transformer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	test, err := tasks.Generate(tasks.CorpusConfig{N: 64, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	held, err := tasks.TrainingSequences(test, tok, false)
	if err != nil {
		t.Fatal(err)
	}
	before, err := m.Loss(held)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := transformer.Train(m, seqs, train)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	after, _ := m.Loss(held)
	t.Logf("%d parameters, %d steps in %v: held-out loss %.3f → %.3f nats/token", m.NumParams(), len(res.Losses), elapsed, before, after)
	if !*full {
		if after > before-1 {
			t.Errorf("held-out loss %v → %v: training does not learn", before, after)
		}
		return
	}
	if after > 0.35 {
		t.Errorf("held-out loss %v, want < 0.35", after)
	}
	stop, _ := tasks.StopToken(tok)
	means := map[string]tasks.MeanScores{}
	for _, p := range []string{"", tasks.BeConcise, tasks.BePolite} {
		ctx, err := tasks.Contexts(test, tok, p)
		if err != nil {
			t.Fatal(err)
		}
		out, err := policy.Sample(m, ctx, policy.SampleConfig{Temperature: 0.7, StopTokens: []int{stop}, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := tasks.Decode(tok, out)
		_, means[p], _ = tasks.ScoreResponses(test, resp)
		t.Logf("principle %q: %+v; e.g. %q", p, means[p], resp[0])
	}
	none := means[""]
	if none.Helpfulness < 0.8 {
		t.Errorf("helpfulness %v of samples, want ≥ 0.8", none.Helpfulness)
	}
	if c := means[tasks.BeConcise]; c.Words > 0.7*none.Words {
		t.Errorf("%q: %v words against %v without", tasks.BeConcise, c.Words, none.Words)
	}
	if p := means[tasks.BePolite]; p.Politeness < none.Politeness+0.3 {
		t.Errorf("%q: politeness %v against %v without", tasks.BePolite, p.Politeness, none.Politeness)
	}
}

// BenchmarkSampleDefaultModel measures batched sampling (16 prompts, 64
// tokens each, KV-cached) from the default model on the tasks vocabulary.
func BenchmarkSampleDefaultModel(b *testing.B) {
	ex, tok, _ := tasksSetup(b, 200, 1)
	m, err := transformer.New(transformer.Config{Vocab: tok.VocabSize()})
	if err != nil {
		b.Fatal(err)
	}
	ctx, _ := tasks.Contexts(ex[:16], tok, tasks.BeConcise)
	b.ResetTimer()
	tokens := 0
	for i := 0; i < b.N; i++ {
		out, err := policy.Sample(m, ctx, policy.SampleConfig{MaxTokens: 64, Seed: uint64(i)})
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			tokens += len(o)
		}
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}
