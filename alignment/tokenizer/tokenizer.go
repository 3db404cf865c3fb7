// Package tokenizer turns text into token ids and back: bytes, characters
// of a fixed alphabet, or byte-level byte-pair encoding (BPE) learned from a
// corpus. All three save to and load from one small text format.
package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// Tokenizer maps text to ids 0..VocabSize()-1 and back.
type Tokenizer interface {
	// Encode returns the ids of text, or an error naming the first
	// character the tokenizer cannot represent.
	Encode(text string) ([]int, error)
	// Decode returns the text of ids, or an error naming the first id
	// outside the vocabulary.
	Decode(ids []int) (string, error)
	// VocabSize returns the number of ids.
	VocabSize() int
}

// Byte is the byte-level tokenizer: token i is byte i. It encodes any
// string, valid UTF-8 or not, and Decode(Encode(s)) == s.
type Byte struct{}

// VocabSize returns 256.
func (Byte) VocabSize() int { return 256 }

// Encode returns the bytes of text as ids.
func (Byte) Encode(text string) ([]int, error) {
	ids := make([]int, len(text))
	for i := 0; i < len(text); i++ {
		ids[i] = int(text[i])
	}
	return ids, nil
}

// Decode returns the bytes ids as a string.
func (Byte) Decode(ids []int) (string, error) {
	b := make([]byte, len(ids))
	for i, id := range ids {
		if id < 0 || id > 255 {
			return "", fmt.Errorf("tokenizer: id %d at position %d is not a byte", id, i)
		}
		b[i] = byte(id)
	}
	return string(b), nil
}

// Char is the character-level tokenizer over a fixed alphabet: token i is
// the i-th character of the alphabet in code point order.
type Char struct {
	runes []rune
	index map[rune]int
}

// NewChar returns the character tokenizer whose alphabet is the set of
// characters of corpus. The corpus must be valid UTF-8.
func NewChar(corpus string) (*Char, error) {
	if !utf8.ValidString(corpus) {
		return nil, fmt.Errorf("tokenizer: corpus is not valid UTF-8")
	}
	seen := map[rune]bool{}
	for _, r := range corpus {
		seen[r] = true
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("tokenizer: empty alphabet")
	}
	runes := make([]rune, 0, len(seen))
	for r := 0; len(runes) < len(seen); r++ {
		if seen[rune(r)] {
			runes = append(runes, rune(r))
		}
	}
	c := &Char{runes: runes, index: make(map[rune]int, len(runes))}
	for i, r := range runes {
		c.index[r] = i
	}
	return c, nil
}

// Alphabet returns the characters of the vocabulary in id order.
func (c *Char) Alphabet() string { return string(c.runes) }

// VocabSize returns the size of the alphabet.
func (c *Char) VocabSize() int { return len(c.runes) }

// Encode returns the ids of the characters of text.
func (c *Char) Encode(text string) ([]int, error) {
	ids := make([]int, 0, len(text))
	for off, r := range text {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(text[off:]); size == 1 {
				return nil, fmt.Errorf("tokenizer: invalid UTF-8 at byte offset %d", off)
			}
		}
		id, ok := c.index[r]
		if !ok {
			return nil, fmt.Errorf("tokenizer: character %q at byte offset %d is not in the alphabet", r, off)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Decode returns the characters of ids.
func (c *Char) Decode(ids []int) (string, error) {
	rs := make([]rune, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(c.runes) {
			return "", fmt.Errorf("tokenizer: id %d at position %d is outside the alphabet of %d characters", id, i, len(c.runes))
		}
		rs[i] = c.runes[id]
	}
	return string(rs), nil
}
