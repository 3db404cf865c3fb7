package pref

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"
)

func smallComparisons() *Comparisons {
	return &Comparisons{
		Chosen:   mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}),
		Rejected: mat.NewDense(3, 2, []float64{-1, 0.5, 1e-300, 7, 8, -9}),
		Labeler:  []string{"alice", "bob", "alice"},
		Weight:   []float64{1, 0.5, 2},
	}
}

func TestNPZRoundTrip(t *testing.T) {
	c := smallComparisons()
	path := filepath.Join(t.TempDir(), "c.npz")
	if err := SaveNPZ(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(got.Chosen, c.Chosen) || !mat.Equal(got.Rejected, c.Rejected) ||
		!reflect.DeepEqual(got.Labeler, c.Labeler) || !reflect.DeepEqual(got.Weight, c.Weight) {
		t.Errorf("round trip gave %+v, want %+v", got, c)
	}
}

// testdata/numpy.npz was written by numpy.savez: a Fortran-ordered float32
// "chosen" = arange(6).reshape(3, 2), a float64 "rejected" = −chosen,
// int64 labelers [3, 1, 2] and weights [1, 0.5, 2].
func TestLoadNumPyArchive(t *testing.T) {
	c, err := LoadNPZ("testdata/numpy.npz")
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 2, []float64{0, 1, 2, 3, 4, 5})
	if !mat.Equal(c.Chosen, want) {
		t.Errorf("chosen = %v, want %v", mat.Formatted(c.Chosen), mat.Formatted(want))
	}
	want.Scale(-1, want)
	if !mat.Equal(c.Rejected, want) {
		t.Errorf("rejected = %v", mat.Formatted(c.Rejected))
	}
	if !reflect.DeepEqual(c.Labeler, []string{"3", "1", "2"}) || !reflect.DeepEqual(c.Weight, []float64{1, 0.5, 2}) {
		t.Errorf("labeler %v weight %v", c.Labeler, c.Weight)
	}
}

func writeNPY(t *testing.T, dir, name string, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := npy.Write(&b, v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadNPY(t *testing.T) {
	dir := t.TempDir()
	c := smallComparisons()
	got, err := LoadNPY(writeNPY(t, dir, "c.npy", c.Chosen), writeNPY(t, dir, "r.npy", c.Rejected))
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(got.Chosen, c.Chosen) || !mat.Equal(got.Rejected, c.Rejected) {
		t.Error("features changed")
	}
}

func TestNPYBadInput(t *testing.T) {
	dir := t.TempDir()
	good := writeNPY(t, dir, "good.npy", mat.NewDense(2, 2, []float64{1, 2, 3, 4}))
	inf := mat.NewDense(2, 3, []float64{1, 2, 3, 4, math.Inf(-1), 6})
	tests := []struct {
		name            string
		chosen, rejectd string
		file            string
		line            int
		field           string
	}{
		{"NaN (written by NumPy)", "testdata/nan.npy", good, "testdata/nan.npy", 2, "chosen"},
		{"Inf", good, writeNPY(t, dir, "inf.npy", inf), filepath.Join(dir, "inf.npy"), 2, "rejected"},
		{"integer dtype", writeNPY(t, dir, "int.npy", []int32{1, 2, 3, 4}), good, filepath.Join(dir, "int.npy"), 0, "chosen"},
		{"one dimension", writeNPY(t, dir, "vec.npy", []float64{1, 2}), good, filepath.Join(dir, "vec.npy"), 0, "chosen"},
		{"shapes differ", good, writeNPY(t, dir, "wide.npy", mat.NewDense(2, 3, nil)), filepath.Join(dir, "wide.npy"), 0, ""},
		{"no such file", filepath.Join(dir, "missing.npy"), good, "", 0, ""},
	}
	for _, tc := range tests {
		_, err := LoadNPY(tc.chosen, tc.rejectd)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.file != "" {
			wantInputError(t, tc.name, err, tc.file, tc.line, tc.field)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.npy"), []byte("\x93NUMPY garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadNPY(filepath.Join(dir, "junk.npy"), good)
	wantInputError(t, "junk", err, filepath.Join(dir, "junk.npy"), 0, "chosen")
}

func writeNPZ(t *testing.T, arrays map[string]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.npz")
	if err := npz.Write(path, arrays); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNPZBadInput(t *testing.T) {
	m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	tests := []struct {
		name   string
		arrays map[string]any
		line   int
		field  string
	}{
		{"missing rejected", map[string]any{"chosen.npy": m}, 0, "rejected"},
		{"labeler of floats", map[string]any{"chosen.npy": m, "rejected.npy": m, "labeler.npy": []float64{1, 2}}, 0, "labeler"},
		{"negative weight", map[string]any{"chosen.npy": m, "rejected.npy": m, "weight.npy": []float64{1, -2}}, 2, "weight"},
		{"too few labelers", map[string]any{"chosen.npy": m, "rejected.npy": m, "labeler.npy": []string{"a"}}, 0, ""},
	}
	for _, tc := range tests {
		path := writeNPZ(t, tc.arrays)
		_, err := LoadNPZ(path)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		wantInputError(t, tc.name, err, path, tc.line, tc.field)
	}
	_, err := ReadNPZ(bytes.NewReader([]byte("not a zip")), 9, "junk.npz")
	wantInputError(t, "not a zip", err, "junk.npz", 0, "")
}

func FuzzReadNPZ(f *testing.F) {
	numpy, err := os.ReadFile("testdata/numpy.npz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(numpy)
	var b bytes.Buffer
	if err := WriteNPZ(&b, smallComparisons()); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadNPZ(bytes.NewReader(data), int64(len(data)), "fuzz.npz")
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted invalid comparisons: %v", err)
		}
	})
}

// npyWithShape returns a version 1.0 .npy stream of float64 whose header
// claims shape but which holds only 16 bytes of data.
func npyWithShape(shape string) []byte {
	return npyStream("<f8", shape, make([]byte, 16))
}

// npyStream returns a version 1.0 .npy stream of the given dtype and shape
// (C order) followed by data.
func npyStream(descr, shape string, data []byte) []byte {
	dict := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	head := []byte("\x93NUMPY\x01\x00")
	head = append(head, byte(len(dict)), byte(len(dict)>>8))
	return append(append(head, dict...), data...)
}

func TestDecodesEveryDtypeAndByteOrder(t *testing.T) {
	// The bytes of each array written out by hand, with their values.
	for _, tc := range []struct {
		descr, shape string
		data         []byte
		floats       []float64
		strs         []string
	}{
		{"<f8", "(2,)", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.5)), math.Float64bits(-2)), []float64{1.5, -2}, nil},
		{">f8", "(2,)", binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, math.Float64bits(1.5)), math.Float64bits(-2)), []float64{1.5, -2}, nil},
		{"<f4", "(1,)", binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.25)), []float64{0.25}, nil},
		{">f4", "(1,)", binary.BigEndian.AppendUint32(nil, math.Float32bits(0.25)), []float64{0.25}, nil},
		{"<i4", "(2,)", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 7), uint32(0xfffffffd)), []float64{7, -3}, nil},
		{">i8", "(1,)", binary.BigEndian.AppendUint64(nil, uint64(0xfffffffffffffffe)), []float64{-2}, nil},
		{"|S3", "(2,)", []byte("ab\x00xyz"), nil, []string{"ab", "xyz"}},
		{"<U2", "(2,)", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 'ö'), 0), 'h'), 'i'), nil, []string{"ö", "hi"}},
		{">U1", "(1,)", binary.BigEndian.AppendUint32(nil, 'z'), nil, []string{"z"}},
	} {
		stream := npyStream(tc.descr, tc.shape, tc.data)
		_, floats, strs, err := readArray(bytes.NewReader(stream), int64(len(stream)), "t.npy", "a", 1, "fiUS")
		if err != nil {
			t.Errorf("%s: %v", tc.descr, err)
			continue
		}
		if !slices.Equal(floats, tc.floats) || !slices.Equal(strs, tc.strs) {
			t.Errorf("%s: got %v %q, want %v %q", tc.descr, floats, strs, tc.floats, tc.strs)
		}
		// A stream cut short is an error, not a short array.
		short := stream[:len(stream)-1]
		if _, _, _, err := readArray(bytes.NewReader(short), int64(len(stream)), "t.npy", "a", 1, "fiUS"); err == nil {
			t.Errorf("%s: truncated data accepted", tc.descr)
		}
	}
}

func TestLyingShapeIsRejectedBeforeAllocating(t *testing.T) {
	dir := t.TempDir()
	good := writeNPY(t, dir, "good.npy", mat.NewDense(1, 2, []float64{1, 2}))
	for _, shape := range []string{"(100000000, 100000000)", "(9223372036854775807, 2)", "(3, 2)"} {
		path := filepath.Join(dir, "lie.npy")
		if err := os.WriteFile(path, npyWithShape(shape), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadNPY(path, good)
		if err == nil {
			t.Errorf("shape %s: no error", shape)
			continue
		}
		wantInputError(t, shape, err, path, 0, "chosen")
	}
	// The crafted stream itself is valid when its shape tells the truth.
	path := filepath.Join(dir, "true.npy")
	if err := os.WriteFile(path, npyWithShape("(1, 2)"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadNPY(path, good); err != nil {
		t.Errorf("truthful header: %v", err)
	}
}

// BenchmarkLoadNPZ reads 100,000 pairs of 32 features with labelers and
// weights, the kernel benchmark's loading cell (bench/).
func BenchmarkLoadNPZ(b *testing.B) {
	const n, d = 100_000, 32
	c := &Comparisons{Chosen: mat.NewDense(n, d, nil), Rejected: mat.NewDense(n, d, nil),
		Labeler: make([]string, n), Weight: make([]float64, n)}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			c.Chosen.Set(i, j, float64(i%17+j))
			c.Rejected.Set(i, j, float64(i%13-j))
		}
		c.Labeler[i] = []string{"ana", "ben", "chloé"}[i%3]
		c.Weight[i] = 1
	}
	path := filepath.Join(b.TempDir(), "pairs.npz")
	if err := SaveNPZ(path, c); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadNPZ(path); err != nil {
			b.Fatal(err)
		}
	}
}
