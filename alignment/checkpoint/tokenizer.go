package checkpoint

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Special token ids of llama2.c's tokenizer.
const (
	BOS = 1 // beginning of sequence
	EOS = 2 // end of sequence
	// byteOffset is the id of byte 0 among the byte-fallback tokens
	// <0x00>…<0xFF>.
	byteOffset = 3
)

// Tokenizer is llama2.c's tokenizer.bin: a SentencePiece vocabulary with
// merge scores, encoded by greedy highest-score pair merging with byte
// fallback. It implements tokenizer.Tokenizer.
type Tokenizer struct {
	pieces []string
	scores []float64
	index  map[string]int
	maxLen int
}

// LoadTokenizerFile reads the named tokenizer.bin for a vocabulary of
// vocab pieces (the checkpoint's Config.Vocab).
func LoadTokenizerFile(path string, vocab int) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := LoadTokenizer(f, vocab)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// LoadTokenizer reads tokenizer.bin: an int32 maximum piece length, then
// per piece a float32 score, an int32 byte length and the bytes.
func LoadTokenizer(r io.Reader, vocab int) (*Tokenizer, error) {
	if vocab <= byteOffset {
		return nil, fmt.Errorf("checkpoint: tokenizer vocabulary %d is too small", vocab)
	}
	br := bufio.NewReader(r)
	var maxLen int32
	if err := binary.Read(br, binary.LittleEndian, &maxLen); err != nil {
		return nil, fmt.Errorf("checkpoint: tokenizer header: %w", truncated(err))
	}
	if maxLen <= 0 || maxLen > 1<<16 {
		return nil, fmt.Errorf("checkpoint: tokenizer maximum piece length %d is implausible", maxLen)
	}
	t := &Tokenizer{pieces: make([]string, vocab), scores: make([]float64, vocab), index: make(map[string]int, vocab), maxLen: int(maxLen)}
	for i := 0; i < vocab; i++ {
		var head struct {
			Score float32
			Len   int32
		}
		if err := binary.Read(br, binary.LittleEndian, &head); err != nil {
			return nil, fmt.Errorf("checkpoint: tokenizer piece %d of %d: %w", i, vocab, truncated(err))
		}
		if head.Len < 0 || head.Len > maxLen {
			return nil, fmt.Errorf("checkpoint: tokenizer piece %d has length %d, the maximum is %d", i, head.Len, maxLen)
		}
		if math.IsNaN(float64(head.Score)) {
			return nil, fmt.Errorf("checkpoint: tokenizer piece %d has a NaN score", i)
		}
		b := make([]byte, head.Len)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, fmt.Errorf("checkpoint: tokenizer piece %d of %d: %w", i, vocab, truncated(err))
		}
		t.pieces[i] = string(b)
		t.scores[i] = float64(head.Score)
		if _, dup := t.index[t.pieces[i]]; !dup {
			t.index[t.pieces[i]] = i
		}
	}
	return t, nil
}

// VocabSize returns the number of pieces.
func (t *Tokenizer) VocabSize() int { return len(t.pieces) }

// Piece returns the text of id as stored.
func (t *Tokenizer) Piece(id int) (string, error) {
	if id < 0 || id >= len(t.pieces) {
		return "", fmt.Errorf("checkpoint: id %d is outside the vocabulary of %d pieces", id, len(t.pieces))
	}
	return t.pieces[id], nil
}

// Encode returns BOS followed by the pieces of text, as llama2.c's
// generate does (EncodeWith(text, true, false)).
func (t *Tokenizer) Encode(text string) ([]int, error) { return t.EncodeWith(text, true, false) }

// EncodeWith encodes text as llama2.c's encode does: optional BOS, a dummy
// prefix space when text is not empty, one id per UTF-8 character (its
// bytes as byte-fallback ids when the character is not a piece), then
// repeated merging of the adjacent pair whose concatenation is the piece
// of highest score; optional EOS.
func (t *Tokenizer) EncodeWith(text string, bos, eos bool) ([]int, error) {
	var ids []int
	if bos {
		ids = append(ids, BOS)
	}
	if text != "" {
		if sp, ok := t.index[" "]; ok {
			ids = append(ids, sp)
		}
	}
	for off := 0; off < len(text); {
		_, size := utf8.DecodeRuneInString(text[off:])
		ch := text[off : off+size]
		if id, ok := t.index[ch]; ok {
			ids = append(ids, id)
		} else {
			for i := 0; i < len(ch); i++ {
				id := int(ch[i]) + byteOffset
				if id >= len(t.pieces) {
					return nil, fmt.Errorf("checkpoint: byte %#x at offset %d has no byte-fallback piece", ch[i], off+i)
				}
				ids = append(ids, id)
			}
		}
		off += size
	}
	start := 0
	if bos {
		start = 1
	}
	for {
		best, bestScore, bestID := -1, math.Inf(-1), 0
		for i := start; i+1 < len(ids); i++ {
			if id, ok := t.index[t.pieces[ids[i]]+t.pieces[ids[i+1]]]; ok && t.scores[id] > bestScore {
				best, bestScore, bestID = i, t.scores[id], id
			}
		}
		if best < 0 {
			break
		}
		ids[best] = bestID
		ids = append(ids[:best+1], ids[best+2:]...)
	}
	if eos {
		ids = append(ids, EOS)
	}
	return ids, nil
}

// Decode concatenates the pieces of ids as llama2.c's decode does: BOS and
// EOS produce nothing, the leading space of the piece right after a BOS
// (the dummy prefix) is dropped, and <0xHH> pieces are the raw byte HH.
// So Decode(Encode(s)) == s for text whose characters are pieces or bytes.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	prev := -1
	for i, id := range ids {
		if id < 0 || id >= len(t.pieces) {
			return "", fmt.Errorf("checkpoint: id %d at position %d is outside the vocabulary of %d pieces", id, i, len(t.pieces))
		}
		if id == BOS || id == EOS {
			prev = id
			continue
		}
		p := t.pieces[id]
		if prev == BOS {
			p = strings.TrimPrefix(p, " ")
		}
		if len(p) == 6 && strings.HasPrefix(p, "<0x") && p[5] == '>' {
			if v, err := strconv.ParseUint(p[3:5], 16, 8); err == nil {
				p = string([]byte{byte(v)})
			}
		}
		b.WriteString(p)
		prev = id
	}
	return b.String(), nil
}
