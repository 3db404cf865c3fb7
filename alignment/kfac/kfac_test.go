package kfac

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// randomDense returns an r×c matrix of standard normal entries.
func randomDense(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	raw := m.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	return m
}

// randomBatch returns n examples of a layer (in inputs, out outputs) with
// terms uses each and positive weights.
func randomBatch(rng *rand.Rand, n, terms, in, out int) Batch {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.1 + rng.Float64()
	}
	return Batch{Inputs: randomDense(rng, n*terms, in), OutputGrads: randomDense(rng, n*terms, out), Terms: terms, Weights: w}
}

// gradients returns the row-major vectorised weight gradients
// vec G_i = Σ_t s ⊗ a of a batch's examples, computed entry by entry.
func gradients(bt Batch) [][]float64 {
	rows, in := bt.Inputs.Dims()
	_, out := bt.OutputGrads.Dims()
	terms := max(bt.Terms, 1)
	n := rows / terms
	gs := make([][]float64, n)
	for i := range gs {
		gs[i] = make([]float64, out*in)
		for t := 0; t < terms; t++ {
			r := t*n + i
			for o := 0; o < out; o++ {
				for j := 0; j < in; j++ {
					gs[i][o*in+j] += bt.OutputGrads.At(r, o) * bt.Inputs.At(r, j)
				}
			}
		}
	}
	return gs
}

// fisher returns F = Σ_i w_i vec(G_i) vec(G_i)ᵀ over the batches' examples.
func fisher(batches ...Batch) *mat.SymDense {
	var f *mat.SymDense
	for _, bt := range batches {
		for i, g := range gradients(bt) {
			if f == nil {
				f = mat.NewSymDense(len(g), nil)
			}
			f.SymRankOne(f, bt.Weights[i], mat.NewVecDense(len(g), g))
		}
	}
	return f
}

// basisOf returns the eigenbasis of the factors of the batches' rows with
// unit weights.
func basisOf(t testing.TB, in, out int, batches ...Batch) *Eigenbasis {
	t.Helper()
	c, err := NewCovariances(in, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, bt := range batches {
		if err := c.AddInputs(bt.Inputs, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.AddOutputGrads(bt.OutputGrads, nil); err != nil {
			t.Fatal(err)
		}
	}
	e, err := c.Eigenbasis()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// shapes are the layer shapes and terms per example of the batch tests:
// one and two terms take the pairwise path, (3, 5×4) rotates the rows
// first and (6, 3×2) rotates each example's gradient.
var shapes = []struct{ terms, in, out int }{
	{1, 3, 2}, {2, 4, 3}, {2, 1, 3}, {3, 5, 4}, {6, 3, 2},
}

// TestCovariancesAreWeightedSecondMoments checks A and S against
// Σ_r w_r x_r x_rᵀ summed row by row, for no, equal and varied weights.
func TestCovariancesAreWeightedSecondMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 1))
	const rows, in, out = 7, 3, 4
	varied := make([]float64, rows)
	for i := range varied {
		varied[i] = rng.Float64()
	}
	for _, weights := range [][]float64{nil, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, varied} {
		c, err := NewCovariances(in, out)
		if err != nil {
			t.Fatal(err)
		}
		a, s := randomDense(rng, rows, in), randomDense(rng, rows, out)
		if err := c.AddInputs(a, weights); err != nil {
			t.Fatal(err)
		}
		if err := c.AddOutputGrads(s, weights); err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			got *mat.SymDense
			x   *mat.Dense
		}{{c.a, a}, {c.s, s}} {
			_, n := f.x.Dims()
			want := mat.NewSymDense(n, nil)
			for r := 0; r < rows; r++ {
				w := 1.0
				if weights != nil {
					w = weights[r]
				}
				want.SymRankOne(want, w, f.x.RowView(r))
			}
			if !mat.EqualApprox(f.got, want, 1e-12) {
				t.Errorf("weights %v: second moment\n%v\nwant\n%v", weights, mat.Formatted(f.got), mat.Formatted(want))
			}
		}
	}
}

// TestKFACIsExactForIndependentFactors builds a layer whose inputs and
// output gradients are independent (every input paired once with every
// output gradient), whose Fisher is exactly S ⊗ A, and checks that K-FAC
// reproduces it, and that EK-FAC's refitted eigenvalues equal K-FAC's.
func TestKFACIsExactForIndependentFactors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const p, q, in, out = 5, 4, 3, 2
	as, ss := randomDense(rng, p, in), randomDense(rng, q, out)
	bt := Batch{Inputs: mat.NewDense(p*q, in, nil), OutputGrads: mat.NewDense(p*q, out, nil), Weights: make([]float64, p*q)}
	for j := 0; j < p; j++ {
		for k := 0; k < q; k++ {
			bt.Inputs.SetRow(j*q+k, as.RawRowView(j))
			bt.OutputGrads.SetRow(j*q+k, ss.RawRowView(k))
			bt.Weights[j*q+k] = 1.0 / (p * q)
		}
	}
	c, err := NewCovariances(in, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddInputs(bt.Inputs, bt.Weights); err != nil {
		t.Fatal(err)
	}
	if err := c.AddOutputGrads(bt.OutputGrads, bt.Weights); err != nil {
		t.Fatal(err)
	}
	e, err := c.Eigenbasis()
	if err != nil {
		t.Fatal(err)
	}
	// The known Fisher: S ⊗ A with A = (1/p) Σ a aᵀ and S = (1/q) Σ s sᵀ.
	var a, s, kron mat.Dense
	a.Mul(as.T(), as)
	a.Scale(1.0/p, &a)
	s.Mul(ss.T(), ss)
	s.Scale(1.0/q, &s)
	kron.Kronecker(&s, &a)
	f := fisher(bt)
	if !mat.EqualApprox(f, &kron, 1e-12) {
		t.Fatalf("test setup: the Fisher is not S ⊗ A")
	}
	kf, err := NewCurvature(e, e.KFACEigenvalues(), DampingConfig{Damping: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(kf.Approximation(), f, 1e-12) {
		t.Errorf("K-FAC differs from the exact Fisher S ⊗ A:\n%v\nwant\n%v", mat.Formatted(kf.Approximation()), mat.Formatted(f))
	}
	corr := NewCorrection(e)
	if err := corr.Add(bt); err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(corr.Eigenvalues(), e.KFACEigenvalues(), 1e-12) {
		t.Errorf("EK-FAC eigenvalues %v differ from K-FAC's %v", mat.Formatted(corr.Eigenvalues()), mat.Formatted(e.KFACEigenvalues()))
	}
}

// TestCorrectionIsFisherDiagonalInEigenbasis checks EK-FAC's Λ against the
// diagonal of Qᵀ F Q for the exact F = Σ_i w_i vec(G_i) vec(G_i)ᵀ, with
// two batches added concurrently, and that its approximation is at least
// as close to F in Frobenius norm as K-FAC's (George et al. 2018).
func TestCorrectionIsFisherDiagonalInEigenbasis(t *testing.T) {
	for _, sh := range shapes {
		rng := rand.New(rand.NewPCG(2, uint64(sh.terms)))
		b1 := randomBatch(rng, 7, sh.terms, sh.in, sh.out)
		b2 := randomBatch(rng, 4, sh.terms, sh.in, sh.out)
		e := basisOf(t, sh.in, sh.out, b1, b2)
		corr := NewCorrection(e)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for k, bt := range []Batch{b1, b2} {
			wg.Go(func() { errs[k] = corr.Add(bt) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		f := fisher(b1, b2)
		q := e.Kronecker()
		var rot mat.Dense
		rot.Product(q.T(), f, q)
		lambda := corr.Eigenvalues().RawMatrix().Data
		for k, v := range lambda {
			if want := rot.At(k, k); math.Abs(v-want) > 1e-10*(1+math.Abs(want)) {
				t.Errorf("terms %d, %d×%d: Λ[%d] = %g, want %g", sh.terms, sh.out, sh.in, k, v, want)
			}
		}
		frobenius := func(lambda *mat.Dense) float64 {
			c, err := NewCurvature(e, lambda, DampingConfig{Damping: 1})
			if err != nil {
				t.Fatal(err)
			}
			var d mat.Dense
			d.Sub(c.Approximation(), f)
			return mat.Norm(&d, 2)
		}
		if ek, k := frobenius(corr.Eigenvalues()), frobenius(e.KFACEigenvalues()); ek > k+1e-12 {
			t.Errorf("terms %d, %d×%d: EK-FAC error %g exceeds K-FAC's %g", sh.terms, sh.out, sh.in, ek, k)
		}
	}
}

// TestRotateIsKroneckerCoordinates checks the layout: Q_Sᵀ G Q_A holds the
// coordinates (Q_S ⊗ Q_A)ᵀ vec G of the row-major vectorisation.
func TestRotateIsKroneckerCoordinates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	bt := randomBatch(rng, 6, 1, 4, 3)
	e := basisOf(t, 4, 3, bt)
	g := randomDense(rng, 3, 4)
	r, err := e.Rotate(g)
	if err != nil {
		t.Fatal(err)
	}
	var want mat.VecDense
	want.MulVec(e.Kronecker().T(), mat.NewVecDense(12, g.RawMatrix().Data))
	if !floats.EqualApprox(r.RawMatrix().Data, want.RawVector().Data, 1e-12) {
		t.Errorf("rotated gradient %v, want %v", r.RawMatrix().Data, want.RawVector().Data)
	}
}

// TestPreconditionIsDenseSolve compares preconditioning and self-influence
// with a dense solve against F̂ + δI, for K-FAC and EK-FAC eigenvalues and
// default and given damping, and checks the default damping.
func TestPreconditionIsDenseSolve(t *testing.T) {
	for _, sh := range shapes {
		rng := rand.New(rand.NewPCG(4, uint64(sh.terms)))
		bt := randomBatch(rng, 9, sh.terms, sh.in, sh.out)
		e := basisOf(t, sh.in, sh.out, bt)
		corr := NewCorrection(e)
		if err := corr.Add(bt); err != nil {
			t.Fatal(err)
		}
		for _, lambda := range []*mat.Dense{e.KFACEigenvalues(), corr.Eigenvalues()} {
			for _, cfg := range []DampingConfig{{}, {Damping: 0.3}, {L2: 0.05}} {
				c, err := NewCurvature(e, lambda, cfg)
				if err != nil {
					t.Fatal(err)
				}
				wantShift := cfg.L2 + cfg.Damping
				if cfg.Damping == 0 {
					wantShift += 0.1 * mat.Sum(lambda) / float64(sh.in*sh.out)
				}
				if math.Abs(c.Shift()-wantShift) > 1e-12*wantShift {
					t.Errorf("shift %g, want %g", c.Shift(), wantShift)
				}
				dim := sh.in * sh.out
				var damped mat.Dense
				damped.Add(c.Approximation(), diagonal(dim, c.Shift()))
				g := randomDense(rng, sh.out, sh.in)
				var want mat.VecDense
				if err := want.SolveVec(&damped, mat.NewVecDense(dim, g.RawMatrix().Data)); err != nil {
					t.Fatal(err)
				}
				if err := c.PreconditionTo(g, g); err != nil {
					t.Fatal(err)
				}
				if !floats.EqualApprox(g.RawMatrix().Data, want.RawVector().Data, 1e-10) {
					t.Errorf("terms %d, %+v: preconditioned %v, want %v", sh.terms, cfg, g.RawMatrix().Data, want.RawVector().Data)
				}
				self, err := c.SelfInfluence(bt)
				if err != nil {
					t.Fatal(err)
				}
				for i, gi := range gradients(bt) {
					var h mat.VecDense
					if err := h.SolveVec(&damped, mat.NewVecDense(dim, gi)); err != nil {
						t.Fatal(err)
					}
					want := bt.Weights[i] * floats.Dot(gi, h.RawVector().Data)
					if math.Abs(self[i]-want) > 1e-10*(1+want) {
						t.Errorf("terms %d, %+v: self-influence %d = %g, want %g", sh.terms, cfg, i, self[i], want)
					}
				}
			}
		}
	}
}

// diagonal returns v·I of size n.
func diagonal(n int, v float64) *mat.Dense {
	d := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		d.Set(i, i, v)
	}
	return d
}

// TestBadInput checks that malformed input is reported, naming what is
// wrong.
func TestBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	bt := randomBatch(rng, 4, 2, 3, 2)
	e := basisOf(t, 3, 2, bt)
	cov, _ := NewCovariances(3, 2)
	good, _ := NewCurvature(e, e.KFACEigenvalues(), DampingConfig{})
	nan := e.KFACEigenvalues()
	nan.Set(1, 1, math.NaN())
	with := func(f func(b *Batch)) Batch {
		b := bt
		b.Weights = append([]float64(nil), bt.Weights...)
		f(&b)
		return b
	}
	corr := NewCorrection(e)
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"empty layer", "must be positive", func() error { _, err := NewCovariances(0, 2); return err }()},
		{"input columns", "columns", cov.AddInputs(randomDense(rng, 4, 2), nil)},
		{"missing inputs", "missing", cov.AddInputs(nil, nil)},
		{"row weights", "3 weights for 4 rows", cov.AddOutputGrads(randomDense(rng, 4, 2), []float64{1, 1, 1})},
		{"negative weight", "weight of row 1", cov.AddInputs(randomDense(rng, 4, 3), []float64{1, -1, 1, 1})},
		{"NaN weight", "weight of example 2", corr.Add(with(func(b *Batch) { b.Weights[2] = math.NaN() }))},
		{"odd rows", "cannot hold examples of 3 terms", corr.Add(with(func(b *Batch) { b.Terms = 3 }))},
		{"negative terms", "terms", corr.Add(with(func(b *Batch) { b.Terms = -2 }))},
		{"row mismatch", "8 input rows and 6", corr.Add(with(func(b *Batch) { b.OutputGrads = randomDense(rng, 6, 2) }))},
		{"gradient columns", "output gradients have 3 columns", corr.Add(with(func(b *Batch) { b.OutputGrads = randomDense(rng, 8, 3) }))},
		{"self weights", "2 weights for 4 examples", func() error {
			_, err := good.SelfInfluence(with(func(b *Batch) { b.Weights = b.Weights[:2] }))
			return err
		}()},
		{"negative damping", "non-negative", func() error { _, err := NewCurvature(e, e.KFACEigenvalues(), DampingConfig{Damping: -1}); return err }()},
		{"no curvature", "set Damping > 0", func() error { _, err := NewCurvature(e, mat.NewDense(2, 3, nil), DampingConfig{}); return err }()},
		{"eigenvalue shape", "3×2", func() error { _, err := NewCurvature(e, mat.NewDense(3, 2, nil), DampingConfig{}); return err }()},
		{"NaN eigenvalue", "not finite", func() error { _, err := NewCurvature(e, nan, DampingConfig{}); return err }()},
		{"precondition shape", "gradient is 3×3", good.PreconditionTo(mat.NewDense(2, 3, nil), mat.NewDense(3, 3, nil))},
		{"rotate shape", "gradient is 2×2", func() error { _, err := e.Rotate(mat.NewDense(2, 2, nil)); return err }()},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
}
