package compress_test

import (
	"math"
	"math/rand/v2"
	"slices"
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

// sketchMoments returns the mean and variance over seeds of ⟨y, y'⟩ for
// the OPORP sketches of x and x' built by sketch(seed).
func sketchMoments(t *testing.T, x, xp []float64, seeds int, sketch func(seed uint64) *compress.OPORP) (mean, variance float64) {
	t.Helper()
	sum, sumSq := 0.0, 0.0
	for s := 0; s < seeds; s++ {
		p := sketch(uint64(s))
		y, err := p.Compress(x)
		if err != nil {
			t.Fatal(err)
		}
		yp, err := p.Compress(xp)
		if err != nil {
			t.Fatal(err)
		}
		v := floats.Dot(y, yp)
		sum += v
		sumSq += v * v
	}
	mean = sum / float64(seeds)
	return mean, sumSq/float64(seeds) - mean*mean
}

func TestOPORPVarianceMatchesTheory(t *testing.T) {
	// Li & Li's variance with ±1 signs and fixed-length bins:
	// (a² + ‖x‖²‖x'‖² − 2Σxᵢ²x'ᵢ²)/K · (D−K)/(D−1). The normalised
	// estimator is far better for strongly aligned vectors.
	const d, k, seeds = 64, 8, 20000
	rng := rand.New(rand.NewPCG(4, 4))
	x, xp := make([]float64, d), make([]float64, d)
	for i := range x {
		x[i] = rng.NormFloat64()
		xp[i] = 0.9*x[i] + 0.3*rng.NormFloat64()
	}
	a := floats.Dot(x, xp)
	cross := 0.0
	for i := range x {
		cross += x[i] * x[i] * xp[i] * xp[i]
	}
	want := (a*a + floats.Dot(x, x)*floats.Dot(xp, xp) - 2*cross) / k * (d - k) / (d - 1)
	plain := func(seed uint64) *compress.OPORP { p, _ := compress.NewOPORP(d, k, seed); return p }
	mean, got := sketchMoments(t, x, xp, seeds, plain)
	// The variance of a sample variance of this many draws is a few
	// percent; 10% is well outside it.
	if math.Abs(got-want) > 0.1*want {
		t.Errorf("variance %.1f, theory %.1f", got, want)
	}
	if se := math.Sqrt(got / seeds); math.Abs(mean-a) > 4*se {
		t.Errorf("mean %.2f ± %.2f, exact %.2f", mean, se, a)
	}
	normalized := func(seed uint64) *compress.OPORP {
		p, _ := compress.NewOPORP(d, k, seed)
		p.Normalized = true
		return p
	}
	if _, nv := sketchMoments(t, x, xp, seeds, normalized); nv > got/3 {
		t.Errorf("normalised variance %.1f is not well below the unnormalised %.1f at cosine %.2f", nv, got, a/floats.Norm(x, 2)/floats.Norm(xp, 2))
	}
}

func TestLayeredOPORP(t *testing.T) {
	blocks := []int{300, 40, 5}
	p, err := compress.NewLayeredOPORP(blocks, 36, 9)
	if err != nil {
		t.Fatal(err)
	}
	// Bins proportional to the block sizes (31.3, 4.2, 0.5), at least one each.
	if got := p.OutputBlocks(); !slices.Equal(got, []int{31, 4, 1}) {
		t.Fatalf("bins per block %v, want [31 4 1]", got)
	}
	if p.InputDim() != 345 || p.OutputDim() != 36 {
		t.Fatalf("dims %d→%d", p.InputDim(), p.OutputDim())
	}
	// A vector living in one block is sketched into that block's bins only,
	// and with Normalized each block keeps its norm exactly.
	p.Normalized = true
	lo, first := 0, 0
	for b, size := range blocks {
		x := make([]float64, 345)
		for i := lo; i < lo+size; i++ {
			x[i] = float64(i%7) - 2.5
		}
		y, err := p.Compress(x)
		if err != nil {
			t.Fatal(err)
		}
		k := p.OutputBlocks()[b]
		for j, v := range y {
			if (j < first || j >= first+k) && v != 0 {
				t.Fatalf("block %d leaks into bin %d", b, j)
			}
		}
		if math.Abs(floats.Norm(y, 2)-floats.Norm(x, 2)) > 1e-12*floats.Norm(x, 2) {
			t.Fatalf("block %d: sketched norm %v, input norm %v", b, floats.Norm(y, 2), floats.Norm(x, 2))
		}
		lo += size
		first += k
	}
	// Norms whose squares overflow or underflow are kept too.
	for _, scale := range []float64{1e200, 1e-160} {
		x := make([]float64, 345)
		for i := range x {
			x[i] = scale * float64(i%5+1)
		}
		y, _ := p.Compress(x)
		if got, want := floats.Norm(y, 2), floats.Norm(x, 2); math.Abs(got-want) > 1e-12*want {
			t.Errorf("inputs of scale %g: sketched norm %v, input norm %v", scale, got, want)
		}
	}
	for _, tc := range []struct {
		blocks []int
		k      int
	}{{nil, 4}, {[]int{3, 0}, 2}, {[]int{3, 3}, 1}, {[]int{3, 3}, 7}} {
		if _, err := compress.NewLayeredOPORP(tc.blocks, tc.k, 1); err == nil {
			t.Errorf("blocks %v, K=%d accepted", tc.blocks, tc.k)
		}
	}
}
