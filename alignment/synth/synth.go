// Package synth generates preference data with known ground truth: a true
// utility over latent response features, and labelers whose biases and
// errors are recorded pair by pair, so that detection methods (influence
// functions, reward margins) can be scored against the truth.
//
// A response is a feature vector x ∈ ℝᵈ. Coordinate LengthFeature is its
// (standardised) length and AgreementFeature how much it agrees with the
// user; the others are content. The true utility is linear, u(x) = wᵀx,
// with w's length and agreement weights set by the caller (0 by default:
// the truth ignores length and agreement) — the setting of the length- and
// sycophancy-bias experiments of Min et al., "Understanding impact of human
// feedback via influence approximations", ACL 2025 (arXiv 2501.05790).
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/golign/golign/alignment/pref"
)

// Indices of the interpretable coordinates of the latent features.
const (
	// LengthFeature is the coordinate holding a response's standardised length.
	LengthFeature = 0
	// AgreementFeature is the coordinate holding how much a response agrees
	// with the user.
	AgreementFeature = 1
)

// Bias names the way a labeler departs from the true preference.
type Bias int

const (
	// Unbiased labelers flip each pair's true label at random with
	// probability Rate (ε).
	Unbiased Bias = iota
	// LengthBiased labelers prefer the longer response: where the truly
	// preferred response is the shorter one, they flip the label with
	// probability Rate.
	LengthBiased
	// SycophancyBiased labelers prefer the response agreeing more with the
	// user: where the truly preferred response agrees less, they flip the
	// label with probability Rate.
	SycophancyBiased
	// RegionBiased labelers, like an LLM judge, err mostly in one region of
	// feature space: inside it they flip with probability Rate, outside with
	// probability OutsideRate (see Config.RegionFraction).
	RegionBiased
)

// String returns the bias's name.
func (b Bias) String() string {
	switch b {
	case Unbiased:
		return "unbiased"
	case LengthBiased:
		return "length-biased"
	case SycophancyBiased:
		return "sycophancy-biased"
	case RegionBiased:
		return "region-biased"
	}
	return fmt.Sprintf("Bias(%d)", int(b))
}

// Labeler describes one simulated labeler.
type Labeler struct {
	// ID names the labeler in pref.Comparisons.Labeler. If empty, it is
	// "labeler<k>" for the k-th labeler.
	ID string
	// Bias is how the labeler departs from the truth.
	Bias Bias
	// Rate is the probability of flipping a pair the bias applies to (all
	// pairs for Unbiased, the pairs inside the region for RegionBiased),
	// used as given: 0 means the labeler never errs there.
	Rate float64
	// OutsideRate is a RegionBiased labeler's flip probability outside the
	// region; other biases ignore it.
	OutsideRate float64
	// Share is the labeler's relative share of the pairs. If 0, it is 1.
	Share float64
}

// Config describes a synthetic data set. Its zero value gives 1000 training
// pairs labelled by one length-biased labeler (rate 0.5, so about a quarter
// of the labels are flipped), 200 clean validation pairs, 16 features.
type Config struct {
	// Pairs is the number of training pairs. If 0, it is 1000.
	Pairs int
	// Validation is the number of validation pairs, labelled by the true
	// preference. If 0, it is 200; a negative value gives none.
	Validation int
	// Dim is the feature dimension d, at least 3. If 0, it is 16.
	Dim int
	// Seed seeds every random choice: equal configs give equal data.
	Seed uint64
	// LengthWeight and AgreementWeight are the true utility's weights on
	// the length and agreement coordinates. The default 0 means the truth
	// ignores them; a negative AgreementWeight penalises sycophancy.
	LengthWeight, AgreementWeight float64
	// UtilityNorm is the norm of the content part of the true utility
	// weights, drawn uniformly on that sphere. If 0, it is 2, which makes
	// true margins w·(x_a − x_b) of standard deviation about 2.8.
	UtilityNorm float64
	// Sharpness β makes the true preference itself noisy: response a is
	// truly preferred with probability σ(β(u(a) − u(b))). If 0, the truth is
	// deterministic: the response of higher utility is preferred.
	Sharpness float64
	// Labelers label the training pairs, each taking a share of them at
	// random. If empty, one LengthBiased labeler "length-biased" with Rate
	// 0.5.
	Labelers []Labeler
	// RegionFraction is the fraction of pairs inside a RegionBiased
	// labeler's error region: the pairs whose mean response features
	// project highest on a random content direction. If 0, it is 0.25; with
	// Rate 0.7 and OutsideRate 0.03 that makes about 20% errors overall.
	RegionFraction float64
}

// Data is a synthetic preference data set with its ground truth.
type Data struct {
	// Train holds the training pairs as the labelers labelled them, with
	// Labeler set.
	Train *pref.Comparisons
	// Validation holds clean pairs labelled by the true preference; nil
	// when Config.Validation is negative.
	Validation *pref.Comparisons
	// Utility is the true utility's weight vector w.
	Utility []float64
	// FeatureNames names the d coordinates: "length", "agreement",
	// "content1", ….
	FeatureNames []string
	// Flipped marks the training pairs whose label disagrees with the true
	// preference: the pairs a detector should find.
	Flipped []bool
	// TrueMargin is w·(chosen_i − rejected_i) for each training pair as
	// labelled; with Sharpness 0 it is negative exactly where Flipped is.
	TrueMargin []float64
	// InRegion marks the training pairs inside the region of RegionBiased
	// labelers (computed for every pair, whatever the labelers).
	InRegion []bool
	// Labelers is the configuration's labelers with defaults filled in;
	// Train.Labeler holds their IDs.
	Labelers []Labeler
}

func (c Config) withDefaults() (Config, error) {
	if c.Pairs == 0 {
		c.Pairs = 1000
	}
	if c.Validation == 0 {
		c.Validation = 200
	}
	if c.Dim == 0 {
		c.Dim = 16
	}
	if c.UtilityNorm == 0 {
		c.UtilityNorm = 2
	}
	if c.RegionFraction == 0 {
		c.RegionFraction = 0.25
	}
	if len(c.Labelers) == 0 {
		c.Labelers = []Labeler{{ID: "length-biased", Bias: LengthBiased, Rate: 0.5}}
	} else {
		c.Labelers = append([]Labeler(nil), c.Labelers...)
	}
	switch {
	case c.Pairs < 0:
		return c, fmt.Errorf("synth: Pairs = %d, want a positive number", c.Pairs)
	case c.Dim < 3:
		return c, fmt.Errorf("synth: Dim = %d, want at least 3 (length, agreement and content)", c.Dim)
	case !(c.RegionFraction > 0 && c.RegionFraction < 1):
		return c, fmt.Errorf("synth: RegionFraction = %v, want a number in (0, 1)", c.RegionFraction)
	case c.Sharpness < 0 || math.IsNaN(c.Sharpness) || math.IsInf(c.Sharpness, 0):
		return c, fmt.Errorf("synth: Sharpness = %v, want a finite non-negative number", c.Sharpness)
	case c.UtilityNorm < 0 || math.IsNaN(c.UtilityNorm) || math.IsInf(c.UtilityNorm, 0):
		return c, fmt.Errorf("synth: UtilityNorm = %v, want a finite positive number", c.UtilityNorm)
	}
	for k := range c.Labelers {
		l := &c.Labelers[k]
		if l.ID == "" {
			l.ID = fmt.Sprintf("labeler%d", k)
		}
		if l.Share == 0 {
			l.Share = 1
		}
		if l.Bias < Unbiased || l.Bias > RegionBiased {
			return c, fmt.Errorf("synth: labeler %q has unknown bias %d", l.ID, int(l.Bias))
		}
		for _, p := range []struct {
			name string
			v    float64
		}{{"Rate", l.Rate}, {"OutsideRate", l.OutsideRate}} {
			if !(p.v >= 0 && p.v <= 1) {
				return c, fmt.Errorf("synth: labeler %q has %s = %v, want a probability", l.ID, p.name, p.v)
			}
		}
		if !(l.Share > 0) || math.IsInf(l.Share, 0) {
			return c, fmt.Errorf("synth: labeler %q has Share = %v, want a positive number", l.ID, l.Share)
		}
	}
	return c, nil
}

// Generate draws a data set from cfg. Every pair draws two responses with
// independent standard normal features, orders them by the true preference,
// and hands them to a labeler chosen at random by share, who flips the label
// as its bias says; the flip is recorded in Data.Flipped. Validation pairs
// are drawn the same way and labelled by the truth.
func Generate(cfg Config) (*Data, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x51a7e5d))
	d := cfg.Dim
	w := make([]float64, d)
	region := make([]float64, d) // unit direction over content coordinates
	w[LengthFeature], w[AgreementFeature] = cfg.LengthWeight, cfg.AgreementWeight
	drawSphere(rng, w[2:], cfg.UtilityNorm)
	drawSphere(rng, region[2:], 1)
	// Mean features of a pair project on region as N(0, 1/2): the region
	// holds the top RegionFraction of that distribution.
	threshold := math.Sqrt(0.5) * distuv.UnitNormal.Quantile(1-cfg.RegionFraction)

	data := &Data{
		Utility:      w,
		FeatureNames: FeatureNames(d),
		Flipped:      make([]bool, cfg.Pairs),
		TrueMargin:   make([]float64, cfg.Pairs),
		InRegion:     make([]bool, cfg.Pairs),
		Labelers:     cfg.Labelers,
	}
	cum := make([]float64, len(cfg.Labelers))
	total := 0.0
	for k, l := range cfg.Labelers {
		total += l.Share
		cum[k] = total
	}
	g := pairGenerator{rng: rng, w: w, sharpness: cfg.Sharpness}
	train := &pref.Comparisons{
		Chosen:   mat.NewDense(cfg.Pairs, d, nil),
		Rejected: mat.NewDense(cfg.Pairs, d, nil),
		Labeler:  make([]string, cfg.Pairs),
	}
	for i := 0; i < cfg.Pairs; i++ {
		chosen, rejected := train.Chosen.RawRowView(i), train.Rejected.RawRowView(i)
		g.draw(chosen, rejected)
		pick := rng.Float64() * total
		k := 0
		for k < len(cum)-1 && pick >= cum[k] {
			k++
		}
		l := cfg.Labelers[k]
		u := rng.Float64()
		proj := 0.0
		for j := range region {
			proj += region[j] * (chosen[j] + rejected[j]) / 2
		}
		inRegion := proj > threshold
		var flip bool
		switch l.Bias {
		case Unbiased:
			flip = u < l.Rate
		case LengthBiased:
			flip = chosen[LengthFeature] < rejected[LengthFeature] && u < l.Rate
		case SycophancyBiased:
			flip = chosen[AgreementFeature] < rejected[AgreementFeature] && u < l.Rate
		case RegionBiased:
			flip = (inRegion && u < l.Rate) || (!inRegion && u < l.OutsideRate)
		}
		if flip {
			swap(chosen, rejected)
		}
		train.Labeler[i] = l.ID
		data.Flipped[i] = flip
		data.InRegion[i] = inRegion
		data.TrueMargin[i] = floats.Dot(w, chosen) - floats.Dot(w, rejected)
	}
	data.Train = train
	if cfg.Validation > 0 {
		v := &pref.Comparisons{
			Chosen:   mat.NewDense(cfg.Validation, d, nil),
			Rejected: mat.NewDense(cfg.Validation, d, nil),
		}
		for i := 0; i < cfg.Validation; i++ {
			g.draw(v.Chosen.RawRowView(i), v.Rejected.RawRowView(i))
		}
		data.Validation = v
	}
	return data, nil
}

// pairGenerator draws pairs of responses ordered by the true preference.
type pairGenerator struct {
	rng       *rand.Rand
	w         []float64
	sharpness float64
}

// draw fills chosen and rejected with two responses' features, the truly
// preferred one in chosen.
func (g pairGenerator) draw(chosen, rejected []float64) {
	for j := range chosen {
		chosen[j] = g.rng.NormFloat64()
		rejected[j] = g.rng.NormFloat64()
	}
	margin := floats.Dot(g.w, chosen) - floats.Dot(g.w, rejected)
	u := g.rng.Float64()
	firstPreferred := margin > 0
	if g.sharpness > 0 {
		firstPreferred = u < 1/(1+math.Exp(-g.sharpness*margin))
	}
	if !firstPreferred {
		swap(chosen, rejected)
	}
}

// FeatureNames returns the names of d latent coordinates: "length",
// "agreement", then "content1" … "content<d−2>".
func FeatureNames(d int) []string {
	names := make([]string, d)
	for j := range names {
		switch j {
		case LengthFeature:
			names[j] = "length"
		case AgreementFeature:
			names[j] = "agreement"
		default:
			names[j] = fmt.Sprintf("content%d", j-1)
		}
	}
	return names
}

func drawSphere(rng *rand.Rand, v []float64, norm float64) {
	s := 0.0
	for j := range v {
		v[j] = rng.NormFloat64()
		s += v[j] * v[j]
	}
	s = math.Sqrt(s)
	for j := range v {
		v[j] *= norm / s
	}
}

func swap(a, b []float64) {
	for j := range a {
		a[j], b[j] = b[j], a[j]
	}
}
