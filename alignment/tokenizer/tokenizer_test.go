package tokenizer

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
)

const corpus = "the cat sat on the mat. the dog sat on the log. cats and dogs, 42 dogs!\n" +
	"  indented text\tand tabs; the theme of the thesis is thermal. thé à la menthe."

func TestByteRoundTrip(t *testing.T) {
	f := func(s string) bool {
		ids, _ := Byte{}.Encode(s)
		out, err := Byte{}.Decode(ids)
		return err == nil && out == s
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
	if _, err := (Byte{}).Decode([]int{256}); err == nil {
		t.Error("id 256 decoded")
	}
}

func TestCharRoundTripAndUnknown(t *testing.T) {
	c, err := NewChar(corpus)
	if err != nil {
		t.Fatal(err)
	}
	alpha := []rune(c.Alphabet())
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		rs := make([]rune, rng.IntN(40))
		for i := range rs {
			rs[i] = alpha[rng.IntN(len(alpha))]
		}
		s := string(rs)
		ids, err := c.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(rs) {
			t.Fatalf("%q: %d ids for %d characters", s, len(ids), len(rs))
		}
		if out, _ := c.Decode(ids); out != s {
			t.Fatalf("round trip %q gave %q", s, out)
		}
	}
	_, err = c.Encode("the cat Z")
	if err == nil || !strings.Contains(err.Error(), "'Z'") || !strings.Contains(err.Error(), "offset 8") {
		t.Errorf("unknown character: error %v should name 'Z' at offset 8", err)
	}
	if _, err := c.Decode([]int{c.VocabSize()}); err == nil {
		t.Error("id past the alphabet decoded")
	}
}

func TestBPE(t *testing.T) {
	b, err := TrainBPE(strings.Repeat(corpus, 3), 300)
	if err != nil {
		t.Fatal(err)
	}
	if b.VocabSize() <= 256 || b.VocabSize() > 300 {
		t.Fatalf("vocabulary size %d", b.VocabSize())
	}
	// Deterministic: training again gives the same merges.
	b2, _ := TrainBPE(strings.Repeat(corpus, 3), 300)
	if len(b2.Merges()) != len(b.Merges()) {
		t.Fatal("training is not deterministic")
	}
	for i, m := range b.Merges() {
		if b2.Merges()[i] != m {
			t.Fatalf("merge %d differs between runs: %v vs %v", i, m, b2.Merges()[i])
		}
	}
	// The most frequent word compresses to one token.
	ids, _ := b.Encode(" the")
	if len(ids) != 1 {
		t.Errorf(`" the" encodes to %v, want one token`, ids)
	}
	// Compression on the training text.
	ids, _ = b.Encode(corpus)
	if len(ids) >= len(corpus)*2/3 {
		t.Errorf("%d tokens for %d bytes: merges do not compress", len(ids), len(corpus))
	}
	// Round trip on arbitrary strings (any bytes are in the alphabet).
	f := func(s string) bool {
		ids, err := b.Encode(s)
		if err != nil {
			return false
		}
		out, err := b.Decode(ids)
		return err == nil && out == s
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 1000}); err != nil {
		t.Error(err)
	}
	for _, s := range []string{corpus, "  the  cat\n\n", "\xff\xfe bad utf8", ""} {
		if !f(s) {
			t.Errorf("round trip failed for %q", s)
		}
	}
	if _, err := TrainBPE(corpus, 100); err == nil {
		t.Error("vocabulary below 256 accepted")
	}
}

func TestSaveLoad(t *testing.T) {
	c, _ := NewChar("ab\n\"c")
	b, _ := TrainBPE(corpus, 280)
	for _, tok := range []Tokenizer{Byte{}, c, b} {
		var buf bytes.Buffer
		if err := Save(&buf, tok); err != nil {
			t.Fatal(err)
		}
		got, err := Load(&buf)
		if err != nil {
			t.Fatalf("%T: %v", tok, err)
		}
		if got.VocabSize() != tok.VocabSize() {
			t.Fatalf("%T: vocabulary %d after load, want %d", tok, got.VocabSize(), tok.VocabSize())
		}
		text := "ab\"c\n"
		if _, ok := tok.(*Char); !ok {
			text = corpus
		}
		want, _ := tok.Encode(text)
		have, err := got.Encode(text)
		if err != nil || len(have) != len(want) {
			t.Fatalf("%T: encodings differ after load: %v vs %v (%v)", tok, have, want, err)
		}
		for i := range want {
			if want[i] != have[i] {
				t.Fatalf("%T: encodings differ after load at %d", tok, i)
			}
		}
	}
	bad := []struct{ name, file, want string }{
		{"header", "golign-tokenizer 9\nbyte\n", "line 1"},
		{"kind", "golign-tokenizer 1\nwordpiece\n", "unknown tokenizer kind"},
		{"truncated", "golign-tokenizer 1\nbpe 2\n97 98\n", "unexpected end"},
		{"forward ref", "golign-tokenizer 1\nbpe 1\n97 256\n", "not defined before"},
		{"not an id", "golign-tokenizer 1\nbpe 1\n97 x\n", "line 3"},
	}
	for _, c := range bad {
		_, err := Load(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

// FuzzLoad feeds arbitrary files to Load: it must fail cleanly or return a
// tokenizer whose encodings round-trip.
func FuzzLoad(f *testing.F) {
	b, _ := TrainBPE(corpus, 270)
	c, _ := NewChar("abc")
	for _, tok := range []Tokenizer{Byte{}, c, b} {
		var buf bytes.Buffer
		Save(&buf, tok)
		f.Add(buf.Bytes())
	}
	f.Add([]byte("golign-tokenizer 1\nbpe 99999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, ok := tok.(*Char); ok {
			return
		}
		ids, err := tok.Encode("the cat\n")
		if err != nil {
			t.Fatal(err)
		}
		if s, err := tok.Decode(ids); err != nil || s != "the cat\n" {
			t.Fatalf("round trip gave %q, %v", s, err)
		}
	})
}
