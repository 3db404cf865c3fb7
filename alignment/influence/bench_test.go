package influence_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/golign/golign/alignment/backend"
	"github.com/golign/golign/alignment/compress"
	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"github.com/golign/golign/alignment/synth"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// gradientLike returns n rows of dimension d: a random combination of 8
// shared directions plus isotropic noise, the structure of per-example
// gradients (seeded).
func gradientLike(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 2))
	const rank = 8
	base := mat.NewDense(rank, d, nil)
	coef := mat.NewDense(n, rank, nil)
	for _, m := range []*mat.Dense{base, coef} {
		raw := m.RawMatrix().Data
		for i := range raw {
			raw[i] = rng.NormFloat64()
		}
	}
	g := mat.NewDense(n, d, nil)
	g.Mul(coef, base)
	raw := g.RawMatrix().Data
	for i := range raw {
		raw[i] += 0.5 * rng.NormFloat64()
	}
	return g
}

// The DataInf benchmark's sizes: 100,000 training gradients × 100 queries at
// D = 4096, the size at which golign is compared with NumPy.
const (
	benchTrain   = 100_000
	benchQueries = 100
	benchDim     = 4096
)

var benchData = sync.OnceValues(func() (*mat.Dense, *mat.Dense) {
	return gradientLike(benchTrain, benchDim, 1), gradientLike(benchQueries, benchDim, 2)
})

// BenchmarkDataInfScores fits DataInf to 100k in-memory training gradients
// (D = 4096) and scores 100 queries, uncompressed and after OPORP to K =
// 256 and 512 (compression included in the time). Same computation as
// testdata/datainf_numpy.py.
func BenchmarkDataInfScores(b *testing.B) {
	b.Logf("BLAS backend: %s", backend.Name())
	g, q := benchData()
	for _, k := range []int{0, 256, 512} {
		name := "uncompressed"
		var c influence.Compressor
		if k > 0 {
			name = fmt.Sprintf("OPORP-K%d", k)
			c, _ = compress.NewOPORP(benchDim, k, 1)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				f, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf, Compressor: c})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.ScoresOfGradients(q); err != nil {
					b.Fatal(err)
				}
			}
			dim := benchDim
			if k > 0 {
				dim = k
			}
			flops := 6.0 * benchQueries * benchTrain * float64(dim)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// mlpProblem returns an MLP reward head with D = 64·64 + 64 = 4160
// parameters over n synthetic pairs of 63 features, and 100 query pairs.
func mlpProblem(b *testing.B, n int) (*reward.MLP, *pref.Comparisons, *pref.Comparisons) {
	train, _ := rewardtest.Synthetic(n, 63, 3, 3)
	query, _ := rewardtest.Synthetic(benchQueries, 63, 3, 4)
	m, err := reward.NewMLP([]int{63, 64}, reward.Tanh, 1e-3, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m, train, query
}

// BenchmarkDataInfFromModel streams the per-pair gradients of 100k pairs
// through an MLP (D = 4160) in blocks instead of holding them (3.3 GB).
func BenchmarkDataInfFromModel(b *testing.B) {
	m, train, query := mlpProblem(b, benchTrain)
	for b.Loop() {
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{Method: influence.DataInf})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Scores(query); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEKFAC fits EK-FAC factors of the MLP on 10k pairs and scores 100
// queries.
func BenchmarkEKFAC(b *testing.B) {
	m, train, query := mlpProblem(b, 10_000)
	for b.Loop() {
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{Method: influence.EKFAC})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Scores(query); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExactCholesky forms and factorises the Hessian of a linear model
// with d = 1024 on 10k pairs and scores 100 queries.
func BenchmarkExactCholesky(b *testing.B) {
	all, _ := rewardtest.Synthetic(10_000+benchQueries, 1024, 3, 5)
	train := rewardtest.Subset(all, seq(0, 10_000))
	query := rewardtest.Subset(all, seq(10_000, 10_000+benchQueries))
	theta := make([]float64, 1024)
	floats.AddConst(0.01, theta)
	m := &reward.Linear{Theta: theta, L2: 1e-3}
	for b.Loop() {
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Scores(query); err != nil {
			b.Fatal(err)
		}
	}
}

// compressionData is the setting of the notebook's compression sweep at a
// larger size: an MLP reward model (16 → 512 → 1, D = 9216) trained on 2,000
// length-biased synthetic pairs, and the concise validation pairs as
// queries (about 180), each scored against every training pair.
var compressionData = sync.OnceValues(func() (influence.Problem, *pref.Comparisons) {
	data, err := synth.Generate(synth.Config{Seed: 1, Pairs: 2000, Validation: 400, Sharpness: 1, UtilityNorm: 1,
		Labelers: []synth.Labeler{{Bias: synth.LengthBiased, Rate: 0.2}}})
	if err != nil {
		panic(err)
	}
	concise, err := synth.ChosenLower(data.Validation, synth.LengthFeature)
	if err != nil {
		panic(err)
	}
	query, err := data.Validation.Select(concise)
	if err != nil {
		panic(err)
	}
	m, err := reward.TrainMLP(data.Train, reward.MLPConfig{Hidden: []int{512}, Epochs: 10, Seed: 1})
	if err != nil {
		panic(err)
	}
	return influence.Problem{Model: m, Train: data.Train}, query
})

// BenchmarkCompressedDataInf times the two stages of DataInf influence,
// uncompressed and on a layered OPORP sketch at D/K = 8: fit (per-pair
// gradients computed, sketched and held once) and score (q × n pairwise
// scores of the concise queries). The compressed score stage reports its
// Spearman correlation with the uncompressed scores (averaged over
// queries); compare the ns/op of the matching stages for the speed-up.
func BenchmarkCompressedDataInf(b *testing.B) {
	p, query := compressionData()
	D := p.Model.NumParams()
	sketch, err := influence.LayeredOPORP(p.Model, D/8, 1)
	if err != nil {
		b.Fatal(err)
	}
	fit := func(b *testing.B, c influence.Compressor) *influence.Factors {
		f, err := influence.Fit(p, influence.Config{Method: influence.DataInf, Compressor: c})
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	score := func(b *testing.B, f *influence.Factors) *mat.Dense {
		s, err := f.Scores(query)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	reference := score(b, fit(b, nil))
	for _, c := range []struct {
		name   string
		sketch influence.Compressor
	}{{"uncompressed", nil}, {fmt.Sprintf("OPORP-D%d-K%d", D, D/8), sketch}} {
		b.Run(c.name+"/fit", func(b *testing.B) {
			for b.Loop() {
				fit(b, c.sketch)
			}
		})
		b.Run(c.name+"/score", func(b *testing.B) {
			f := fit(b, c.sketch)
			var s *mat.Dense
			for b.Loop() {
				s = score(b, f)
			}
			b.ReportMetric(meanRowSpearman(b, s, reference), "spearman")
		})
	}
}
