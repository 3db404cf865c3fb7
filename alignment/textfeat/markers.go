package textfeat

import "strings"

// Marker phrases, lowercase, matched on word tokens. The lists are short
// and plain on purpose: each feature counts a behaviour a reader can check
// by eye.
var (
	politenessMarkers = []string{
		"please", "thank you", "thanks", "glad to", "happy to", "you're welcome",
		"certainly", "of course", "i hope this helps", "kindly",
	}
	refusalMarkers = []string{
		"i can't", "i cannot", "i can not", "i won't", "i will not", "i'm not able",
		"i am not able", "unable to", "i'm not comfortable", "i am not comfortable",
		"i don't think i should", "i'd rather not", "i refuse", "not appropriate",
		"i'm not going to", "i am not going to", "i must decline",
	}
	apologyMarkers = []string{
		"sorry", "apologize", "apologise", "apologies", "i regret", "my mistake",
	}
	agreementMarkers = []string{
		"you're right", "you are right", "i agree", "absolutely", "exactly",
		"great question", "good question", "good point", "great point",
		"that's right", "that is right", "great idea", "definitely", "totally", "yes",
	}
	hedgingMarkers = []string{
		"maybe", "perhaps", "might", "i think", "probably", "not sure", "possibly",
		"i guess", "it depends",
	}
	secondPersonMarkers = []string{"you", "your", "you're", "yours", "yourself", "you'll", "you've", "you'd"}
)

// phraseSet finds occurrences of marker phrases in a token sequence.
type phraseSet map[string][][]string // first token → phrases starting with it

func newPhraseSet(phrases []string) phraseSet {
	s := phraseSet{}
	for _, p := range phrases {
		toks := strings.Fields(p)
		s[toks[0]] = append(s[toks[0]], toks)
	}
	return s
}

// count returns the number of occurrences of the set's phrases in tokens;
// overlapping occurrences of different phrases each count.
func (s phraseSet) count(tokens []string) int {
	n := 0
	for i, t := range tokens {
		for _, p := range s[t] {
			if len(p) > len(tokens)-i {
				continue
			}
			match := true
			for k := 1; k < len(p); k++ {
				if tokens[i+k] != p[k] {
					match = false
					break
				}
			}
			if match {
				n++
			}
		}
	}
	return n
}
