package influence

import (
	"fmt"

	"github.com/golign/golign/alignment/pref"
	"github.com/golign/golign/alignment/reward"
	"gonum.org/v1/gonum/mat"

	_ "github.com/golign/golign/alignment/backend" // BLAS backend chosen at build time
)

// Model is what influence needs of a reward model; *reward.Linear and
// *reward.MLP implement it.
type Model interface {
	// NumParams returns D.
	NumParams() int
	// Regularization returns λ of the (λ/2)‖θ‖² training penalty.
	Regularization() float64
	// Layers lists the linear layers inside θ.
	Layers() []reward.Layer
	// Margins returns the margins of all pairs of c.
	Margins(c *pref.Comparisons) ([]float64, error)
	// MarginGradients writes ∇θ mᵢ of pairs start… into the rows of dst.
	MarginGradients(c *pref.Comparisons, start int, margins []float64, dst *mat.Dense) error
	// LayerTerms writes each layer's inputs and margin output gradients of
	// pairs start… into terms.
	LayerTerms(c *pref.Comparisons, start int, terms []reward.LayerTerms) error
}

// Compressor sketches gradient rows from D to K coordinates, preserving
// inner products in expectation; *compress.OPORP and *compress.Gaussian
// implement it.
type Compressor interface {
	InputDim() int
	OutputDim() int
	CompressRowsTo(dst, src *mat.Dense) error
}

// Measurement is the function f of the model whose change influence
// explains.
type Measurement int

const (
	// QueryLoss: one score row per query pair, f = ℓ(z_q).
	QueryLoss Measurement = iota
	// MeanQueryLoss: a single score row, f = the weighted mean loss of the
	// query set (Min et al.'s targeted validation loss).
	MeanQueryLoss
	// QueryMargin: one score row per query pair, f = m(z_q) = r(y_w) − r(y_l).
	QueryMargin
)

// String returns the measurement's name.
func (m Measurement) String() string {
	switch m {
	case QueryLoss:
		return "query loss"
	case MeanQueryLoss:
		return "mean query loss"
	case QueryMargin:
		return "query margin"
	}
	return fmt.Sprintf("Measurement(%d)", int(m))
}

// Method names the inverse-curvature estimator.
type Method int

const (
	// Exact factorises the damped Gauss–Newton matrix (D×D).
	Exact Method = iota
	// CG solves H x = ∇f by conjugate gradients.
	CG
	// LiSSA estimates H⁻¹∇f with a damped, scaled Neumann series.
	LiSSA
	// DataInf uses the closed-form per-layer approximation of Kwon et al.
	DataInf
	// KFAC uses Kronecker-factored curvature per layer.
	KFAC
	// EKFAC is KFAC with eigenvalues refitted in the Kronecker eigenbasis.
	EKFAC
	// Identity takes H = I: scores are gradient dot products.
	Identity
	// TrainingLoss scores each training pair by its own loss.
	TrainingLoss
)

// String returns the method's name.
func (m Method) String() string {
	names := [...]string{"exact", "cg", "lissa", "datainf", "kfac", "ekfac", "identity", "training-loss"}
	if m >= 0 && int(m) < len(names) {
		return names[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Fisher chooses the curvature weights of the Gauss–Newton matrix.
type Fisher int

const (
	// TrueFisher weights pair i by σ(mᵢ)(1−σ(mᵢ)) (labels drawn from the
	// model; for KFAC/EKFAC one label per pair is sampled with Config.Seed).
	// For the linear model this is the exact Hessian.
	TrueFisher Fisher = iota
	// EmpiricalFisher uses the observed labels: Σ ŵᵢ gᵢgᵢᵀ.
	EmpiricalFisher
)

// Problem describes an influence computation once: the trained model, the
// comparisons it was trained on, and the measurement f that Scores
// explains.
type Problem struct {
	Model Model
	Train *pref.Comparisons
	// Measurement is f; the zero value is QueryLoss.
	Measurement Measurement
}

// Config configures Fit. The zero value works: exact influence with the
// true Fisher and the model's own L2 as the only damping.
type Config struct {
	// Method is the estimator (default Exact).
	Method Method
	// Fisher chooses true (default) or empirical Fisher curvature for
	// Exact, CG, LiSSA, KFAC and EKFAC; DataInf always uses the empirical
	// Fisher of its paper.
	Fisher Fisher
	// Damping, when positive, is: added to H for Exact, CG and LiSSA
	// (default 0, the model's λ regularises); the λ_l of every layer for
	// DataInf (default 0.1 × the layer's mean squared gradient entry); added
	// to the eigenvalues for KFAC and EKFAC (default 0.1 × mean(Λ) per layer).
	Damping float64
	// Compressor, when not nil, sketches every gradient before DataInf or
	// Identity; other methods reject it.
	Compressor Compressor

	// CGIterations bounds the conjugate-gradient iterations (default 200);
	// CGTolerance is the relative residual ‖H x − b‖/‖b‖ to reach (default
	// 1e-8).
	CGIterations int
	CGTolerance  float64

	// LiSSADepth is the number of recursion steps (default 1000); the full
	// training set is used (and the recursion stops once it has converged
	// to 1e-10 relative change) unless LiSSABatch > 0, which draws
	// mini-batches of that size. LiSSAScale s must exceed H's largest
	// eigenvalue; 0 estimates it by power iteration (×1.2). LiSSADamping δ
	// adds s·δ to H (default 0). LiSSARepeats averages independent runs
	// (default 1).
	LiSSADepth, LiSSABatch, LiSSARepeats int
	LiSSAScale, LiSSADamping             float64

	// Seed seeds LiSSA mini-batches and sampled Fisher labels.
	Seed uint64
	// BlockSize is the number of training pairs per block (default 1024
	// when gradients are streamed, 2²⁴/D when they are held in memory).
	BlockSize int
	// CacheBytes bounds the memory used to hold all training gradients
	// (default 1 GiB); above it they are recomputed block by block on
	// every pass. The linear model's uncompressed gradients, the feature
	// differences, are always recomputed: forming them costs no more than
	// reading a held copy.
	CacheBytes int
}

func (c Config) blockSize() int {
	if c.BlockSize > 0 {
		return c.BlockSize
	}
	return 1024
}

func (c Config) cacheBytes() int {
	if c.CacheBytes > 0 {
		return c.CacheBytes
	}
	return 1 << 30
}
