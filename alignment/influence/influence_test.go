package influence_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golign/golign/alignment/compress"
	"github.com/golign/golign/alignment/influence"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/metrics"
	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"github.com/golign/golign/alignment/reward/rewardtest"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

const l2 = 0.02

const looPairs = 300

// linearProblem trains an L2 linear BT model to convergence on seeded data
// with a query set drawn from the same utility. Feature j is scaled by
// spread^(j/(d−1) − ½), so spread > 1 makes the Hessian anisotropic.
func linearProblem(t testing.TB, n, d int, spread float64, seed uint64) (*reward.Linear, *pref.Comparisons, *pref.Comparisons) {
	t.Helper()
	all, _ := rewardtest.Synthetic(n+60, d, 3, seed)
	for j := 0; j < d; j++ {
		s := math.Pow(spread, float64(j)/float64(max(d-1, 1))-0.5)
		for i := 0; i < n+60; i++ {
			all.Chosen.Set(i, j, s*all.Chosen.At(i, j))
			all.Rejected.Set(i, j, s*all.Rejected.At(i, j))
		}
	}
	train := rewardtest.Subset(all, seq(0, n))
	query := rewardtest.Subset(all, seq(n, n+60))
	m, err := reward.TrainLinear(train, reward.LinearConfig{L2: l2, GradientTolerance: 1e-13})
	if err != nil {
		t.Fatal(err)
	}
	return m, train, query
}

func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

func scores(t testing.TB, p influence.Problem, cfg influence.Config, query *pref.Comparisons) *mat.Dense {
	t.Helper()
	f, err := influence.Fit(p, cfg)
	if err != nil {
		t.Fatalf("%v: %v", cfg.Method, err)
	}
	s, err := f.Scores(query)
	if err != nil {
		t.Fatalf("%v: %v", cfg.Method, err)
	}
	return s
}

func TestExactInfluenceMatchesLeaveOneOut(t *testing.T) {
	m, train, query := linearProblem(t, looPairs, 6, 1, 1)
	p := influence.Problem{Model: m, Train: train, Measurement: influence.MeanQueryLoss}
	s := scores(t, p, influence.Config{}, query)
	base, _ := m.Loss(query)
	n := train.Len()
	predicted := make([]float64, n)
	actual := make([]float64, n)
	for j := 0; j < n; j++ {
		loo, fit, err := reward.TrainLinearFit(rewardtest.Without(train, j), reward.LinearConfig{L2: l2, Init: m.Theta, GradientTolerance: 1e-13})
		if err != nil {
			t.Fatal(err)
		}
		if fit.GradientNorm > 1e-13 {
			t.Fatalf("retraining without %d stopped at gradient %g", j, fit.GradientNorm)
		}
		l, _ := loo.Loss(query)
		actual[j] = l - base
		predicted[j] = -s.At(0, j) / float64(n)
	}
	r, err := metrics.Pearson(predicted, actual)
	if err != nil {
		t.Fatal(err)
	}
	_, slope := stat.LinearRegression(predicted, actual, nil, false)
	t.Logf("exact influence vs leave-one-out: Pearson %.5f, slope %.4f", r, slope)
	if r < 0.99 {
		t.Fatalf("Pearson %.4f < 0.99", r)
	}
	if math.Abs(slope-1) > 0.1 {
		t.Fatalf("LOO change = %.3f × predicted change, want ≈ 1", slope)
	}
}

func TestExactMatchesClosedForm(t *testing.T) {
	m, train, query := linearProblem(t, 80, 5, 4, 2)
	h, _ := m.Hessian(train)
	g, _ := m.PairGradients(train)
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		t.Fatal("Hessian not positive definite")
	}
	var hinvG mat.Dense // H⁻¹ gᵢ as columns
	if err := chol.SolveTo(&hinvG, g.T()); err != nil {
		t.Fatal(err)
	}
	qg, _ := m.PairGradients(query)
	var want mat.Dense
	want.Mul(qg, &hinvG)
	want.Scale(-1, &want)
	for _, cacheBytes := range []int{0, 1} { // held in memory, and streamed
		cfg := influence.Config{BlockSize: 7, CacheBytes: cacheBytes}
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Scores(query)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(got, &want, 1e-10) {
			t.Fatalf("exact scores differ from −qᵀH⁻¹g (cache %d)", cacheBytes)
		}
		self, err := f.SelfScores()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < train.Len(); i++ {
			w := mat.Dot(g.RowView(i), hinvG.ColView(i))
			if math.Abs(self[i]-w) > 1e-10*math.Max(1, w) {
				t.Fatalf("self score %d = %g, want %g", i, self[i], w)
			}
		}
	}
	// Margin measurement: rows are −∇mᵀH⁻¹gᵢ = −uᵀH⁻¹gᵢ.
	f, _ := influence.Fit(influence.Problem{Model: m, Train: train, Measurement: influence.QueryMargin}, influence.Config{})
	got, _ := f.Scores(query)
	u := mat.NewDense(query.Len(), 5, nil)
	u.Sub(query.Chosen, query.Rejected)
	want.Mul(u, &hinvG)
	want.Scale(-1, &want)
	if !mat.EqualApprox(got, &want, 1e-10) {
		t.Fatal("margin scores differ from −uᵀH⁻¹g")
	}
}

func TestExactPseudoInverseWhenSingular(t *testing.T) {
	// Three pairs in five dimensions, no L2, θ = 0: H = ¼ UᵀU has rank 3,
	// Cholesky fails and Exact uses the pseudo-inverse H⁺.
	all, _ := rewardtest.Synthetic(5, 5, 1, 12)
	train := rewardtest.Subset(all, seq(0, 3))
	m := &reward.Linear{Theta: make([]float64, 5)}
	f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{})
	if err != nil {
		t.Fatal(err)
	}
	q := mat.NewDense(2, 5, nil)
	g, _ := m.PairGradients(train)
	q.Copy(g.Slice(0, 2, 0, 5)) // queries in the range of H
	got, err := f.ScoresOfGradients(q)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := m.Hessian(train)
	var svd mat.SVD
	if !svd.Factorize(h, mat.SVDFull) {
		t.Fatal("SVD failed")
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	vals := svd.Values(nil)
	pinv := mat.NewDense(5, 5, nil)
	for k, s := range vals {
		if s > 1e-12*vals[0] {
			var outer mat.Dense
			outer.Outer(1/s, v.ColView(k), u.ColView(k))
			pinv.Add(pinv, &outer)
		}
	}
	var want mat.Dense
	want.Product(q, pinv, g.T())
	want.Scale(-1, &want)
	if !mat.EqualApprox(got, &want, 1e-8) {
		t.Fatalf("scores %v, want −q H⁺ g = %v", mat.Formatted(got), mat.Formatted(&want))
	}
}

func TestEstimatorsAgreeWithExact(t *testing.T) {
	type expect struct {
		cfg      influence.Config
		spearman float64 // minimum mean Spearman over queries
		close    float64 // maximum relative Frobenius error, 0: not checked
	}
	lissaBatch := influence.Config{Method: influence.LiSSA, LiSSABatch: 100, LiSSADepth: 300, LiSSARepeats: 4, LiSSADamping: 0.001, Seed: 1}
	for _, tc := range []struct {
		name   string
		spread float64
		checks []expect
	}{
		{"well-conditioned", 1, []expect{
			{influence.Config{Method: influence.CG}, 0.999, 1e-6},
			{influence.Config{Method: influence.LiSSA}, 0.999, 1e-6},
			{lissaBatch, 0.9, 0},
			{influence.Config{Method: influence.DataInf}, 0.9, 0},
			{influence.Config{Method: influence.EKFAC}, 0.9, 0},
			{influence.Config{Method: influence.KFAC}, 0.9, 0},
		}},
		// Features on scales 1/√3 … √3: the gradient dot product ranks
		// worse, curvature-aware estimators must not. DataInf's
		// average-of-inverses tracks the identity here (see the report).
		{"anisotropic", 3, []expect{
			{influence.Config{Method: influence.CG}, 0.999, 1e-6},
			{influence.Config{Method: influence.LiSSA}, 0.999, 1e-6},
			{lissaBatch, 0.9, 0},
			{influence.Config{Method: influence.EKFAC}, 0.9, 0},
			{influence.Config{Method: influence.DataInf}, 0.7, 0},
			{influence.Config{Method: influence.Identity}, 0.7, 0},
		}},
	} {
		m, train, query := linearProblem(t, 400, 8, tc.spread, 3)
		p := influence.Problem{Model: m, Train: train}
		exact := scores(t, p, influence.Config{}, query)
		for _, e := range tc.checks {
			got := scores(t, p, e.cfg, query)
			rho := meanRowSpearman(t, got, exact)
			var diff mat.Dense
			diff.Sub(got, exact)
			rel := mat.Norm(&diff, 2) / mat.Norm(exact, 2)
			t.Logf("%s: %-8v (batch %3d): mean Spearman vs exact %.4f, relative error %.2g", tc.name, e.cfg.Method, e.cfg.LiSSABatch, rho, rel)
			if rho < e.spearman {
				t.Errorf("%s: %v: Spearman %.4f < %.2f", tc.name, e.cfg.Method, rho, e.spearman)
			}
			if e.close > 0 && rel > e.close {
				t.Errorf("%s: %v: relative error %.3g > %.1g", tc.name, e.cfg.Method, rel, e.close)
			}
		}
	}
}

func TestCompressedGradients(t *testing.T) {
	train, _ := rewardtest.Synthetic(300, 60, 3, 10)
	query, _ := rewardtest.Synthetic(10, 60, 3, 11)
	m, err := reward.NewMLP([]int{60, 64}, reward.Tanh, 1e-3, 1)
	if err != nil {
		t.Fatal(err)
	}
	D := m.NumParams()
	p := influence.Problem{Model: m, Train: train}
	full, err := influence.Fit(p, influence.Config{Method: influence.Identity})
	if err != nil {
		t.Fatal(err)
	}
	exact, _ := full.Scores(query)

	// Compressed identity scores are exactly −⟨C q, C gᵢ⟩ with C the sketch.
	oporp, _ := compress.NewOPORP(D, D/16, 1)
	f, err := influence.Fit(p, influence.Config{Method: influence.Identity, Compressor: oporp})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.Scores(query)
	q, _ := full.QueryGradients(query)
	g := mat.NewDense(train.Len(), D, nil)
	margins := make([]float64, train.Len())
	if err := m.MarginGradients(train, 0, margins, g); err != nil {
		t.Fatal(err)
	}
	for i, mg := range margins {
		floats.Scale(-(1 - reward.Sigmoid(mg)), g.RawRowView(i))
	}
	cq, _ := oporp.CompressRows(q)
	cg, _ := oporp.CompressRows(g)
	var want mat.Dense
	want.Mul(cq, cg.T())
	want.Scale(-1, &want)
	if !mat.EqualApprox(got, &want, 1e-12) {
		t.Fatal("compressed identity scores differ from −⟨Cq, Cg⟩")
	}

	// The sketch is unbiased: averaging over seeds recovers the ranking, and
	// a single sketch at D/K = 4 keeps most of it.
	mean := mat.NewDense(query.Len(), train.Len(), nil)
	const seeds = 16
	for seed := uint64(0); seed < seeds; seed++ {
		c, _ := compress.NewOPORP(D, D/16, seed)
		f, _ := influence.Fit(p, influence.Config{Method: influence.Identity, Compressor: c})
		s, _ := f.Scores(query)
		mean.Add(mean, s)
	}
	if rho := meanRowSpearman(t, mean, exact); rho < 0.95 {
		t.Errorf("mean over %d OPORP sketches: Spearman %.3f vs uncompressed", seeds, rho)
	}
	quarter, _ := compress.NewOPORP(D, D/4, 3)
	single := scores(t, p, influence.Config{Method: influence.Identity, Compressor: quarter}, query)
	rho := meanRowSpearman(t, single, exact)
	t.Logf("identity with one OPORP sketch D=%d → K=%d: Spearman vs uncompressed %.3f", D, D/4, rho)
	if rho < 0.9 {
		t.Errorf("one OPORP sketch at D/K = 4: Spearman %.3f < 0.9", rho)
	}
}

func meanRowSpearman(t testing.TB, a, b *mat.Dense) float64 {
	q, _ := a.Dims()
	sum := 0.0
	for i := 0; i < q; i++ {
		r, err := metrics.Spearman(a.RawRowView(i), b.RawRowView(i))
		if err != nil {
			t.Fatal(err)
		}
		sum += r
	}
	return sum / float64(q)
}

// readout is a linear layer W (Out×In) followed by a fixed readout v:
// r(φ) = vᵀWφ, so that every output gradient is ±v. At W = 0 every margin is
// 0 and, with the rejected features zero, the Gauss–Newton matrix is exactly
// ¼ vvᵀ ⊗ E[φφᵀ] — the Kronecker product K-FAC assumes.
type readout struct {
	w, v []float64
	in   int
}

func (r *readout) NumParams() int          { return len(r.w) }
func (r *readout) Regularization() float64 { return 0.01 }
func (r *readout) Layers() []reward.Layer {
	return []reward.Layer{{Name: "W", Out: len(r.v), In: r.in}}
}
func (r *readout) Margins(c *pref.Comparisons) ([]float64, error) {
	m := make([]float64, c.Len())
	return m, r.MarginGradients(c, 0, m, mat.NewDense(c.Len(), len(r.w), nil))
}
func (r *readout) MarginGradients(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error {
	b, _ := dst.Dims()
	for i := 0; i < b; i++ {
		u := make([]float64, r.in)
		floats.SubTo(u, c.Chosen.RawRowView(start+i), c.Rejected.RawRowView(start+i))
		row := dst.RawRowView(i)
		for o, vo := range r.v {
			floats.ScaleTo(row[o*r.in:(o+1)*r.in], vo, u)
		}
		if margins != nil {
			margins[i] = floats.Dot(row, r.w)
		}
	}
	return nil
}
func (r *readout) LayerTerms(c *pref.Comparisons, start int, terms []reward.LayerTerms) error {
	t := terms[0]
	b, _ := t.AChosen.Dims()
	t.AChosen.Copy(c.Chosen.Slice(start, start+b, 0, r.in))
	t.ARejected.Copy(c.Rejected.Slice(start, start+b, 0, r.in))
	for i := 0; i < b; i++ {
		for o, vo := range r.v {
			t.SChosen.Set(i, o, vo)
			t.SRejected.Set(i, o, -vo)
		}
	}
	return nil
}

func TestKFACIsExactForAKroneckerGaussNewton(t *testing.T) {
	const n, in = 200, 4
	all, _ := rewardtest.Synthetic(n+10, in, 1, 4)
	all.Rejected.Zero()
	train := rewardtest.Subset(all, seq(0, n))
	query := rewardtest.Subset(all, seq(n, n+10))
	// Give the query pairs nonzero rejected features too.
	for i := 0; i < 10; i++ {
		query.Rejected.Set(i, i%in, 1)
	}
	m := &readout{w: make([]float64, 3*in), v: []float64{1, -2, 0.5}, in: in}
	p := influence.Problem{Model: m, Train: train, Measurement: influence.QueryMargin}
	for _, fisher := range []influence.Fisher{influence.TrueFisher, influence.EmpiricalFisher} {
		want := scores(t, p, influence.Config{Method: influence.Exact, Damping: 0.05, Fisher: fisher}, query)
		for _, method := range []influence.Method{influence.KFAC, influence.EKFAC} {
			cfg := influence.Config{Method: method, Damping: 0.05, Fisher: fisher, Seed: 3}
			got := scores(t, p, cfg, query)
			if !mat.EqualApprox(got, want, 1e-9) {
				t.Fatalf("%v (Fisher %d) scores differ from exact Gauss–Newton scores", method, fisher)
			}
			f, _ := influence.Fit(p, cfg)
			self, err := f.SelfScores()
			if err != nil {
				t.Fatal(err)
			}
			fe, _ := influence.Fit(p, influence.Config{Damping: 0.05, Fisher: fisher})
			selfExact, _ := fe.SelfScores()
			if !floats.EqualApprox(self, selfExact, 1e-9) {
				t.Fatalf("%v self scores differ from exact", method)
			}
		}
	}
}

func TestMLPEstimatorsAgree(t *testing.T) {
	train, _ := rewardtest.Synthetic(300, 5, 3, 5)
	query, _ := rewardtest.Synthetic(20, 5, 3, 6)
	m, err := reward.TrainMLP(train, reward.MLPConfig{Hidden: []int{6, 4}, Epochs: 30, LearningRate: 1e-2, L2: 1e-2, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := influence.Problem{Model: m, Train: train}
	exact := scores(t, p, influence.Config{}, query)
	cg := scores(t, p, influence.Config{Method: influence.CG}, query)
	var diff mat.Dense
	diff.Sub(cg, exact)
	if rel := mat.Norm(&diff, 2) / mat.Norm(exact, 2); rel > 1e-6 {
		t.Fatalf("CG relative error %.3g on the MLP", rel)
	}
	for _, method := range []influence.Method{influence.EKFAC, influence.KFAC, influence.DataInf} {
		rho := meanRowSpearman(t, scores(t, p, influence.Config{Method: method}, query), exact)
		t.Logf("MLP %v: mean Spearman vs exact Gauss–Newton %.3f", method, rho)
		if rho < 0.5 {
			t.Errorf("MLP %v: Spearman %.3f", method, rho)
		}
	}
}

func TestDataInfMatchesItsFormula(t *testing.T) {
	// Per-layer DataInf against a direct evaluation of
	// −qᵀ (1/λ)(I − (1/n)Σ gᵢgᵢᵀ/(λ+‖gᵢ‖²)) g_j on a two-layer gradient.
	const n, d = 30, 7
	train, _ := rewardtest.Synthetic(n, d, 1, 7)
	g := train.Chosen // any gradients
	layers := []reward.Layer{{Name: "a", Offset: 0, Out: 1, In: 3}, {Name: "b", Offset: 3, Out: 2, In: 2}}
	q := rewardtest.Subset(train, []int{1, 2}).Rejected
	f, err := influence.FitGradients(g, layers, influence.Config{Method: influence.DataInf, BlockSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.ScoresOfGradients(q)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := f.SelfScores()
	want := mat.NewDense(2, n, nil)
	wantSelf := make([]float64, n)
	for _, sp := range [][2]int{{0, 3}, {3, 7}} {
		seg := func(m *mat.Dense, i int) []float64 { return m.RawRowView(i)[sp[0]:sp[1]] }
		lambda := 0.0
		for i := 0; i < n; i++ {
			lambda += floats.Dot(seg(g, i), seg(g, i))
		}
		lambda = 0.1 * lambda / float64(n*(sp[1]-sp[0]))
		apply := func(x []float64) []float64 { // Ĥ⁻¹x
			out := append([]float64(nil), x...)
			for i := 0; i < n; i++ {
				gi := seg(g, i)
				floats.AddScaled(out, -floats.Dot(gi, x)/(lambda+floats.Dot(gi, gi))/n, gi)
			}
			floats.Scale(1/lambda, out)
			return out
		}
		for r := 0; r < 2; r++ {
			h := apply(seg(q, r))
			for j := 0; j < n; j++ {
				want.Set(r, j, want.At(r, j)-floats.Dot(h, seg(g, j)))
			}
		}
		for j := 0; j < n; j++ {
			wantSelf[j] += floats.Dot(apply(seg(g, j)), seg(g, j))
		}
	}
	if !mat.EqualApprox(got, want, 1e-10) {
		t.Fatal("DataInf scores differ from the formula")
	}
	if !floats.EqualApprox(self, wantSelf, 1e-10) {
		t.Fatalf("DataInf self scores %v differ from %v", self[:3], wantSelf[:3])
	}
}

func TestInterruptedFitReturnsErrInterrupted(t *testing.T) {
	m, train, query := linearProblem(t, 2000, 20, 1, 8)
	ctx, cancel := context.WithCancel(context.Background())
	unbind := job.Bind(ctx, nil)
	defer unbind()
	done := make(chan error, 1)
	go func() {
		f, err := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{Method: influence.LiSSA, LiSSADepth: 1 << 30, LiSSAScale: 1e9, BlockSize: 64})
		if err == nil {
			_, err = f.Scores(query)
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, job.ErrInterrupted) {
			t.Fatalf("got %v, want ErrInterrupted", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LiSSA did not stop after the interrupt")
	}
}

func TestRankingHelpers(t *testing.T) {
	s := []float64{0.5, math.NaN(), 2, -1, 2}
	if got := influence.Suspects(s); !equalInts(got, []int{2, 4, 0, 3, 1}) {
		t.Fatalf("Suspects = %v", got)
	}
	agg, err := influence.ByLabeler([]float64{1, 2, 3, 10}, []string{"a", "b", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if agg[0].Labeler != "b" || agg[0].Mean != 6 || agg[0].Count != 2 || agg[1].Sum != 4 {
		t.Fatalf("ByLabeler = %+v", agg)
	}
	if _, err := influence.ByLabeler([]float64{1}, nil); err == nil {
		t.Fatal("length mismatch accepted")
	}
	mean := influence.MeanScores(mat.NewDense(2, 2, []float64{1, 2, 3, 6}))
	if !floats.Equal(mean, []float64{2, 4}) {
		t.Fatalf("MeanScores = %v", mean)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadConfigurations(t *testing.T) {
	m, train, _ := linearProblem(t, 20, 3, 1, 9)
	oporp, _ := compress.NewOPORP(3, 2, 1)
	for _, cfg := range []influence.Config{
		{Method: influence.Exact, Compressor: oporp},
		{Method: influence.Method(99)},
		{Damping: -1},
	} {
		if _, err := influence.Fit(influence.Problem{Model: m, Train: train}, cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	if _, err := influence.Fit(influence.Problem{Model: m}, influence.Config{}); err == nil {
		t.Error("missing training data accepted")
	}
	bad := rewardtest.Subset(train, seq(0, 5))
	bad.Rejected.Set(3, 1, math.Inf(1))
	if _, err := influence.Fit(influence.Problem{Model: m, Train: bad}, influence.Config{}); err == nil || !strings.Contains(err.Error(), "pair 3") {
		t.Errorf("infinite feature: error %v", err)
	}
	f, _ := influence.Fit(influence.Problem{Model: m, Train: train}, influence.Config{Method: influence.CG})
	if _, err := f.SelfScores(); err == nil {
		t.Error("CG self scores should report that they need one solve per pair")
	}
	if _, err := f.ScoresOfGradients(mat.NewDense(1, 4, nil)); err == nil {
		t.Error("query gradients of the wrong width accepted")
	}
}

func TestNonFiniteGradientsAreNamed(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(-1)} {
		g := gradientLike(300, 13, 1)
		g.Set(211, 9, v)
		_, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf})
		if err == nil || !strings.Contains(err.Error(), "row 211 column 9") {
			t.Errorf("%v at row 211 column 9: error %v", v, err)
		}
	}
	g := gradientLike(300, 13, 1)
	g.Set(5, 0, 1e200)
	if _, err := influence.FitGradients(g, nil, influence.Config{Method: influence.DataInf}); err == nil || !strings.Contains(err.Error(), "row 5") {
		t.Errorf("a squared norm that overflows: error %v", err)
	}
}

func TestBlockingDoesNotChangeScores(t *testing.T) {
	// Blocks shared among CPUs with per-CPU accumulators: the same scores
	// whatever the block size, and bit for bit the same on every run.
	g := gradientLike(500, 40, 3)
	q := gradientLike(7, 40, 4)
	run := func(method influence.Method, block int) *mat.Dense {
		f, err := influence.FitGradients(g, []reward.Layer{{Name: "a", Offset: 0, Out: 5, In: 6}, {Name: "b", Offset: 30, Out: 1, In: 10}},
			influence.Config{Method: method, BlockSize: block})
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.ScoresOfGradients(q)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, method := range []influence.Method{influence.DataInf, influence.Identity} {
		whole := run(method, 500)
		for _, block := range []int{7, 64, 129} {
			if s := run(method, block); !mat.EqualApprox(s, whole, 1e-12*mat.Norm(whole, math.Inf(1))) {
				t.Errorf("%v: blocks of %d change the scores", method, block)
			}
			if !mat.Equal(run(method, block), run(method, block)) {
				t.Errorf("%v: blocks of %d give different scores from run to run", method, block)
			}
		}
	}
	// Exact influence of a linear model (streamed gradients) and of an MLP
	// (held gradients), in blocks of 13 pairs against one block.
	lin, train, query := linearProblem(t, 300, 12, 1, 5)
	mlp, err := reward.NewMLP([]int{12, 6}, reward.Tanh, 1e-2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []influence.Model{lin, mlp} {
		p := influence.Problem{Model: m, Train: train}
		whole := scores(t, p, influence.Config{BlockSize: 300}, query)
		if s := scores(t, p, influence.Config{BlockSize: 13}, query); !mat.EqualApprox(s, whole, 1e-10*mat.Norm(whole, math.Inf(1))) {
			t.Errorf("%T: exact scores change with the block size", m)
		}
	}
}
