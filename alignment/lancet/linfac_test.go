package lancet

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/golign/golign/alignment/transformer"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// tinyModel returns a one-layer untied transformer small enough for dense
// Gauss–Newton matrices, and a few random sequences for it.
func tinyModel(t *testing.T) (*transformer.Model, []transformer.Sequence) {
	t.Helper()
	m, err := transformer.New(transformer.Config{Vocab: 5, Context: 8, Layers: 1, Heads: 1, Width: 4, Hidden: 6, UntiedOutput: true, InitScale: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seqs := make([]transformer.Sequence, 3)
	for i := range seqs {
		toks := make([]int, 6)
		for j := range toks {
			toks[j] = rng.IntN(5)
		}
		seqs[i] = transformer.Sequence{Tokens: toks}
	}
	// Loss on the last three predictions only, as for a response.
	seqs[2].Weights = []float64{0, 0, 1, 1, 1}
	return m, seqs
}

// blockGradient gathers the augmented weight gradient [∂W | ∂b] (Out×in) of
// one linear map from a full parameter gradient.
func blockGradient(full []float64, mp linFACMap) *mat.Dense {
	g := mat.NewDense(mp.lin.Out, mp.in, nil)
	for o := 0; o < mp.lin.Out; o++ {
		for j := 0; j < mp.lin.In; j++ {
			g.Set(o, j, full[mp.lin.Weight.Offset+o*mp.lin.In+j])
		}
		if mp.in > mp.lin.In {
			g.Set(o, mp.lin.In, full[mp.lin.Bias.Offset+o])
		}
	}
	return g
}

// TestEKFACEigenvaluesAreFisherDiagonal checks, against gradients from full
// backpropagation, that EK-FAC's Λ is exactly the diagonal of the sampled
// Gauss–Newton matrix (1/N) Σ_n vec(DW_n) vec(DW_n)ᵀ in the Kronecker
// eigenbasis, for every linear map (attention, MLP and unembedding).
func TestEKFACEigenvaluesAreFisherDiagonal(t *testing.T) {
	m, seqs := tinyModel(t)
	const samples, seed = 2, 7
	f, err := FitLinFAC(m, seqs, LinFACConfig{FisherSamples: samples, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.maps) != 7 {
		t.Fatalf("%d linear maps, want 7 (q, k, v, o, mlp in, mlp out, unembed)", len(f.maps))
	}
	for _, mp := range f.maps {
		want := mat.NewDense(mp.lin.Out, mp.in, nil)
		for i, s := range seqs {
			for k := 0; k < samples; k++ {
				sampled, err := m.SampleTargets(s, seed^uint64(i*samples+k)*0x9e3779b97f4a7c15)
				if err != nil {
					t.Fatal(err)
				}
				full, _, err := m.Gradient(sampled)
				if err != nil {
					t.Fatal(err)
				}
				r, err := mp.curv.Basis().Rotate(blockGradient(full, mp))
				if err != nil {
					t.Fatal(err)
				}
				r.MulElem(r, r)
				want.Add(want, r)
			}
		}
		want.Scale(1/float64(len(seqs)*samples), want)
		if lambda := mp.curv.Eigenvalues(); !mat.EqualApprox(lambda, want, 1e-10*mat.Max(want)) {
			t.Errorf("%s: Λ differs from the diagonal of the sampled Fisher in the eigenbasis:\n%v\nwant\n%v",
				mp.lin.Name, mat.Formatted(lambda), mat.Formatted(want))
		}
	}
}

// TestLinFACApproximatesExactGaussNewton compares the fitted curvature of
// small layers with the exact Gauss–Newton matrix of the cross-entropy,
// G = (1/N) Σ_n Σ_t Σ_y p_t(y) g_{n,t,y} g_{n,t,y}ᵀ, enumerating every label y
// of every position t (cross-position terms vanish in expectation). With
// many sampled labels EK-FAC's Λ approaches diag(Qᵀ G Q), and EK-FAC is
// closer to G than K-FAC in Frobenius norm (George et al. 2018).
func TestLinFACApproximatesExactGaussNewton(t *testing.T) {
	m, seqs := tinyModel(t)
	ek, err := FitLinFAC(m, seqs, LinFACConfig{FisherSamples: 400, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := FitLinFAC(m, seqs, LinFACConfig{Method: KFAC, FisherSamples: 400, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for l, mp := range ek.maps {
		if mp.lin.Name != "layer0.mlp.in" && mp.lin.Name != "layer0.attn.v" && mp.lin.Name != "unembed" {
			continue
		}
		dim := mp.lin.Out * mp.in
		gn := mat.NewSymDense(dim, nil)
		for _, s := range seqs {
			w := weightsOf(s)
			logits, err := m.Logits(s.Tokens[:len(s.Tokens)-1])
			if err != nil {
				t.Fatal(err)
			}
			for pos := range w {
				if w[pos] == 0 {
					continue
				}
				probs := softmax(logits.RawRowView(pos))
				for y := range probs {
					one := make([]float64, len(w))
					one[pos] = 1
					targets := make([]int, len(w))
					targets[pos] = y
					full, _, err := m.Gradient(transformer.Sequence{Tokens: s.Tokens, Weights: one, Targets: targets})
					if err != nil {
						t.Fatal(err)
					}
					g := blockGradient(full, mp).RawMatrix().Data
					gn.SymRankOne(gn, probs[y]/float64(len(seqs)), mat.NewVecDense(dim, g))
				}
			}
		}
		q := mp.curv.Basis().Kronecker()
		var rot mat.Dense
		rot.Product(q.T(), gn, q)
		diag := make([]float64, dim)
		for i := range diag {
			diag[i] = rot.At(i, i)
		}
		lambda := mp.curv.Eigenvalues().RawMatrix().Data
		if e := floats.Distance(lambda, diag, 2) / floats.Norm(diag, 2); e > 0.15 {
			t.Errorf("%s: EK-FAC eigenvalues differ from diag(QᵀGQ) by %.3f (relative)", mp.lin.Name, e)
		}
		errOf := func(h *mat.Dense) float64 {
			var d mat.Dense
			d.Sub(h, gn)
			return mat.Norm(&d, 2) / mat.Norm(gn, 2)
		}
		eErr, kErr := errOf(mp.curv.Approximation()), errOf(kf.maps[l].curv.Approximation())
		t.Logf("%s: relative error to exact Gauss–Newton: EK-FAC %.3f, K-FAC %.3f", mp.lin.Name, eErr, kErr)
		if eErr > kErr+0.02 || eErr > 0.8 {
			t.Errorf("%s: EK-FAC error %.3f, K-FAC %.3f", mp.lin.Name, eErr, kErr)
		}
	}
}

func softmax(x []float64) []float64 {
	p := make([]float64, len(x))
	mx := floats.Max(x)
	for i, v := range x {
		p[i] = math.Exp(v - mx)
	}
	floats.Scale(1/floats.Sum(p), p)
	return p
}

// TestScoresAreExplicitProducts checks scores against ∇L_qᵀ Ĥ⁻¹ ∇L_z built
// from full-backpropagation gradients and each map's preconditioner (which
// package kfac checks against dense solves).
func TestScoresAreExplicitProducts(t *testing.T) {
	m, seqs := tinyModel(t)
	queries, train := seqs[:2], seqs
	for _, method := range []Method{EKFAC, KFAC, Identity} {
		for _, relative := range []bool{false, true} {
			f, err := FitLinFAC(m, train, LinFACConfig{Method: method, Relative: relative, Damping: 0.01})
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Scores(queries, train)
			if err != nil {
				t.Fatal(err)
			}
			var qgrads [][]float64
			for _, q := range queries {
				g, _, err := m.Gradient(q)
				if err != nil {
					t.Fatal(err)
				}
				qgrads = append(qgrads, g)
			}
			for i, z := range train {
				gz, _, err := m.Gradient(z)
				if err != nil {
					t.Fatal(err)
				}
				var want, self float64
				for _, mp := range f.maps {
					bz := blockGradient(gz, mp)
					hz := mat.DenseCopyOf(bz)
					if method != Identity {
						if err := mp.curv.PreconditionTo(hz, bz); err != nil {
							t.Fatal(err)
						}
					}
					for _, gq := range qgrads {
						want += floats.Dot(blockGradient(gq, mp).RawMatrix().Data, hz.RawMatrix().Data) / float64(len(queries))
					}
					self += floats.Dot(bz.RawMatrix().Data, hz.RawMatrix().Data)
				}
				if relative {
					want /= math.Sqrt(self)
				}
				if math.Abs(got[i]-want) > 1e-8*(1+math.Abs(want)) {
					t.Errorf("%v relative=%v: score %d = %g, want %g", method, relative, i, got[i], want)
				}
			}
		}
	}
}
