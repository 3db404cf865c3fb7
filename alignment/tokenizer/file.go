package tokenizer

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// fileHeader starts every saved tokenizer; the number is the format version.
const fileHeader = "golign-tokenizer 1"

// Save writes t in the tokenizer file format, a text format:
//
//	golign-tokenizer 1
//	byte                   (the byte tokenizer), or
//	char "<alphabet>"      (the alphabet as a Go-quoted string), or
//	bpe <n>                (followed by n lines "a b": merge r makes id 256+r)
func Save(w io.Writer, t Tokenizer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, fileHeader)
	switch t := t.(type) {
	case Byte:
		fmt.Fprintln(bw, "byte")
	case *Char:
		fmt.Fprintln(bw, "char", strconv.Quote(t.Alphabet()))
	case *BPE:
		fmt.Fprintln(bw, "bpe", len(t.merges))
		for _, m := range t.merges {
			fmt.Fprintln(bw, m[0], m[1])
		}
	default:
		return fmt.Errorf("tokenizer: cannot save a %T", t)
	}
	return bw.Flush()
}

// Load reads a tokenizer written by Save. Errors name the line that is
// wrong.
func Load(r io.Reader) (Tokenizer, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	line := 0
	next := func() (string, error) {
		if !sc.Scan() {
			if err := sc.Err(); err != nil {
				return "", fmt.Errorf("tokenizer file: %w", err)
			}
			return "", fmt.Errorf("tokenizer file: unexpected end after line %d", line)
		}
		line++
		return sc.Text(), nil
	}
	h, err := next()
	if err != nil {
		return nil, err
	}
	if h != fileHeader {
		return nil, fmt.Errorf("tokenizer file line 1: header %q, want %q", h, fileHeader)
	}
	kind, err := next()
	if err != nil {
		return nil, err
	}
	name, arg, _ := strings.Cut(kind, " ")
	switch name {
	case "byte":
		return Byte{}, nil
	case "char":
		alphabet, err := strconv.Unquote(arg)
		if err != nil {
			return nil, fmt.Errorf("tokenizer file line 2: alphabet %s is not a quoted string", arg)
		}
		return NewChar(alphabet)
	case "bpe":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("tokenizer file line 2: merge count %q is not a non-negative integer", arg)
		}
		// Grown as lines arrive: a huge count in a short file fails
		// without allocating it.
		var merges [][2]int
		for len(merges) < n {
			l, err := next()
			if err != nil {
				return nil, err
			}
			f := strings.Fields(l)
			if len(f) != 2 {
				return nil, fmt.Errorf("tokenizer file line %d: merge %q needs two ids", line, l)
			}
			var m [2]int
			for j := range f {
				if m[j], err = strconv.Atoi(f[j]); err != nil {
					return nil, fmt.Errorf("tokenizer file line %d: %q is not an id", line, f[j])
				}
			}
			merges = append(merges, m)
		}
		b, err := newBPE(merges)
		if err != nil {
			return nil, fmt.Errorf("tokenizer file: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("tokenizer file line 2: unknown tokenizer kind %q", name)
}
