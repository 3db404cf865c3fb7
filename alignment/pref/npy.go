package pref

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npz"
	"gonum.org/v1/gonum/mat"

	"github.com/golign/golign/alignment/job"
)

// maxDeflateRatio bounds how many bytes deflate can expand one stored byte
// to.
const maxDeflateRatio = 1032

// Names of the arrays of a Comparisons in an .npz archive (stored with the
// ".npy" suffix NumPy adds, as numpy.savez does; both spellings are read).
const (
	ArrayChosen   = "chosen"
	ArrayRejected = "rejected"
	ArrayLabeler  = "labeler"
	ArrayWeight   = "weight"
)

// readArray decodes one .npy stream of at most limit bytes after checking
// its header: the dtype kind must be one of kinds ("f", "i", "U", …), the
// array must have ndim dimensions, and its data must fit in limit bytes (so
// that a corrupt shape cannot make it allocate without bound). It returns
// the header and the values in row-major order as float64 (kinds f, i) or
// strings (kinds U, S). npyio faults on malformed data are turned into
// errors.
func readArray(r io.Reader, limit int64, file, array string, ndim int, kinds string) (hdr npy.Header, floats []float64, strs []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = inputErrorf(file, 0, array, "malformed NumPy data: %v", p)
		}
	}()
	nr, err := npy.NewReader(r)
	if err != nil {
		return hdr, nil, nil, inputErrorf(file, 0, array, "not a NumPy array: %v", err)
	}
	hdr = nr.Header
	dtype := strings.Trim(hdr.Descr.Type, `'"`)
	kind, size := dtypeKind(dtype)
	if kind == 0 || !strings.ContainsRune(kinds, kind) {
		return hdr, nil, nil, inputErrorf(file, 0, array, "dtype %s not supported (want kind %s)", dtype, strings.Join(strings.Split(kinds, ""), " or "))
	}
	if len(hdr.Descr.Shape) != ndim {
		return hdr, nil, nil, inputErrorf(file, 0, array, "shape %v has %d dimensions, want %d", hdr.Descr.Shape, len(hdr.Descr.Shape), ndim)
	}
	itemBytes := int64(size)
	if kind == 'U' {
		itemBytes *= 4 // UTF-32 code units
	}
	total := itemBytes
	for _, s := range hdr.Descr.Shape {
		if s <= 0 {
			return hdr, nil, nil, inputErrorf(file, 0, array, "empty array of shape %v", hdr.Descr.Shape)
		}
		if total > limit/int64(s) {
			return hdr, nil, nil, inputErrorf(file, 0, array, "shape %v of %s needs more than the %d bytes of the array", hdr.Descr.Shape, dtype, limit)
		}
		total *= int64(s)
	}
	switch {
	case kind == 'U' || kind == 'S':
		err = nr.Read(&strs)
	case dtype[1:] == "f8":
		err = nr.Read(&floats)
	case dtype[1:] == "f4":
		var v []float32
		if err = nr.Read(&v); err == nil {
			floats = make([]float64, len(v))
			for i, x := range v {
				floats[i] = float64(x)
			}
		}
	case kind == 'i' && size == 8:
		var v []int64
		if err = nr.Read(&v); err == nil {
			floats = make([]float64, len(v))
			for i, x := range v {
				floats[i] = float64(x)
			}
		}
	case kind == 'i' && size == 4:
		var v []int32
		if err = nr.Read(&v); err == nil {
			floats = make([]float64, len(v))
			for i, x := range v {
				floats[i] = float64(x)
			}
		}
	default:
		return hdr, nil, nil, inputErrorf(file, 0, array, "dtype %s not supported", dtype)
	}
	if err != nil {
		return hdr, nil, nil, inputErrorf(file, 0, array, "reading %s data: %v", dtype, err)
	}
	if n := max(len(floats), len(strs)); int64(n)*itemBytes != total {
		return hdr, nil, nil, inputErrorf(file, 0, array, "%d values for shape %v", n, hdr.Descr.Shape)
	}
	return hdr, floats, strs, nil
}

// dtypeKind returns the kind letter and item size of a NumPy dtype string
// such as "<f8" or "|u1"; kind is 0 when dtype is not of that form.
func dtypeKind(dtype string) (kind rune, size int) {
	if len(dtype) < 3 || !strings.ContainsRune("<>|=", rune(dtype[0])) {
		return 0, 0
	}
	size, err := strconv.Atoi(dtype[2:])
	if err != nil {
		return 0, 0
	}
	return rune(dtype[1]), size
}

// readMatrix reads a 2-D float32 or float64 array of at most limit bytes
// into a matrix, rejecting NaN and Inf entries with the row and column.
func readMatrix(r io.Reader, limit int64, file, array string) (*mat.Dense, error) {
	hdr, v, _, err := readArray(r, limit, file, array, 2, "f")
	if err != nil {
		return nil, err
	}
	rows, cols := hdr.Descr.Shape[0], hdr.Descr.Shape[1]
	m := mat.NewDense(rows, cols, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			x := v[i*cols+j]
			if hdr.Descr.Fortran {
				x = v[j*rows+i]
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, inputErrorf(file, i+1, array, "column %d is %v", j+1, x)
			}
			m.Set(i, j, x)
		}
	}
	return m, nil
}

// LoadNPY reads preference pairs in feature form from two .npy files of
// equal shape n×d (float32 or float64): the chosen and the rejected
// responses' feature vectors (or embeddings). NaN or Inf entries are errors
// naming the file and row.
func LoadNPY(chosenPath, rejectedPath string) (*Comparisons, error) {
	var ms [2]*mat.Dense
	for k, path := range []string{chosenPath, rejectedPath} {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("pref: %w", err)
		}
		st, err := f.Stat()
		if err == nil {
			ms[k], err = readMatrix(f, st.Size(), path, []string{ArrayChosen, ArrayRejected}[k])
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	c := &Comparisons{Chosen: ms[0], Rejected: ms[1]}
	if err := c.Validate(); err != nil {
		return nil, &InputError{File: rejectedPath, Err: err}
	}
	return c, nil
}

// LoadNPZ reads preference pairs in feature form from an .npz archive with
// arrays "chosen" and "rejected" (n×d, float32 or float64), an optional
// "labeler" (n strings or integers) and an optional "weight" (n floats), as
// written by numpy.savez or SaveNPZ.
func LoadNPZ(path string) (*Comparisons, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pref: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pref: %w", err)
	}
	return ReadNPZ(f, st.Size(), path)
}

// ReadNPZ reads preference pairs in feature form from an .npz archive of
// the given size; name identifies it in errors. See LoadNPZ. It steps a
// job.Task once per array.
func ReadNPZ(r io.ReaderAt, size int64, name string) (c *Comparisons, err error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("not an npz archive: %w", err)}
	}
	entries := map[string]*zip.File{}
	var keys []string
	for _, f := range z.File {
		key := strings.TrimSuffix(f.Name, ".npy")
		entries[key] = f
		keys = append(keys, key)
	}
	t := job.Start("reading "+name, 4)
	defer func() { t.Done(err) }()
	// open returns the named array's stream and a bound on its size: the
	// size the archive states, and at most what deflate can expand the
	// stored bytes to (1032:1), so a lying header cannot force a huge
	// allocation.
	open := func(array string) (io.ReadCloser, int64, bool, error) {
		f, ok := entries[array]
		if !ok {
			return nil, 0, false, nil
		}
		if err := t.Step(1); err != nil {
			return nil, 0, false, err
		}
		rc, err := f.Open()
		if err != nil {
			return nil, 0, false, inputErrorf(name, 0, array, "%v", err)
		}
		limit := min(f.UncompressedSize64, f.CompressedSize64*maxDeflateRatio+1024, math.MaxInt64)
		return rc, int64(limit), true, nil
	}
	c = &Comparisons{}
	for _, a := range []struct {
		array string
		dst   **mat.Dense
	}{{ArrayChosen, &c.Chosen}, {ArrayRejected, &c.Rejected}} {
		rc, limit, ok, err := open(a.array)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, inputErrorf(name, 0, a.array, "missing array (have %v)", keys)
		}
		*a.dst, err = readMatrix(rc, limit, name, a.array)
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	rc, limit, ok, err := open(ArrayLabeler)
	if err != nil {
		return nil, err
	}
	if ok {
		_, ids, strs, err := readArray(rc, limit, name, ArrayLabeler, 1, "iUS")
		rc.Close()
		if err != nil {
			return nil, err
		}
		c.Labeler = strs
		if ids != nil {
			c.Labeler = make([]string, len(ids))
			for i, v := range ids {
				c.Labeler[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
	}
	rc, limit, ok, err = open(ArrayWeight)
	if err != nil {
		return nil, err
	}
	if ok {
		_, w, _, err := readArray(rc, limit, name, ArrayWeight, 1, "f")
		rc.Close()
		if err != nil {
			return nil, err
		}
		for i, x := range w {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return nil, inputErrorf(name, i+1, ArrayWeight, "weight %v is not a finite non-negative number", x)
			}
		}
		c.Weight = w
	}
	if err := c.Validate(); err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	return c, nil
}

// WriteNPZ writes c as an .npz archive readable by ReadNPZ and by
// numpy.load: float64 arrays "chosen" and "rejected", and "labeler"
// (strings) and "weight" when set.
func WriteNPZ(w io.Writer, c *Comparisons) error {
	if err := c.Validate(); err != nil {
		return err
	}
	names := []string{ArrayChosen, ArrayRejected}
	values := []any{mat.DenseCopyOf(c.Chosen), mat.DenseCopyOf(c.Rejected)}
	if c.Labeler != nil {
		names, values = append(names, ArrayLabeler), append(values, c.Labeler)
	}
	if c.Weight != nil {
		names, values = append(names, ArrayWeight), append(values, c.Weight)
	}
	z := npz.NewWriter(w)
	for i, name := range names {
		if err := z.Write(name+".npy", values[i]); err != nil {
			z.Close()
			return fmt.Errorf("pref: writing array %q: %w", name, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("pref: %w", err)
	}
	return nil
}

// SaveNPZ writes c to an .npz file at path; see WriteNPZ.
func SaveNPZ(path string, c *Comparisons) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("pref: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("pref: %w", cerr)
		}
	}()
	return WriteNPZ(f, c)
}
