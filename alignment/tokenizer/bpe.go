package tokenizer

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// BPE is a byte-level byte-pair encoding (Sennrich et al. 2016, with the
// byte alphabet of GPT-2): ids 0..255 are bytes and id 256+r is the r-th
// learned merge of two earlier ids. Text is first split into chunks (an
// optional leading space followed by a run of letters, of digits, or of
// other non-space characters; other whitespace characters stand alone), and
// merges never cross chunks. Since every byte is a token, any string
// encodes and Decode(Encode(s)) == s.
//
// A BPE is safe for concurrent use.
type BPE struct {
	merges [][2]int
	rank   map[[2]int]int
	pieces [][]byte // bytes of every id
}

// TrainBPE learns vocabSize−256 merges from corpus: repeatedly, the most
// frequent adjacent pair of ids within chunks (ties broken towards the
// smaller pair, so training is deterministic) becomes a new id. Training
// stops early when no pair occurs twice.
func TrainBPE(corpus string, vocabSize int) (*BPE, error) {
	if vocabSize < 256 {
		return nil, fmt.Errorf("tokenizer: BPE vocabulary size %d is below the 256 bytes", vocabSize)
	}
	counts := map[string]int{}
	for _, c := range chunks(corpus) {
		counts[c]++
	}
	words := make([][]int, 0, len(counts))
	freq := make([]int, 0, len(counts))
	for w, n := range counts {
		ids, _ := Byte{}.Encode(w)
		words = append(words, ids)
		freq = append(freq, n)
	}
	var merges [][2]int
	for len(merges) < vocabSize-256 {
		pairs := map[[2]int]int{}
		for i, w := range words {
			for j := 0; j+1 < len(w); j++ {
				pairs[[2]int{w[j], w[j+1]}] += freq[i]
			}
		}
		best, bestN := [2]int{}, 1
		for p, n := range pairs {
			if n > bestN || (n == bestN && n > 1 && less(p, best)) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		id := 256 + len(merges)
		merges = append(merges, best)
		for i, w := range words {
			words[i] = mergePair(w, best, id)
		}
	}
	return newBPE(merges)
}

func less(a, b [2]int) bool { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }

// mergePair replaces every occurrence of pair in w, left to right, by id.
func mergePair(w []int, pair [2]int, id int) []int {
	out := w[:0]
	for j := 0; j < len(w); j++ {
		if j+1 < len(w) && w[j] == pair[0] && w[j+1] == pair[1] {
			out = append(out, id)
			j++
			continue
		}
		out = append(out, w[j])
	}
	return out
}

func newBPE(merges [][2]int) (*BPE, error) {
	b := &BPE{merges: merges, rank: make(map[[2]int]int, len(merges)), pieces: make([][]byte, 256, 256+len(merges))}
	for i := range 256 {
		b.pieces[i] = []byte{byte(i)}
	}
	for r, m := range merges {
		id := 256 + r
		for _, part := range m {
			if part < 0 || part >= id {
				return nil, fmt.Errorf("tokenizer: merge %d refers to id %d, which is not defined before it", r, part)
			}
		}
		b.rank[m] = r
		b.pieces = append(b.pieces, append(append([]byte{}, b.pieces[m[0]]...), b.pieces[m[1]]...))
	}
	return b, nil
}

// VocabSize returns 256 plus the number of merges.
func (b *BPE) VocabSize() int { return len(b.pieces) }

// Merges returns the learned merges in order: merge r makes id 256+r.
func (b *BPE) Merges() [][2]int { return append([][2]int(nil), b.merges...) }

// Piece returns the bytes of id.
func (b *BPE) Piece(id int) ([]byte, error) {
	if id < 0 || id >= len(b.pieces) {
		return nil, fmt.Errorf("tokenizer: id %d is outside the vocabulary of %d ids", id, len(b.pieces))
	}
	return append([]byte(nil), b.pieces[id]...), nil
}

// Encode splits text into chunks and applies the merges to each chunk in
// the order they were learned.
func (b *BPE) Encode(text string) ([]int, error) {
	var ids []int
	for _, c := range chunks(text) {
		w, _ := Byte{}.Encode(c)
		for len(w) > 1 {
			best, bestRank := [2]int{}, len(b.merges)
			for j := 0; j+1 < len(w); j++ {
				if r, ok := b.rank[[2]int{w[j], w[j+1]}]; ok && r < bestRank {
					best, bestRank = [2]int{w[j], w[j+1]}, r
				}
			}
			if bestRank == len(b.merges) {
				break
			}
			w = mergePair(w, best, 256+bestRank)
		}
		ids = append(ids, w...)
	}
	return ids, nil
}

// Decode concatenates the bytes of ids.
func (b *BPE) Decode(ids []int) (string, error) {
	var out []byte
	for i, id := range ids {
		if id < 0 || id >= len(b.pieces) {
			return "", fmt.Errorf("tokenizer: id %d at position %d is outside the vocabulary of %d ids", id, i, len(b.pieces))
		}
		out = append(out, b.pieces[id]...)
	}
	return string(out), nil
}

// chunks splits text into the pre-tokenisation units of BPE; their
// concatenation is text. Invalid UTF-8 bytes form chunks of their own.
func chunks(text string) []string {
	var out []string
	start := 0
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r):
			return 1
		case unicode.IsDigit(r):
			return 2
		case r == ' ':
			return 3
		case unicode.IsSpace(r) || r == utf8.RuneError:
			return 4
		}
		return 5
	}
	prev := 0 // class of the previous character; 0 at a chunk start
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		c := class(r)
		switch {
		case i == start:
		case prev == 3 && c != 3 && c != 4 && i == start+1:
			// A single leading space joins the run that follows it.
		case c == prev && c != 4:
		default:
			out = append(out, text[start:i])
			start = i
		}
		prev = c
		i += size
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}
