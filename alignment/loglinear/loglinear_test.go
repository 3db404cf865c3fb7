package loglinear

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randomPolicy(seed uint64, prompts, k, d int, ref bool) *Policy {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := &Policy{Theta: make([]float64, d)}
	for i := range p.Theta {
		p.Theta[i] = rng.NormFloat64()
	}
	for x := 0; x < prompts; x++ {
		f := mat.NewDense(k+x%2, d, nil)
		for i := range f.RawMatrix().Data {
			f.RawMatrix().Data[i] = rng.NormFloat64()
		}
		p.Features = append(p.Features, f)
		if ref {
			r := make([]float64, k+x%2)
			for i := range r {
				r[i] = rng.NormFloat64()
			}
			p.RefLogProbs = append(p.RefLogProbs, r)
		}
	}
	return p
}

func TestGradientAndFisherMatchFiniteDifferences(t *testing.T) {
	for _, ref := range []bool{false, true} {
		p := randomPolicy(1, 3, 5, 4, ref)
		const h = 1e-6
		for x := 0; x < p.NumPrompts(); x++ {
			for y := 0; y < 5; y++ {
				g, err := p.GradLogProb(x, y)
				if err != nil {
					t.Fatal(err)
				}
				for i := range p.Theta {
					th := p.Theta[i]
					p.Theta[i] = th + h
					up, _ := p.LogProbs(x)
					p.Theta[i] = th - h
					down, _ := p.LogProbs(x)
					p.Theta[i] = th
					if fd := (up[y] - down[y]) / (2 * h); math.Abs(fd-g[i]) > 1e-7 {
						t.Fatalf("ref=%v ∂log π(%d|%d)/∂θ_%d = %v, finite difference %v", ref, y, x, i, g[i], fd)
					}
				}
			}
			// Fisher = Jacobian of the expected features.
			f, _ := p.Fisher(x)
			for i := range p.Theta {
				th := p.Theta[i]
				p.Theta[i] = th + h
				up, _ := p.ExpectedFeatures(x)
				p.Theta[i] = th - h
				down, _ := p.ExpectedFeatures(x)
				p.Theta[i] = th
				for j := range up {
					if fd := (up[j] - down[j]) / (2 * h); math.Abs(fd-f.At(i, j)) > 1e-7 {
						t.Fatalf("Fisher(%d,%d) = %v, finite difference %v", i, j, f.At(i, j), fd)
					}
				}
			}
		}
	}
}

func TestKLAndTilted(t *testing.T) {
	p := randomPolicy(2, 4, 6, 3, true)
	q := p.WithTheta([]float64{0.5, -1, 2})
	if kl, _ := MeanKL(p, p); kl != 0 {
		t.Errorf("KL(p‖p) = %v", kl)
	}
	for x := 0; x < p.NumPrompts(); x++ {
		kl, err := KL(p, q, x)
		if err != nil {
			t.Fatal(err)
		}
		pp, _ := p.Probs(x)
		pq, _ := q.Probs(x)
		var want float64
		for y := range pp {
			want += pp[y] * math.Log(pp[y]/pq[y])
		}
		if math.Abs(kl-want) > 1e-12 || kl <= 0 {
			t.Errorf("KL %v, want %v > 0", kl, want)
		}
	}
	// The tilted distribution maximises E[r] − β KL(π‖π_θ), with value
	// β log E_{π_θ}[exp(r/β)].
	rewards := []float64{1, 0, 2, -1, 0.5, 3, 0}
	x, beta := 1, 0.7
	base, _ := p.Probs(x)
	r := rewards[:len(base)]
	star, err := p.Tilted(x, r, beta)
	if err != nil {
		t.Fatal(err)
	}
	objective := func(pi []float64) float64 {
		var v float64
		for y := range pi {
			v += pi[y]*r[y] - beta*pi[y]*math.Log(pi[y]/base[y])
		}
		return v
	}
	var z float64
	for y := range base {
		z += base[y] * math.Exp(r[y]/beta)
	}
	if got := objective(star); math.Abs(got-beta*math.Log(z)) > 1e-12 {
		t.Errorf("objective at the optimum %v, closed form %v", got, beta*math.Log(z))
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for range 100 {
		pert := make([]float64, len(star))
		var s float64
		for y := range pert {
			pert[y] = star[y] * math.Exp(0.3*rng.NormFloat64())
			s += pert[y]
		}
		for y := range pert {
			pert[y] /= s
		}
		if objective(pert) > objective(star)+1e-12 {
			t.Fatalf("a perturbation beats the tilted optimum")
		}
	}
}

func TestSampleMatchesProbs(t *testing.T) {
	p := randomPolicy(3, 1, 5, 2, false)
	const n = 20000
	s, err := p.Sample(0, n, 7)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := p.Probs(0)
	counts := make([]float64, len(pr))
	for _, y := range s {
		counts[y]++
	}
	var chi2 float64
	for y := range pr {
		e := n * pr[y]
		chi2 += (counts[y] - e) * (counts[y] - e) / e
	}
	// 99.9% quantile of chi-square with 4 degrees of freedom.
	if chi2 > 18.5 {
		t.Errorf("chi-square %v: counts %v, probabilities %v", chi2, counts, pr)
	}
}

func TestBadInput(t *testing.T) {
	p := randomPolicy(4, 2, 3, 2, true)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := p.WithTheta([]float64{1})
	if err := bad.Validate(); err == nil {
		t.Error("θ of the wrong length validated")
	}
	if _, err := bad.LogProbs(0); err == nil {
		t.Error("θ of the wrong length accepted")
	}
	if _, err := p.LogProbs(5); err == nil {
		t.Error("prompt out of range accepted")
	}
	if _, err := p.GradLogProb(0, 9); err == nil {
		t.Error("candidate out of range accepted")
	}
	if _, err := p.Tilted(0, []float64{1, 2, 3}, 0); err == nil {
		t.Error("β = 0 accepted")
	}
	if _, err := KL(p, randomPolicy(4, 2, 4, 2, false), 0); err == nil {
		t.Error("KL across different candidate sets accepted")
	}
}
