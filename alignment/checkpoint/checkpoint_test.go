package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/policy"
)

// randomCheckpoint writes a llama2.c checkpoint with random weights and
// returns the file and the weights as float32 tensors by name.
func randomCheckpoint(c Config, seed uint64) ([]byte, map[string][]float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var buf bytes.Buffer
	vocab := int32(c.Vocab)
	if !c.SharedClassifier {
		vocab = -vocab
	}
	binary.Write(&buf, binary.LittleEndian, []int32{int32(c.Dim), int32(c.HiddenDim), int32(c.Layers), int32(c.Heads), int32(c.KVHeads), vocab, int32(c.SeqLen)})
	w := map[string][]float32{}
	kv := c.KVHeads * (c.Dim / c.Heads)
	add := func(name string, n int, norm bool) {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(0.3 * rng.NormFloat64())
			if norm {
				v[i] += 1
			}
		}
		w[name] = v
		binary.Write(&buf, binary.LittleEndian, v)
	}
	d, h, l := c.Dim, c.HiddenDim, c.Layers
	add("embed", c.Vocab*d, false)
	add("attnNorm", l*d, true)
	add("wq", l*d*d, false)
	add("wk", l*kv*d, false)
	add("wv", l*kv*d, false)
	add("wo", l*d*d, false)
	add("ffnNorm", l*d, true)
	add("w1", l*h*d, false)
	add("w2", l*d*h, false)
	add("w3", l*h*d, false)
	add("finalNorm", d, true)
	add("rope", c.SeqLen*(d/c.Heads), false)
	if !c.SharedClassifier {
		add("wcls", c.Vocab*d, false)
	}
	return buf.Bytes(), w
}

// referenceLogits is a direct, slow transcription of the Llama-2 forward
// pass over a whole sequence: explicit causal attention over all positions,
// RoPE as multiplication of complex numbers (q_{2i} + i·q_{2i+1})·e^{iθ}.
func referenceLogits(c Config, w map[string][]float32, tokens []int) [][]float64 {
	d, hdim, hs := c.Dim, c.HiddenDim, c.Dim/c.Heads
	kvd := c.KVHeads * hs
	at := func(name string, layer, rows, cols, r, col int) float64 {
		return float64(w[name][layer*rows*cols+r*cols+col])
	}
	mul := func(name string, layer, rows, cols int, x []float64) []float64 {
		y := make([]float64, rows)
		for r := 0; r < rows; r++ {
			for k := 0; k < cols; k++ {
				y[r] += at(name, layer, rows, cols, r, k) * x[k]
			}
		}
		return y
	}
	norm := func(name string, layer int, x []float64) []float64 {
		var ms float64
		for _, v := range x {
			ms += v * v / float64(len(x))
		}
		y := make([]float64, len(x))
		for i := range x {
			y[i] = float64(w[name][layer*len(x)+i]) * x[i] / math.Sqrt(ms+1e-5)
		}
		return y
	}
	rotate := func(v []float64, pos int) {
		for i := 0; i < len(v); i += 2 {
			theta := float64(pos) * math.Pow(10000, -float64(i%hs)/float64(hs))
			z := complex(v[i], v[i+1]) * cmplx.Exp(complex(0, theta))
			v[i], v[i+1] = real(z), imag(z)
		}
	}
	T := len(tokens)
	x := make([][]float64, T)
	for t, tok := range tokens {
		x[t] = make([]float64, d)
		for i := range x[t] {
			x[t][i] = float64(w["embed"][tok*d+i])
		}
	}
	for l := 0; l < c.Layers; l++ {
		q, k, v := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range x {
			xn := norm("attnNorm", l, x[t])
			q[t], k[t], v[t] = mul("wq", l, d, d, xn), mul("wk", l, kvd, d, xn), mul("wv", l, kvd, d, xn)
			rotate(q[t], t)
			rotate(k[t], t)
		}
		for t := range x {
			att := make([]float64, d)
			for h := 0; h < c.Heads; h++ {
				kh := h / (c.Heads / c.KVHeads)
				s := make([]float64, t+1)
				var z float64
				for u := 0; u <= t; u++ {
					for i := 0; i < hs; i++ {
						s[u] += q[t][h*hs+i] * k[u][kh*hs+i]
					}
					s[u] = math.Exp(s[u] / math.Sqrt(float64(hs)))
					z += s[u]
				}
				for u := 0; u <= t; u++ {
					for i := 0; i < hs; i++ {
						att[h*hs+i] += s[u] / z * v[u][kh*hs+i]
					}
				}
			}
			o := mul("wo", l, d, d, att)
			for i := range o {
				x[t][i] += o[i]
			}
			xn := norm("ffnNorm", l, x[t])
			a, b := mul("w1", l, hdim, d, xn), mul("w3", l, hdim, d, xn)
			for i := range a {
				a[i] = a[i] * (1 / (1 + math.Exp(-a[i]))) * b[i]
			}
			f := mul("w2", l, d, hdim, a)
			for i := range f {
				x[t][i] += f[i]
			}
		}
	}
	cls := "embed"
	if !c.SharedClassifier {
		cls = "wcls"
	}
	out := make([][]float64, T)
	for t := range x {
		out[t] = mul(cls, 0, c.Vocab, d, norm("finalNorm", 0, x[t]))
	}
	return out
}

func TestForwardMatchesReference(t *testing.T) {
	configs := []Config{
		{Dim: 16, HiddenDim: 24, Layers: 2, Heads: 4, KVHeads: 4, Vocab: 11, SeqLen: 8, SharedClassifier: true},
		{Dim: 16, HiddenDim: 20, Layers: 1, Heads: 4, KVHeads: 2, Vocab: 9, SeqLen: 6},
	}
	for _, c := range configs {
		file, w := randomCheckpoint(c, 3)
		m, err := Load(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if m.Config() != c {
			t.Fatalf("header %+v, want %+v", m.Config(), c)
		}
		tokens := []int{1, 5, 2, 8, 0, 3}
		got, err := m.Logits(tokens)
		if err != nil {
			t.Fatal(err)
		}
		want := referenceLogits(c, w, tokens)
		for i := range want {
			for j := range want[i] {
				if math.Abs(got.At(i, j)-want[i][j]) > 1e-9*(1+math.Abs(want[i][j])) {
					t.Fatalf("%+v: logit (%d,%d) = %v, reference %v", c, i, j, got.At(i, j), want[i][j])
				}
			}
		}
		// The model is a policy: sampling runs on it.
		if _, err := policy.Sample(m, []policy.Context{{Prompt: tokens[:2]}}, policy.SampleConfig{MaxTokens: 3}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCorruptCheckpoints(t *testing.T) {
	c := Config{Dim: 8, HiddenDim: 8, Layers: 1, Heads: 2, KVHeads: 2, Vocab: 5, SeqLen: 4, SharedClassifier: true}
	file, _ := randomCheckpoint(c, 1)
	header := func(v ...int32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, v)
		return append(b.Bytes(), file[28:]...)
	}
	nan := append([]byte{}, file...)
	binary.LittleEndian.PutUint32(nan[28+4*3:], math.Float32bits(float32(math.NaN())))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"short header", file[:10], "truncated"},
		{"truncated weights", file[:len(file)-4], "truncated"},
		{"trailing data", append(append([]byte{}, file...), 0, 0, 0, 0), "data after"},
		{"zero dim", header(0, 8, 1, 2, 2, 5, 4), "non-positive"},
		{"heads do not divide dim", header(8, 8, 1, 3, 3, 5, 4), "multiple"},
		{"kv heads do not divide heads", header(8, 8, 1, 2, 3, 5, 4), "multiple"},
		{"versioned export", header(0x616b3432, 1, 0, 0, 0, 0, 0), "versioned export"},
		{"NaN weight", nan, "NaN"},
		{"negative vocabulary means an unshared classifier", header(8, 8, 1, 2, 2, -5, 4), "truncated"},
	}
	for _, tc := range cases {
		_, err := Load(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	m, _ := Load(bytes.NewReader(file))
	if _, err := m.Logits([]int{0, 1, 2, 3, 4}); err == nil {
		t.Error("sequence longer than seq_len accepted")
	}
	if _, err := m.Logits([]int{7}); err == nil {
		t.Error("token outside the vocabulary accepted")
	}
}

// writeTokenizer writes a tokenizer.bin of the given pieces and scores.
func writeTokenizer(pieces []string, scores []float32) []byte {
	var b bytes.Buffer
	maxLen := 0
	for _, p := range pieces {
		maxLen = max(maxLen, len(p))
	}
	binary.Write(&b, binary.LittleEndian, int32(maxLen))
	for i, p := range pieces {
		binary.Write(&b, binary.LittleEndian, scores[i])
		binary.Write(&b, binary.LittleEndian, int32(len(p)))
		b.WriteString(p)
	}
	return b.Bytes()
}

func TestTokenizer(t *testing.T) {
	// A llama2.c-style vocabulary: <unk>, <s>, </s>, 256 byte pieces, then
	// characters and merges with scores.
	pieces := []string{"<unk>", "<s>", "</s>"}
	for i := 0; i < 256; i++ {
		pieces = append(pieces, fmt.Sprintf("<0x%02X>", i))
	}
	extra := []string{" ", "a", "b", "c", "ab", " ab", "abc", " c"}
	scores := make([]float32, len(pieces))
	pieces = append(pieces, extra...)
	scores = append(scores, -10, -10, -10, -10, -1, -2, -0.5, -3)
	tok, err := LoadTokenizer(bytes.NewReader(writeTokenizer(pieces, scores)), len(pieces))
	if err != nil {
		t.Fatal(err)
	}
	id := func(p string) int {
		for i, q := range pieces {
			if q == p {
				return i
			}
		}
		t.Fatalf("no piece %q", p)
		return -1
	}
	// " abc": ' ',a,b,c → best score merge "ab"(-1)… then "abc"(-0.5) beats
	// " ab"(-2): result [' ', "abc"].
	ids, _ := tok.Encode("abc")
	want := []int{BOS, id(" "), id("abc")}
	if len(ids) != len(want) {
		t.Fatalf("Encode(abc) = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("Encode(abc) = %v, want %v", ids, want)
		}
	}
	// Characters outside the pieces fall back to bytes; round trips hold.
	for _, s := range []string{"abc", "ab cab", "é!", "a\nb", ""} {
		ids, err := tok.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tok.Decode(ids)
		if err != nil || got != s {
			t.Errorf("Decode(Encode(%q)) = %q (%v), ids %v", s, got, err, ids)
		}
	}
	ids, _ = tok.EncodeWith("c", false, true)
	if ids[len(ids)-1] != EOS || ids[0] != id(" c") {
		t.Errorf("EncodeWith(c, no BOS, EOS) = %v", ids)
	}
	if _, err := tok.Decode([]int{len(pieces)}); err == nil {
		t.Error("id past the vocabulary decoded")
	}
	file := writeTokenizer(pieces, scores)
	if _, err := LoadTokenizer(bytes.NewReader(file[:len(file)-2]), len(pieces)); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated tokenizer: %v", err)
	}
	if _, err := LoadTokenizer(bytes.NewReader(file), len(pieces)+1); err == nil {
		t.Error("tokenizer with fewer pieces than the vocabulary accepted")
	}
}

// FuzzLoad feeds arbitrary files to Load and LoadTokenizer: they must fail
// with an error or return something usable, never panic.
func FuzzLoad(f *testing.F) {
	file, _ := randomCheckpoint(Config{Dim: 4, HiddenDim: 4, Layers: 1, Heads: 2, KVHeads: 1, Vocab: 5, SeqLen: 3}, 1)
	f.Add(file)
	f.Add(file[:40])
	f.Add(writeTokenizer([]string{"<unk>", "<s>", "</s>", " ", "a"}, []float32{0, 0, 0, -1, -2}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := Load(bytes.NewReader(data)); err == nil {
			if _, err := m.Logits([]int{0}); err != nil {
				t.Fatal(err)
			}
		}
		if tok, err := LoadTokenizer(bytes.NewReader(data), 5); err == nil {
			ids, err := tok.Encode("a a")
			if err == nil {
				if _, err := tok.Decode(ids); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestFilesEndToEnd loads a checkpoint and its tokenizer from files,
// samples a continuation of an encoded prompt and decodes it.
func TestFilesEndToEnd(t *testing.T) {
	pieces := []string{"<unk>", "<s>", "</s>", " ", "a", "b", " a"}
	c := Config{Dim: 8, HiddenDim: 12, Layers: 1, Heads: 2, KVHeads: 2, Vocab: len(pieces), SeqLen: 16, SharedClassifier: true}
	model, _ := randomCheckpoint(c, 2)
	dir := t.TempDir()
	mp, tp := dir+"/model.bin", dir+"/tokenizer.bin"
	if err := os.WriteFile(mp, model, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tp, writeTokenizer(pieces, []float32{0, 0, 0, -5, -5, -5, -1}), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := LoadTokenizerFile(tp, m.VocabSize())
	if err != nil {
		t.Fatal(err)
	}
	prompt, err := tok.Encode("ab")
	if err != nil {
		t.Fatal(err)
	}
	out, err := policy.Sample(m, []policy.Context{{Prompt: prompt}}, policy.SampleConfig{MaxTokens: 5, StopTokens: []int{EOS}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Decode(out[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(dir + "/missing.bin"); err == nil {
		t.Error("missing file loaded")
	}
}
