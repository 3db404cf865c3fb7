package reward

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/alignment/pref"
)

// MLPConfig configures TrainMLP. The zero value works.
type MLPConfig struct {
	// Hidden are the hidden widths; nil means one hidden layer of 64.
	Hidden []int
	// Activation is the hidden nonlinearity (default Tanh).
	Activation Activation
	// L2 is λ of the (λ/2)‖θ‖² penalty; 0 means 1e-4, NoL2 means none.
	L2 float64
	// LearningRate is Adam's step size; 0 means 1e-3.
	LearningRate float64
	// Epochs is the number of passes over the data; 0 means 50.
	Epochs int
	// BatchSize is the mini-batch size; 0 means 64.
	BatchSize int
	// Seed seeds the initial weights and the mini-batch order.
	Seed uint64
	// Validation, when not nil, is evaluated after every epoch; training
	// stops early when its loss has not improved for Patience epochs and
	// the best parameters are kept.
	Validation *pref.Comparisons
	// Patience is the early-stopping patience in epochs; 0 means 5. It
	// applies only with a Validation set.
	Patience int
	// Init, when not nil, is the starting model (warm start); Hidden,
	// Activation and the seed's initialisation are then ignored.
	Init *MLP
}

// MLPFit is the training history of TrainMLPFit.
type MLPFit struct {
	// TrainLoss holds, for each epoch, the weighted mean Bradley–Terry loss
	// (no L2) of its mini-batches, each measured before its update;
	// ValidationLoss the loss of the validation set after each epoch (empty
	// without a validation set).
	TrainLoss, ValidationLoss []float64
	// BestEpoch is the epoch (from 1) whose parameters were kept.
	BestEpoch int
}

// Adam's constants (Kingma & Ba 2015, Algorithm 1).
const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

// TrainMLP trains an MLP reward head on c with Adam on seeded mini-batches
// of the weighted Bradley–Terry loss plus (λ/2)‖θ‖². It returns
// job.ErrInterrupted when interrupted (checked after every mini-batch).
func TrainMLP(c *pref.Comparisons, cfg MLPConfig) (*MLP, error) {
	m, _, err := TrainMLPFit(c, cfg)
	return m, err
}

// TrainMLPFit is TrainMLP that also returns the per-epoch losses.
func TrainMLPFit(c *pref.Comparisons, cfg MLPConfig) (*MLP, MLPFit, error) {
	if c == nil || c.Chosen == nil {
		return nil, MLPFit{}, fmt.Errorf("reward: no comparisons to train on")
	}
	m, err := initialMLP(c.Dim(), cfg)
	if err != nil {
		return nil, MLPFit{}, err
	}
	w, err := checkTrainingData(c, m.InputDim())
	if err != nil {
		return nil, MLPFit{}, err
	}
	if cfg.Validation != nil {
		if _, err := checkTrainingData(cfg.Validation, m.InputDim()); err != nil {
			return nil, MLPFit{}, fmt.Errorf("reward: validation set: %w", err)
		}
	}
	lr, epochs, batch, patience := cfg.LearningRate, cfg.Epochs, cfg.BatchSize, cfg.Patience
	if lr == 0 {
		lr = 1e-3
	}
	if epochs == 0 {
		epochs = 50
	}
	if batch == 0 {
		batch = 64
	}
	if patience == 0 {
		patience = 5
	}
	if lr < 0 || epochs < 0 || batch < 0 || patience < 0 {
		return nil, MLPFit{}, fmt.Errorf("reward: learning rate, epochs, batch size and patience must be positive")
	}
	n := c.Len()
	batch = min(batch, n)
	batches := (n + batch - 1) / batch
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7472616e))
	order := blockRows(0, n)
	D := len(m.Theta)
	grad, mom, vel := make([]float64, D), make([]float64, D), make([]float64, D)
	best := append([]float64(nil), m.Theta...)
	bestLoss := math.Inf(1)
	var fit MLPFit
	bw := make([]float64, batch)
	full := m.newPass(2 * batch)
	t := job.Start("reward: MLP training", epochs*batches)
	step := 0
	for e := 1; e <= epochs; e++ {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss := 0.0 // Σ over batches of (batch weight) × (batch mean loss)
		for s := 0; s < n; s += batch {
			if err := t.Step(1); err != nil {
				t.Done(err)
				return nil, fit, err
			}
			rows := order[s:min(s+batch, n)]
			p := full
			if len(rows) < batch {
				p = m.newPass(2 * len(rows))
			}
			total := 0.0
			for _, r := range rows {
				total += w[r]
			}
			if total == 0 {
				continue
			}
			for i, r := range rows {
				bw[i] = w[r] / total
			}
			loss += total * m.objectiveOn(p, c, rows, bw[:len(rows)], grad)
			step++
			adamStep(m.Theta, grad, mom, vel, lr, step)
		}
		if math.IsNaN(loss) {
			err := fmt.Errorf("reward: MLP training diverged at epoch %d (loss NaN); lower LearningRate", e)
			t.Done(err)
			return nil, fit, err
		}
		fit.TrainLoss = append(fit.TrainLoss, loss)
		if cfg.Validation == nil {
			fit.BestEpoch = e
			continue
		}
		vl, err := m.Loss(cfg.Validation)
		if err != nil {
			t.Done(err)
			return nil, fit, err
		}
		fit.ValidationLoss = append(fit.ValidationLoss, vl)
		if vl < bestLoss {
			bestLoss, fit.BestEpoch = vl, e
			copy(best, m.Theta)
		} else if e-fit.BestEpoch >= patience {
			break
		}
	}
	if cfg.Validation != nil {
		copy(m.Theta, best)
	}
	t.Done(nil)
	return m, fit, nil
}

// initialMLP returns the starting model: a copy of cfg.Init or a fresh one.
func initialMLP(d int, cfg MLPConfig) (*MLP, error) {
	l2 := cfg.L2
	switch {
	case l2 == 0:
		l2 = 1e-4
	case l2 < 0:
		l2 = 0
	}
	if cfg.Init != nil {
		if err := cfg.Init.check(); err != nil {
			return nil, fmt.Errorf("reward: Init: %w", err)
		}
		if cfg.Init.InputDim() != d {
			return nil, fmt.Errorf("reward: Init takes %d features but the comparisons have %d", cfg.Init.InputDim(), d)
		}
		m, err := NewMLP(cfg.Init.Sizes, cfg.Init.Activation, l2, 0)
		if err != nil {
			return nil, err
		}
		copy(m.Theta, cfg.Init.Theta)
		return m, nil
	}
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = []int{64}
	}
	return NewMLP(append([]int{d}, hidden...), cfg.Activation, l2, cfg.Seed)
}

// adamStep applies one bias-corrected Adam update (Kingma & Ba 2015,
// Algorithm 1) at step t ≥ 1.
func adamStep(theta, grad, mom, vel []float64, lr float64, t int) {
	c1 := 1 - math.Pow(adamBeta1, float64(t))
	c2 := 1 - math.Pow(adamBeta2, float64(t))
	for i, g := range grad {
		mom[i] = adamBeta1*mom[i] + (1-adamBeta1)*g
		vel[i] = adamBeta2*vel[i] + (1-adamBeta2)*g*g
		theta[i] -= lr * (mom[i] / c1) / (math.Sqrt(vel[i]/c2) + adamEps)
	}
}
