package compress_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/compress"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

type sketch interface {
	CompressRows(src *mat.Dense) (*mat.Dense, error)
	Compress(x []float64) ([]float64, error)
}

// gradientLike returns n rows of dimension d with a shared low-rank
// direction plus noise, like per-example gradients, so that inner products
// vary widely.
func gradientLike(n, d int, seed uint64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	base := make([][]float64, 4)
	for k := range base {
		base[k] = make([]float64, d)
		for j := range base[k] {
			base[k][j] = rng.NormFloat64()
		}
	}
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := x.RawRowView(i)
		for k := range base {
			floats.AddScaled(row, rng.NormFloat64(), base[k])
		}
		for j := range row {
			row[j] += 0.5 * rng.NormFloat64()
		}
	}
	return x
}

func TestSketchesPreserveInnerProducts(t *testing.T) {
	const n, d = 60, 4096
	x := gradientLike(n, d, 2)
	var exact mat.Dense
	exact.Mul(x, x.T())
	oporp, _ := compress.NewOPORP(d, d/16, 3)
	gauss, _ := compress.NewGaussian(d, d/16, 3)
	for _, tc := range []struct {
		name string
		s    sketch
	}{{"OPORP", oporp}, {"Gaussian", gauss}} {
		y, err := tc.s.CompressRows(x)
		if err != nil {
			t.Fatal(err)
		}
		var approx mat.Dense
		approx.Mul(y, y.T())
		var a, b []float64
		for i := 0; i < n; i++ {
			for j := 0; j < i; j++ {
				a = append(a, exact.At(i, j))
				b = append(b, approx.At(i, j))
			}
		}
		if r := stat.Correlation(a, b, nil); r < 0.99 {
			t.Errorf("%s at D/K = 16: Pearson %.4f < 0.99", tc.name, r)
		}
	}
}

func TestOPORPIsUnbiased(t *testing.T) {
	// Average the sketched inner product over many seeds: it converges to
	// the exact one (standard error ~ ‖x‖‖x'‖/√(K·seeds)).
	const d, k, seeds = 256, 16, 4000
	x := gradientLike(2, d, 5)
	want := floats.Dot(x.RawRowView(0), x.RawRowView(1))
	sum, sumSq := 0.0, 0.0
	for s := uint64(0); s < seeds; s++ {
		p, _ := compress.NewOPORP(d, k, s)
		y, _ := p.CompressRows(x)
		v := floats.Dot(y.RawRowView(0), y.RawRowView(1))
		sum += v
		sumSq += v * v
	}
	mean := sum / seeds
	se := math.Sqrt((sumSq/seeds - mean*mean) / seeds)
	if math.Abs(mean-want) > 4*se {
		t.Fatalf("mean sketched inner product %.2f ± %.2f, exact %.2f", mean, se, want)
	}
}

func TestOPORPBinsAndSigns(t *testing.T) {
	// With K = D every bin holds one coordinate: the sketch is a signed
	// permutation and preserves norms exactly.
	p, _ := compress.NewOPORP(10, 10, 1)
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	y, _ := p.Compress(x)
	if math.Abs(floats.Norm(y, 2)-floats.Norm(x, 2)) > 1e-12 {
		t.Fatalf("norm %v vs %v", floats.Norm(y, 2), floats.Norm(x, 2))
	}
	abs := make([]float64, len(y))
	for i, v := range y {
		abs[i] = math.Abs(v)
	}
	if floats.Sum(abs) != floats.Sum(x) {
		t.Fatalf("sketch %v is not a signed permutation of %v", y, x)
	}
	// The same seed gives the same sketch; K not dividing D still works.
	a, _ := compress.NewOPORP(10, 3, 7)
	b, _ := compress.NewOPORP(10, 3, 7)
	ya, _ := a.Compress(x)
	yb, _ := b.Compress(x)
	if !floats.Equal(ya, yb) {
		t.Fatal("same seed, different sketch")
	}
	if _, err := compress.NewOPORP(4, 8, 1); err == nil {
		t.Fatal("K > D accepted")
	}
	if _, err := a.Compress([]float64{1, 2}); err == nil {
		t.Fatal("wrong input length accepted")
	}
}

func BenchmarkOPORP(b *testing.B) {
	x := gradientLike(1000, 4096, 1)
	p, _ := compress.NewOPORP(4096, 256, 1)
	dst := mat.NewDense(1000, 256, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.CompressRowsTo(dst, x); err != nil {
			b.Fatal(err)
		}
	}
}
