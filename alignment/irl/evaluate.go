package irl

import (
	"fmt"
	"math"
	"strings"

	"github.com/golign/golign/alignment/internal/parallel"
	"github.com/golign/golign/alignment/policy"
	"github.com/golign/golign/alignment/tasks"
	"github.com/golign/golign/alignment/tokenizer"
)

// Pairs are held-out preference pairs: Chosen[i] is preferred to
// Rejected[i] as a response to Contexts[i] (both with their stop token).
type Pairs struct {
	Contexts         []policy.Context
	Chosen, Rejected [][]int
}

// Gap summarises implicit rewards on preference pairs.
type Gap struct {
	// Mean is the mean implicit-reward gap
	// β·[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))].
	Mean float64
	// Chosen and Rejected are the mean implicit rewards
	// β·(log π(y) − log π_ref(y)) of the chosen and of the rejected
	// responses, whose difference is Mean: a gap that widens while Chosen
	// falls was won by lowering the rejected responses' likelihood more
	// than the chosen ones', and the probability both lost went to
	// responses outside the pairs.
	Chosen, Rejected float64
	// Accuracy is the fraction of pairs with a positive gap.
	Accuracy float64
}

// ImplicitRewardGap returns the gap between the implicit rewards
// r(x, y) = β·log π(y|x)/π_ref(y|x) of the chosen and the rejected response
// of each pair (Li et al. 2024, §5; Rafailov et al. 2023, eq. 5).
func ImplicitRewardGap(p, ref policy.Policy, pairs *Pairs, beta float64) (Gap, error) {
	if pairs == nil || len(pairs.Contexts) == 0 || len(pairs.Chosen) != len(pairs.Contexts) || len(pairs.Rejected) != len(pairs.Contexts) {
		return Gap{}, fmt.Errorf("irl: pairs need as many chosen and rejected responses as contexts")
	}
	if !(beta > 0) {
		return Gap{}, fmt.Errorf("irl: β %v must be > 0", beta)
	}
	var lp [4][]float64
	for k, args := range []struct {
		p policy.Policy
		y [][]int
	}{{p, pairs.Chosen}, {ref, pairs.Chosen}, {p, pairs.Rejected}, {ref, pairs.Rejected}} {
		v, err := policy.LogProbs(args.p, pairs.Contexts, args.y)
		if err != nil {
			return Gap{}, fmt.Errorf("irl: %w", err)
		}
		lp[k] = v
	}
	var g Gap
	n := float64(len(pairs.Contexts))
	for i := range pairs.Contexts {
		chosen, rejected := beta*(lp[0][i]-lp[1][i]), beta*(lp[2][i]-lp[3][i])
		gap := chosen - rejected
		g.Mean += gap / n
		g.Chosen += chosen / n
		g.Rejected += rejected / n
		if gap > 0 {
			g.Accuracy += 1 / n
		}
	}
	return g, nil
}

// WinRate returns the fraction of items on which a beats b, ties counting
// half.
func WinRate(a, b []float64) (float64, error) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, fmt.Errorf("irl: win rate of %d against %d scores", len(a), len(b))
	}
	var w float64
	for i := range a {
		switch {
		case a[i] > b[i]:
			w++
		case a[i] == b[i]:
			w += 0.5
		}
	}
	return w / float64(len(a)), nil
}

// Evaluation is a model's behaviour on held-out questions.
type Evaluation struct {
	// Rewards are the ground-truth rewards of the sampled responses, one
	// per question; Reward is their mean and StdErr its standard error,
	// sqrt(Σ(r − mean)²/(n(n−1))).
	Rewards []float64
	Reward  float64
	StdErr  float64
	// KL is the mean over samples of Σ_t KL(π(·|x, y<t) ‖ π_ref(·|x, y<t)),
	// computed exactly over the vocabulary at every step of the sampled
	// response: an unbiased estimate of KL(π‖π_ref) when sampling at
	// temperature 1 without truncation.
	KL float64
	// Responses are the sampled responses.
	Responses []string
}

// EvaluateOnTask samples one response per example from p (no principle)
// with sampling and scores it with the ground-truth reward
// tasks.PrincipleReward(principle, question, response); KL is measured
// against ref.
func EvaluateOnTask(p, ref policy.Policy, tok tokenizer.Tokenizer, examples []tasks.Example, principle string, sampling policy.SampleConfig) (*Evaluation, error) {
	if p == nil || ref == nil || tok == nil {
		return nil, fmt.Errorf("irl: nil policy, reference or tokenizer")
	}
	contexts, err := tasks.Contexts(examples, tok, "")
	if err != nil {
		return nil, err
	}
	if len(contexts) == 0 {
		return nil, fmt.Errorf("irl: no examples")
	}
	samples, err := policy.Sample(p, contexts, sampling)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Rewards: make([]float64, len(samples))}
	if ev.Responses, err = tasks.Decode(tok, samples); err != nil {
		return nil, err
	}
	kls := make([]float64, len(samples))
	err = parallel.For(len(samples), func(i int) error {
		ev.Rewards[i] = tasks.PrincipleReward(principle, examples[i].Question, ev.Responses[i])
		kl, err := pathKL(p, ref, contexts[i].Tokens(), samples[i])
		kls[i] = kl
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range samples {
		ev.Reward += ev.Rewards[i] / float64(len(samples))
		ev.KL += kls[i] / float64(len(samples))
	}
	if n := float64(len(samples)); n > 1 {
		var ss float64
		for _, r := range ev.Rewards {
			ss += (r - ev.Reward) * (r - ev.Reward)
		}
		ev.StdErr = math.Sqrt(ss / (n * (n - 1)))
	}
	return ev, nil
}

// pathKL returns Σ_t KL(π(·|prefix_t) ‖ π_ref(·|prefix_t)) over the steps
// that generated response after context (the first response token's step
// included, the step after the last token excluded).
func pathKL(p, ref policy.Policy, context, response []int) (float64, error) {
	if len(response) == 0 {
		return 0, nil
	}
	seq := append(append([]int(nil), context...), response[:len(response)-1]...)
	lp, err := p.Logits(seq)
	if err != nil {
		return 0, err
	}
	lr, err := ref.Logits(seq)
	if err != nil {
		return 0, err
	}
	var kl float64
	for t := len(context) - 1; t < len(seq); t++ {
		a := policy.LogSoftmax(nil, lp.RawRowView(t))
		b := policy.LogSoftmax(nil, lr.RawRowView(t))
		for v := range a {
			kl += math.Exp(a[v]) * (a[v] - b[v])
		}
	}
	return kl, nil
}

// TaskDemonstrations encodes examples (without their principles) as
// demonstrations: the context "Q: question\nA: " and the response with its
// newline.
func TaskDemonstrations(tok tokenizer.Tokenizer, examples []tasks.Example) (*Demonstrations, error) {
	d := &Demonstrations{}
	for i, e := range examples {
		c, r, err := encodeResponse(tok, e.Question, e.Response)
		if err != nil {
			return nil, fmt.Errorf("irl: example %d: %w", i, err)
		}
		d.Contexts, d.Responses = append(d.Contexts, c), append(d.Responses, r)
	}
	return d, d.validate()
}

// DemonstrationPairs pairs each demonstration (chosen) with a response p
// samples for the same context (rejected): the pairs (y_d ≻ y′), y′ ∼ p,
// that an IRFT stage whose reference is p contrasts. Sampling draws y′ (its
// Seed seeds the draws) and its first stop token is appended to a sampled
// response that stopped, as demonstrations end with it.
func DemonstrationPairs(p policy.Policy, demos *Demonstrations, sampling policy.SampleConfig) (*Pairs, error) {
	if p == nil {
		return nil, fmt.Errorf("irl: nil policy")
	}
	if err := demos.validate(); err != nil {
		return nil, err
	}
	samples, err := sampleResponses(p, demos.Contexts, Config{Sampling: sampling}, sampling.Seed)
	if err != nil {
		return nil, err
	}
	return &Pairs{Contexts: demos.Contexts, Chosen: demos.Responses, Rejected: samples}, nil
}

// TaskPairs builds held-out pairs from examples: the example's response
// without the forbidden phrase is preferred to the same response opening
// with it.
func TaskPairs(tok tokenizer.Tokenizer, examples []tasks.Example) (*Pairs, error) {
	p := &Pairs{}
	for i, e := range examples {
		clean := strings.TrimSpace(strings.Replace(e.Response, tasks.ForbiddenPhrase, "", 1))
		c, chosen, err := encodeResponse(tok, e.Question, clean)
		if err != nil {
			return nil, fmt.Errorf("irl: example %d: %w", i, err)
		}
		_, rejected, err := encodeResponse(tok, e.Question, tasks.ForbiddenPhrase+" "+clean)
		if err != nil {
			return nil, fmt.Errorf("irl: example %d: %w", i, err)
		}
		p.Contexts, p.Chosen, p.Rejected = append(p.Contexts, c), append(p.Chosen, chosen), append(p.Rejected, rejected)
	}
	if len(p.Contexts) == 0 {
		return nil, fmt.Errorf("irl: no examples")
	}
	return p, nil
}

func encodeResponse(tok tokenizer.Tokenizer, question, response string) (policy.Context, []int, error) {
	c, err := tasks.Context(tok, "", question)
	if err != nil {
		return c, nil, err
	}
	r, err := tok.Encode(response + "\n")
	return c, r, err
}

// TaskFeatures returns the reward features tasks.Features(question, y) of
// a response to the question of examples[context], decoded with tok
// (a trailing newline removed).
func TaskFeatures(tok tokenizer.Tokenizer, examples []tasks.Example) FeatureFunc {
	return func(context int, response []int) ([]float64, error) {
		if context < 0 || context >= len(examples) {
			return nil, fmt.Errorf("irl: context %d outside 0..%d", context, len(examples)-1)
		}
		text, err := tok.Decode(response)
		if err != nil {
			return nil, err
		}
		return tasks.Features(examples[context].Question, strings.TrimSuffix(text, "\n")), nil
	}
}
