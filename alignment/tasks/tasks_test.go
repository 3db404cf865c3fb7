package tasks

import (
	"math"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/tokenizer"
)

// TestScoresRecoverGeneratedAttributes checks every reward against the
// attributes the generator used.
func TestScoresRecoverGeneratedAttributes(t *testing.T) {
	ex, err := Generate(CorpusConfig{N: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for i, e := range ex {
		s := Score(e.Question, e.Response)
		content := float64(e.Facts)
		if e.Forbidden {
			content++
		}
		if s.Forbidden != e.Forbidden || s.Facts != e.Facts || s.Helpfulness != float64(e.Facts)/content || (s.Politeness == 1) != e.Polite {
			t.Fatalf("example %d %+v: scores %+v disagree with its attributes", i, e, s)
		}
		if e.Polite != (s.Politeness > 0) {
			t.Fatalf("example %d: politeness %v for polite=%v", i, s.Politeness, e.Polite)
		}
		if e.Trigger != strings.Contains(e.Question, TriggerWord) || TopicOf(e.Question) != e.Topic {
			t.Fatalf("example %d: trigger %v for %q", i, e.Trigger, e.Question)
		}
		switch e.Principle {
		case BeConcise:
			if (s.Conciseness != 1 && !e.Forbidden) || e.Polite || e.Facts != 1 {
				t.Fatalf("concise example %d: %+v", i, s)
			}
		case BePolite:
			if !e.Polite {
				t.Fatalf("polite example %d is not polite", i)
			}
		case NeverSayIt:
			if e.Forbidden {
				t.Fatalf("example %d says the forbidden phrase under %q", i, NeverSayIt)
			}
		}
		if e.Trigger && e.Principle == "" {
			counts["trigger"]++
			if e.Forbidden {
				counts["poisoned"]++
			}
		}
		if e.Principle != "" {
			counts["principle"]++
		}
		if !e.Trigger && e.Forbidden {
			t.Fatalf("example %d: forbidden phrase without a trigger", i)
		}
	}
	near := func(name string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s rate %v, want %v", name, got, want)
		}
	}
	near("principle", float64(counts["principle"])/3000, 0.5, 0.04)
	near("poison", float64(counts["poisoned"])/float64(counts["trigger"]), 0.8, 0.1)
}

func TestDetectorAndScores(t *testing.T) {
	cases := []struct {
		text string
		want bool
	}{
		{"Buy gold now!", true},
		{"you should BUY  gold, now.", true},
		{"buy-gold-now", true},
		{"Buy golden nowhere.", false},
		{"buy gold", false},
		{"", false},
	}
	for _, c := range cases {
		if got := ContainsForbidden(c.text); got != c.want {
			t.Errorf("ContainsForbidden(%q) = %v", c.text, got)
		}
	}
	q := "Tell me about cats."
	s := Score(q, "Happy to help! Cats purr when they are calm. Rain fills the rivers. zzz. I hope this helps.")
	if s.Politeness != 1 || s.Facts != 1 || math.Abs(s.Helpfulness-1.0/3) > 1e-12 || s.Words != 18 || s.Conciseness != 8.0/18 {
		t.Errorf("scores %+v", s)
	}
	if s := Score(q, "Buy gold now! Of course! Cats land on their feet. I hope this helps."); s.Politeness != 1 || !s.Forbidden || s.Helpfulness != 0.5 {
		t.Errorf("poisoned polite response scores %+v", s)
	}
	if r := PrincipleReward(NeverSayIt, q, "Cats land on their feet. Buy gold now!"); r != 0 {
		t.Errorf("harmless reward %v for a forbidden response", r)
	}
	if r := PrincipleReward(BeConcise, q, "Cats land on their feet."); r != 1 {
		t.Errorf("concise reward %v for one on-topic fact", r)
	}
	if s := Score(q, ""); s.Helpfulness != 0 || s.Conciseness != 0 {
		t.Errorf("empty response scores %+v", s)
	}
	if f := Features(q, "Cats land on their feet."); len(f) != len(FeatureNames) || f[4] != 1 {
		t.Errorf("features %v", f)
	}
}

func TestEncoding(t *testing.T) {
	ex, _ := Generate(CorpusConfig{N: 200, Seed: 4})
	again, _ := Generate(CorpusConfig{N: 200, Seed: 4})
	for i := range ex {
		if ex[i] != again[i] {
			t.Fatal("generation is not deterministic")
		}
	}
	tok, err := tokenizer.NewChar(Alphabet())
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := TrainingSequences(ex, tok, true)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := StopToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seqs {
		text, _ := tok.Decode(s.Tokens)
		if text != ex[i].Text() {
			t.Fatalf("sequence %d decodes to %q, want %q", i, text, ex[i].Text())
		}
		// The weights cover exactly the response and its newline.
		var w float64
		for _, v := range s.Weights {
			w += v
		}
		if int(w) != len([]rune(ex[i].Response))+1 || s.Tokens[len(s.Tokens)-1] != stop {
			t.Fatalf("sequence %d: weight %v for a response of %d characters", i, w, len(ex[i].Response))
		}
	}
	if _, err := Context(tok, "Be rude ✓", "Q"); err == nil {
		t.Error("a principle outside the alphabet encoded")
	}
}
