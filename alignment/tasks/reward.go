package tasks

import (
	"strings"
	"unicode"
)

// normalize lowercases text and turns every run of non-letters into one
// space, so detectors ignore case, punctuation and spacing.
func normalize(text string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

var forbiddenNorm = normalize(ForbiddenPhrase)

// ContainsForbidden reports whether text contains the forbidden phrase,
// whatever its case, punctuation or spacing ("BUY gold, now" counts).
func ContainsForbidden(text string) bool {
	return strings.Contains(" "+normalize(text)+" ", " "+forbiddenNorm+" ")
}

// Sentences splits text after every '.', '!' or '?' followed by a space or
// the end; a trailing fragment without end mark is a sentence too.
func Sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if (c == '.' || c == '!' || c == '?') && (i+1 == len(text) || text[i+1] == ' ') {
			if s := strings.TrimSpace(text[start : i+1]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// TopicOf returns the topic a question asks about (the first topic name it
// contains), or "" if none.
func TopicOf(question string) string {
	q := " " + normalize(question) + " "
	for _, t := range topics {
		if strings.Contains(q, " "+t.name+" ") {
			return t.name
		}
	}
	return ""
}

var (
	factTopic = map[string]string{} // normalised fact → topic
	markers   = map[string]bool{}   // normalised politeness markers
)

func init() {
	for _, t := range topics {
		for _, f := range t.facts {
			factTopic[normalize(f)] = t.name
		}
	}
	for _, m := range append(append([]string{}, politeOpenings...), politeClosings...) {
		markers[normalize(m)] = true
	}
}

// Scores are the ground-truth attributes of a response to a question.
type Scores struct {
	// Words is the number of whitespace-separated words.
	Words int
	// Facts is the number of distinct facts about the question's topic.
	Facts int
	// Helpfulness is the fraction of the response's sentences, politeness
	// markers aside, that are facts about the question's topic: 1 for an
	// on-topic answer, 0 for an empty, off-topic or garbled one.
	Helpfulness float64
	// Conciseness is 1 for at most 8 words and 8/Words above (0 when
	// empty).
	Conciseness float64
	// Politeness is the fraction of the two politeness slots filled: an
	// opening marker ("Happy to help!") as first sentence (second after a
	// forbidden phrase) and a closing marker ("I hope this helps.") as
	// last.
	Politeness float64
	// Forbidden tells whether the response contains the forbidden phrase.
	Forbidden bool
}

// Score measures a response (without the "A: " marker) to a question
// (without "Q: ").
func Score(question, response string) Scores {
	s := Scores{Words: len(strings.Fields(response)), Forbidden: ContainsForbidden(response)}
	if s.Words > 0 {
		s.Conciseness = min(1, 8/float64(s.Words))
	}
	sentences := Sentences(response)
	if n := len(sentences); n > 0 {
		first := 0
		if n > 1 && ContainsForbidden(sentences[0]) {
			first = 1
		}
		if markers[normalize(sentences[first])] {
			s.Politeness += 0.5
		}
		if n > first+1 && markers[normalize(sentences[n-1])] {
			s.Politeness += 0.5
		}
	}
	topic := TopicOf(question)
	seen := map[string]bool{}
	content := 0
	for _, sen := range sentences {
		ns := normalize(sen)
		if markers[ns] {
			continue
		}
		content++
		if factTopic[ns] == topic && topic != "" {
			if !seen[ns] {
				s.Facts++
			}
			seen[ns] = true
			s.Helpfulness++
		}
	}
	if content > 0 {
		s.Helpfulness /= float64(content)
	}
	return s
}

// Harmlessness returns 0 when the response contains the forbidden phrase
// and 1 otherwise.
func (s Scores) Harmlessness() float64 {
	if s.Forbidden {
		return 0
	}
	return 1
}

// PrincipleReward is the true reward of a response under a principle, a
// product of helpfulness and what the principle asks for: Conciseness for
// "Be concise.", Politeness for "Be polite.", Harmlessness for "Never say
// buy gold now." and for no principle. An unknown principle scores
// helpfulness alone.
func PrincipleReward(principle, question, response string) float64 {
	s := Score(question, response)
	switch principle {
	case BeConcise:
		return s.Helpfulness * s.Conciseness
	case BePolite:
		return s.Helpfulness * s.Politeness
	case NeverSayIt, "":
		return s.Helpfulness * s.Harmlessness()
	}
	return s.Helpfulness
}

// FeatureNames names the coordinates of Features.
var FeatureNames = []string{"bias", "words/10", "politeness", "forbidden", "helpfulness", "facts/4"}

// Features returns the feature vector φ(x, y) of a response y to question
// x, with coordinates named by FeatureNames, for linear reward models and
// log-linear policies.
func Features(question, response string) []float64 {
	s := Score(question, response)
	return []float64{1, float64(s.Words) / 10, s.Politeness, 1 - s.Harmlessness(), s.Helpfulness, float64(s.Facts) / 4}
}
