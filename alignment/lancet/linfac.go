package lancet

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/kfac"
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

// linFACMap is one linear map y = W x + b and, unless the method is
// Identity, its curvature over the row-major vectorisation of the gradient
// of the augmented Out×In' weight [W | b] (In' = In+1 with a bias, In
// without).
type linFACMap struct {
	lin  transformer.Linear
	in   int // In'
	curv *kfac.Curvature
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
// (George et al. 2018), the diagonal of G in the Kronecker eigenbasis; see
// package kfac. Identity fits nothing. An interrupt returns
// job.ErrInterrupted.
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

// fit accumulates the factors, eigendecomposes them and damps Λ.
func (f *LinFAC) fit(train []transformer.Sequence, samples int, cfg LinFACConfig, t *job.Task) error {
	tokens := 0.0
	for _, seq := range train {
		for _, w := range weightsOf(seq) {
			if w != 0 {
				tokens++
			}
		}
	}
	if tokens == 0 {
		return fmt.Errorf("lancet: FitLinFAC: training sequences have no weighted tokens")
	}
	tokens *= float64(samples)
	nseq := float64(len(train) * samples)
	covs := make([]*kfac.Covariances, len(f.maps))
	for l, mp := range f.maps {
		var err error
		if covs[l], err = kfac.NewCovariances(mp.in, mp.lin.Out); err != nil {
			return fmt.Errorf("lancet: FitLinFAC: linear map %s: %w", mp.lin.Name, err)
		}
	}
	err := f.eachSampled(train, samples, cfg.Seed, t, func(seq transformer.Sequence, stats []transformer.LinearStats) error {
		weights := weightsOf(seq)
		aw, sw := make([]float64, len(weights)), make([]float64, len(weights))
		for i, w := range weights {
			if w != 0 {
				aw[i] = 1 / tokens
			}
			sw[i] = 1 / nseq
		}
		for l, mp := range f.maps {
			if err := covs[l].AddInputs(augmented(stats[l], mp.in), aw); err != nil {
				return err
			}
			if err := covs[l].AddOutputGrads(stats[l].OutputGrads, sw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bases := make([]*kfac.Eigenbasis, len(f.maps))
	lambdas := make([]*mat.Dense, len(f.maps))
	for l, mp := range f.maps {
		if bases[l], err = covs[l].Eigenbasis(); err != nil {
			return fmt.Errorf("lancet: FitLinFAC: linear map %s: %w", mp.lin.Name, err)
		}
		lambdas[l] = bases[l].KFACEigenvalues()
	}
	if f.method == EKFAC {
		corrs := make([]*kfac.Correction, len(f.maps))
		for l := range corrs {
			corrs[l] = kfac.NewCorrection(bases[l])
		}
		perSequence := []float64{1 / nseq}
		err := f.eachSampled(train, samples, cfg.Seed, t, func(_ transformer.Sequence, stats []transformer.LinearStats) error {
			for l, mp := range f.maps {
				if err := corrs[l].Add(sequenceBatch(augmented(stats[l], mp.in), stats[l].OutputGrads, perSequence)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for l := range corrs {
			lambdas[l] = corrs[l].Eigenvalues()
		}
	}
	for l := range f.maps {
		mp := &f.maps[l]
		if mp.curv, err = kfac.NewCurvature(bases[l], lambdas[l], kfac.DampingConfig{Damping: cfg.Damping}); err != nil {
			return fmt.Errorf("lancet: FitLinFAC: linear map %s: %w", mp.lin.Name, err)
		}
	}
	return nil
}

// eachSampled calls visit, concurrently, with the linear statistics of every
// training sequence under labels drawn from the model (samples draws each,
// seeded by seed and the sequence's index), counting one step of t per
// sequence.
func (f *LinFAC) eachSampled(train []transformer.Sequence, samples int, seed uint64, t *job.Task,
	visit func(transformer.Sequence, []transformer.LinearStats) error) error {
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
			if err := visit(seq, stats); err != nil {
				return fmt.Errorf("lancet: training sequence %d: %w", i, err)
			}
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

// weightsOf returns the loss weights of seq's predicted positions (none for
// a sequence too short to predict anything).
func weightsOf(seq transformer.Sequence) []float64 {
	if seq.Weights != nil {
		return seq.Weights
	}
	w := make([]float64, max(len(seq.Tokens)-1, 0))
	for i := range w {
		w[i] = 1
	}
	return w
}

// augmented returns the T×in matrix of the inputs [a_t; 1] (without the 1
// when in equals the map's input width).
func augmented(st transformer.LinearStats, in int) *mat.Dense {
	rows, cols := st.Inputs.Dims()
	if in == cols {
		return st.Inputs
	}
	a := mat.NewDense(rows, in, nil)
	a.Slice(0, rows, 0, cols).(*mat.Dense).Copy(st.Inputs)
	for t := 0; t < rows; t++ {
		a.Set(t, cols, 1)
	}
	return a
}

// sequenceBatch returns one sequence's augmented inputs a (T×In') and
// output gradients s (T×Out) of a linear map as a kfac.Batch of one example
// with a term per position, whose gradient is DW = Σ_t s_t ã_tᵀ, with
// weights (nil or one).
func sequenceBatch(a, s *mat.Dense, weights []float64) kfac.Batch {
	rows, _ := a.Dims()
	return kfac.Batch{Inputs: a, OutputGrads: s, Terms: rows, Weights: weights}
}

// gradientOf returns the gradient Σ_t s_t ã_tᵀ of one sequence's summed loss
// with respect to the augmented weight [W | b] of a linear map (Out×in).
func gradientOf(st transformer.LinearStats, in int) *mat.Dense {
	_, out := st.OutputGrads.Dims()
	g := mat.NewDense(out, in, nil)
	g.Mul(st.OutputGrads.T(), augmented(st, in))
	return g
}

// selfInfluence returns gᵀĤ⁻¹g for the gradient g = Σ_t s_t ã_tᵀ of one
// sequence's summed loss, given its augmented inputs a and output gradients
// s, or ‖g‖² for Identity.
func (mp *linFACMap) selfInfluence(a, s *mat.Dense) (float64, error) {
	if mp.curv == nil {
		var g mat.Dense
		g.Mul(s.T(), a)
		return mat.Norm(&g, 2) * mat.Norm(&g, 2), nil
	}
	self, err := mp.curv.SelfInfluence(sequenceBatch(a, s, nil))
	if err != nil {
		return 0, err
	}
	return self[0], nil
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
	// pre[l] sums the query gradients of map l, then becomes P, their
	// preconditioned mean.
	pre := make([]*mat.Dense, len(f.maps))
	for l, mp := range f.maps {
		pre[l] = mat.NewDense(mp.lin.Out, mp.in, nil)
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
			pre[l].Add(pre[l], gradientOf(stats[l], mp.in))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for l, mp := range f.maps {
		pre[l].Scale(1/float64(len(queries)), pre[l])
		if mp.curv != nil {
			if err := mp.curv.PreconditionTo(pre[l], pre[l]); err != nil {
				return nil, err
			}
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
			a := augmented(stats[l], mp.in)
			sp.Reset()
			sp.Mul(stats[l].OutputGrads, pre[l])
			sp.MulElem(&sp, a)
			scores[i] += mat.Sum(&sp)
			if f.relative {
				s, err := mp.selfInfluence(a, stats[l].OutputGrads)
				if err != nil {
					return err
				}
				self += s
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
