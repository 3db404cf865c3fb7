package lancet

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/transformer"
	"gonum.org/v1/gonum/mat"
)

// Method selects the curvature between query and training gradients.
type Method int

const (
	// EKFAC uses the eigenvalue-corrected Kronecker factors (the default).
	EKFAC Method = iota
	// KFAC uses the Kronecker factors' own eigenvalues λ_S ⊗ λ_A.
	KFAC
	// Identity uses H = I: scores are gradient dot products.
	Identity
)

// String names the method.
func (m Method) String() string {
	switch m {
	case EKFAC:
		return "EK-FAC"
	case KFAC:
		return "K-FAC"
	case Identity:
		return "identity"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// LinFACConfig configures FitLinFAC. The zero value fits EK-FAC factors with
// one sampled label sequence per training sequence and the default damping.
type LinFACConfig struct {
	// Method is the curvature (default EKFAC).
	Method Method
	// Damping is added to every eigenvalue; 0 means 0.1 × the mean
	// eigenvalue of each linear map.
	Damping float64
	// FisherSamples is the number of label sequences drawn from the model
	// per training sequence for the true Fisher; 0 means 1.
	FisherSamples int
	// Seed seeds the sampled labels.
	Seed uint64
	// Relative divides every score by √(∇L_zᵀ Ĥ⁻¹ ∇L_z), the training
	// example's self-influence (RelatIF, Barshan et al. 2020), so that
	// examples with large gradients do not dominate the ranking.
	Relative bool
}

// LinFAC holds fitted curvature factors of every linear map of a transformer.
type LinFAC struct {
	model    *transformer.Model
	method   Method
	relative bool
	maps     []linFACMap
}

// linFACMap is one linear map's curvature in its Kronecker eigenbasis:
// H ≈ (Q_S ⊗ Q_A) diag(vec Λ) (Q_S ⊗ Q_A)ᵀ over the row-major vectorisation
// of the gradient of the augmented Out×In' weight [W | b] (In' = In+1 with a
// bias, In without).
type linFACMap struct {
	lin    transformer.Linear
	in     int        // In'
	qa, qs *mat.Dense // eigenvectors of A (In'×In') and S (Out×Out)
	lambda *mat.Dense // Λ, Out×In'
	inv    *mat.Dense // 1/(max(Λ,0) + damping)
}

// FitLinFAC fits the LinFAC curvature of m on the training sequences: for
// every linear map y = W x + b, with ã_t = [a_t; 1] its augmented input and s_t
// the gradient of the sequence's summed loss with respect to y_t, under labels
// drawn from the model (the true Fisher, i.e. the Gauss–Newton matrix of the
// cross-entropy; Grosse et al. 2023, §2.2), the factors are accumulated over
// all tokens of every sequence (LANCET's LinFAC, Zhang et al. 2025):
//
//	A = (1/N_tok) Σ_n Σ_t ã_t ã_tᵀ,   S = (1/N) Σ_n Σ_t s_t s_tᵀ,
//
// over the N_tok tokens with non-zero loss weight and the N sampled sequences,
// so that S ⊗ A approximates the Gauss–Newton matrix
// G = (1/N) Σ_n vec(DW_n) vec(DW_n)ᵀ of the per-sequence gradients
// DW_n = Σ_t s_t ã_tᵀ. With A = Q_A diag(λ_A) Q_Aᵀ and S = Q_S diag(λ_S) Q_Sᵀ,
// K-FAC takes Λ = λ_S λ_Aᵀ and EK-FAC refits Λ = (1/N) Σ_n (Q_Sᵀ DW_n Q_A)∘²
// (George et al. 2018), the diagonal of G in the Kronecker eigenbasis.
// Identity fits nothing. An interrupt returns job.ErrInterrupted.
func FitLinFAC(m *transformer.Model, train []transformer.Sequence, cfg LinFACConfig) (*LinFAC, error) {
	if m == nil {
		return nil, fmt.Errorf("lancet: FitLinFAC: nil model")
	}
	if cfg.Method < EKFAC || cfg.Method > Identity {
		return nil, fmt.Errorf("lancet: FitLinFAC: unknown method %d", int(cfg.Method))
	}
	if cfg.Damping < 0 || math.IsNaN(cfg.Damping) {
		return nil, fmt.Errorf("lancet: FitLinFAC: negative damping %g", cfg.Damping)
	}
	if cfg.FisherSamples < 0 {
		return nil, fmt.Errorf("lancet: FitLinFAC: negative FisherSamples %d", cfg.FisherSamples)
	}
	f := &LinFAC{model: m, method: cfg.Method, relative: cfg.Relative}
	for _, lin := range m.Linears() {
		in := lin.In
		if lin.Bias.Name != "" {
			in++
		}
		f.maps = append(f.maps, linFACMap{lin: lin, in: in})
	}
	if cfg.Method == Identity {
		return f, nil
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("lancet: FitLinFAC: no training sequences")
	}
	samples := max(cfg.FisherSamples, 1)
	passes := 1
	if cfg.Method == EKFAC {
		passes = 2
	}
	t := job.Start("lancet: LinFAC factors", passes*len(train))
	err := f.fit(train, samples, cfg, t)
	t.Done(err)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// fit accumulates the factors, eigendecomposes them and sets Λ and the
// damped inverse eigenvalues.
func (f *LinFAC) fit(train []transformer.Sequence, samples int, cfg LinFACConfig, t *job.Task) error {
	as := make([]*mat.SymDense, len(f.maps))
	ss := make([]*mat.SymDense, len(f.maps))
	for l, mp := range f.maps {
		as[l], ss[l] = mat.NewSymDense(mp.in, nil), mat.NewSymDense(mp.lin.Out, nil)
	}
	var tokens float64
	var mu sync.Mutex
	err := f.eachSampled(train, samples, cfg.Seed, t, func(seq transformer.Sequence, stats []transformer.LinearStats) {
		local := make([]*mat.SymDense, 2*len(f.maps))
		n := 0.0
		for l, mp := range f.maps {
			a := augmented(stats[l], mp.in, seq.Weights)
			local[2*l], local[2*l+1] = mat.NewSymDense(mp.in, nil), mat.NewSymDense(mp.lin.Out, nil)
			local[2*l].SymRankK(local[2*l], 1, a.T())
			local[2*l+1].SymRankK(local[2*l+1], 1, stats[l].OutputGrads.T())
		}
		for _, w := range weightsOf(seq) {
			if w != 0 {
				n++
			}
		}
		mu.Lock()
		for l := range f.maps {
			as[l].AddSym(as[l], local[2*l])
			ss[l].AddSym(ss[l], local[2*l+1])
		}
		tokens += n
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	if tokens == 0 {
		return fmt.Errorf("lancet: FitLinFAC: training sequences have no weighted tokens")
	}
	nseq := float64(len(train) * samples)
	for l := range f.maps {
		mp := &f.maps[l]
		as[l].ScaleSym(1/tokens, as[l])
		ss[l].ScaleSym(1/nseq, ss[l])
		var la, ls []float64
		var err error
		if mp.qa, la, err = eigen(as[l], "A of "+mp.lin.Name); err != nil {
			return err
		}
		if mp.qs, ls, err = eigen(ss[l], "S of "+mp.lin.Name); err != nil {
			return err
		}
		mp.lambda = mat.NewDense(mp.lin.Out, mp.in, nil)
		if f.method == KFAC {
			mp.lambda.Outer(1, mat.NewVecDense(len(ls), ls), mat.NewVecDense(len(la), la))
		}
	}
	if f.method == EKFAC {
		err := f.eachSampled(train, samples, cfg.Seed, t, func(seq transformer.Sequence, stats []transformer.LinearStats) {
			rot := make([]*mat.Dense, len(f.maps))
			for l, mp := range f.maps {
				rot[l] = mp.rotate(gradientOf(stats[l], mp.in))
				rot[l].MulElem(rot[l], rot[l])
			}
			mu.Lock()
			for l := range f.maps {
				f.maps[l].lambda.Add(f.maps[l].lambda, rot[l])
			}
			mu.Unlock()
		})
		if err != nil {
			return err
		}
		for l := range f.maps {
			f.maps[l].lambda.Scale(1/nseq, f.maps[l].lambda)
		}
	}
	for l := range f.maps {
		mp := &f.maps[l]
		damping := cfg.Damping
		if damping == 0 {
			damping = 0.1 * mat.Sum(mp.lambda) / float64(mp.lin.Out*mp.in)
		}
		if !(damping > 0) {
			return fmt.Errorf("lancet: FitLinFAC: linear map %s has no curvature; set Damping > 0", mp.lin.Name)
		}
		mp.inv = mat.NewDense(mp.lin.Out, mp.in, nil)
		mp.inv.Apply(func(_, _ int, v float64) float64 { return 1 / (math.Max(v, 0) + damping) }, mp.lambda)
	}
	return nil
}

// eachSampled calls visit, concurrently, with the linear statistics of every
// training sequence under labels drawn from the model (samples draws each,
// seeded by seed and the sequence's index), counting one step of t per
// sequence.
func (f *LinFAC) eachSampled(train []transformer.Sequence, samples int, seed uint64, t *job.Task,
	visit func(transformer.Sequence, []transformer.LinearStats)) error {
	return forChunks(len(train), func(i int) error {
		if err := t.Step(1); err != nil {
			return err
		}
		for k := 0; k < samples; k++ {
			seq, err := f.model.SampleTargets(train[i], seed^uint64(i*samples+k)*0x9e3779b97f4a7c15)
			if err != nil {
				return fmt.Errorf("lancet: training sequence %d: %w", i, err)
			}
			stats, err := f.model.LinearStatistics(seq)
			if err != nil {
				return fmt.Errorf("lancet: training sequence %d: %w", i, err)
			}
			visit(seq, stats)
		}
		return nil
	})
}

// forChunks runs f(i) for i in [0, n) on all cores, in as many contiguous
// chunks as there are cores, and returns the first error.
func forChunks(n int, f func(i int) error) error {
	chunks := min(n, runtime.GOMAXPROCS(0))
	return parallel.For(chunks, func(c int) error {
		for i := c * n / chunks; i < (c+1)*n/chunks; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	})
}

// weightsOf returns the loss weights of seq's predicted positions.
func weightsOf(seq transformer.Sequence) []float64 {
	if seq.Weights != nil {
		return seq.Weights
	}
	w := make([]float64, len(seq.Tokens)-1)
	for i := range w {
		w[i] = 1
	}
	return w
}

// augmented returns the T×in matrix of the inputs [a_t; 1] (without the 1
// when in equals the map's input width), with rows of zero-weight positions
// zeroed when weights is not nil.
func augmented(st transformer.LinearStats, in int, weights []float64) *mat.Dense {
	rows, cols := st.Inputs.Dims()
	a := mat.NewDense(rows, in, nil)
	a.Slice(0, rows, 0, cols).(*mat.Dense).Copy(st.Inputs)
	for t := 0; t < rows; t++ {
		row := a.RawRowView(t)
		if in > cols {
			row[cols] = 1
		}
		if weights != nil && weights[t] == 0 {
			clear(row)
		}
	}
	return a
}

// gradientOf returns the gradient Σ_t s_t ã_tᵀ of one sequence's summed loss
// with respect to the augmented weight [W | b] of a linear map (Out×in).
func gradientOf(st transformer.LinearStats, in int) *mat.Dense {
	_, out := st.OutputGrads.Dims()
	g := mat.NewDense(out, in, nil)
	g.Mul(st.OutputGrads.T(), augmented(st, in, nil))
	return g
}

// eigen returns the eigenvectors (columns) and eigenvalues of a symmetric
// factor.
func eigen(a *mat.SymDense, what string) (*mat.Dense, []float64, error) {
	var e mat.EigenSym
	if !e.Factorize(a, true) {
		return nil, nil, fmt.Errorf("lancet: eigendecomposition of factor %s failed", what)
	}
	var v mat.Dense
	e.VectorsTo(&v)
	return &v, e.Values(nil), nil
}

// rotate returns Q_Sᵀ G Q_A.
func (mp *linFACMap) rotate(g *mat.Dense) *mat.Dense {
	var tmp, r mat.Dense
	tmp.Mul(mp.qs.T(), g)
	r.Mul(&tmp, mp.qa)
	return &r
}

// precondition returns Q_S[(Q_Sᵀ G Q_A) ⊘ (Λ + damping)]Q_Aᵀ.
func (mp *linFACMap) precondition(g *mat.Dense) *mat.Dense {
	r := mp.rotate(g)
	r.MulElem(r, mp.inv)
	var tmp, p mat.Dense
	tmp.Mul(mp.qs, r)
	p.Mul(&tmp, mp.qa.T())
	return &p
}

// selfInfluence returns gᵀĤ⁻¹g for the gradient g = Sᵀ Ã of one map, or
// ‖g‖² for Identity.
func (mp *linFACMap) selfInfluence(s, a *mat.Dense, method Method) float64 {
	var g mat.Dense
	g.Mul(s.T(), a)
	if method == Identity {
		return mat.Norm(&g, 2) * mat.Norm(&g, 2)
	}
	r := mp.rotate(&g)
	r.MulElem(r, r)
	r.MulElem(r, mp.inv)
	return mat.Sum(r)
}

// Method returns the curvature the factors were fitted with.
func (f *LinFAC) Method() Method { return f.method }

// Scores returns, for every training sequence z, the LinFAC influence of z on
// the queries,
//
//	score(z) = (1/Q) Σ_q ∇L_qᵀ Ĥ⁻¹ ∇L_z,
//
// restricted to the parameters of the linear maps, with L the summed weighted
// negative log-likelihood of a sequence and Ĥ the fitted (EK-FAC or K-FAC)
// Gauss–Newton approximation, or the identity. A positive score means that
// training on z lowers the queries' loss, i.e. z supports the queried
// (undesirable) generations; it is −I(z) in the convention of package
// influence (I = −∇fᵀH⁻¹∇ℓ with f the query loss). Scores are computed as
// Σ_maps Σ_t s_tᵀ P ã_t with P the preconditioned mean query gradient, so no
// training gradient is ever materialised in full. An interrupt returns
// job.ErrInterrupted. With Relative set, score(z) is divided by
// √(∇L_zᵀ Ĥ⁻¹ ∇L_z), computed from the rotated gradient Q_Sᵀ DW Q_A.
func (f *LinFAC) Scores(queries, train []transformer.Sequence) ([]float64, error) {
	if len(queries) == 0 {
		return nil, fmt.Errorf("lancet: Scores: no queries")
	}
	t := job.Start("lancet: "+f.method.String()+" scores", len(queries)+len(train))
	scores, err := f.scores(queries, train, t)
	t.Done(err)
	return scores, err
}

func (f *LinFAC) scores(queries, train []transformer.Sequence, t *job.Task) ([]float64, error) {
	sum := make([]*mat.Dense, len(f.maps))
	for l, mp := range f.maps {
		sum[l] = mat.NewDense(mp.lin.Out, mp.in, nil)
	}
	var mu sync.Mutex
	err := forChunks(len(queries), func(i int) error {
		if err := t.Step(1); err != nil {
			return err
		}
		stats, err := f.model.LinearStatistics(queries[i])
		if err != nil {
			return fmt.Errorf("lancet: query %d: %w", i, err)
		}
		mu.Lock()
		defer mu.Unlock()
		for l, mp := range f.maps {
			sum[l].Add(sum[l], gradientOf(stats[l], mp.in))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pre := make([]*mat.Dense, len(f.maps))
	for l := range f.maps {
		sum[l].Scale(1/float64(len(queries)), sum[l])
		pre[l] = sum[l]
		if f.method != Identity {
			pre[l] = f.maps[l].precondition(sum[l])
		}
	}
	scores := make([]float64, len(train))
	err = forChunks(len(train), func(i int) error {
		if err := t.Step(1); err != nil {
			return err
		}
		stats, err := f.model.LinearStatistics(train[i])
		if err != nil {
			return fmt.Errorf("lancet: training sequence %d: %w", i, err)
		}
		var sp mat.Dense
		self := 0.0
		for l, mp := range f.maps {
			a := augmented(stats[l], mp.in, nil)
			sp.Reset()
			sp.Mul(stats[l].OutputGrads, pre[l])
			sp.MulElem(&sp, a)
			scores[i] += mat.Sum(&sp)
			if f.relative {
				self += mp.selfInfluence(stats[l].OutputGrads, a, f.method)
			}
		}
		if f.relative && self > 0 {
			scores[i] /= math.Sqrt(self)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return scores, nil
}
