package pref

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"codeberg.org/sbinet/npyio/npy"
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
// the header and the values in storage order as float64 (kinds f, i) or
// strings (kinds U, S). npyio parses the header; the data are decoded here
// in blocks (npyio reads them one element per call). npyio faults on
// malformed headers are turned into errors.
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
	order, ok := byteOrder(dtype[0])
	switch {
	case !ok:
		return hdr, nil, nil, inputErrorf(file, 0, array, "dtype %s has an unknown byte order", dtype)
	case kind == 'U' || kind == 'S':
		strs, err = decodeStrings(r, order, kind, int(itemBytes), int(total/itemBytes))
	case kind == 'f' && (size == 4 || size == 8), kind == 'i' && (size == 4 || size == 8):
		floats, err = decodeNumbers(r, order, kind, size, int(total/itemBytes))
	default:
		return hdr, nil, nil, inputErrorf(file, 0, array, "dtype %s not supported", dtype)
	}
	if err != nil {
		return hdr, nil, nil, inputErrorf(file, 0, array, "reading %s data: %v", dtype, err)
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
	if hdr.Descr.Fortran {
		t := make([]float64, len(v))
		for j := 0; j < cols; j++ {
			for i, x := range v[j*rows : (j+1)*rows] {
				t[i*cols+j] = x
			}
		}
		v = t
	}
	for k, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, inputErrorf(file, k/cols+1, array, "column %d is %v", k%cols+1, x)
		}
	}
	return mat.NewDense(rows, cols, v), nil
}

// byteOrder returns the byte order of a dtype's first character: < little,
// > big, | (single bytes) and = native.
func byteOrder(c byte) (binary.ByteOrder, bool) {
	switch c {
	case '<':
		return binary.LittleEndian, true
	case '>':
		return binary.BigEndian, true
	case '|', '=':
		if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
			return binary.LittleEndian, true
		}
		return binary.BigEndian, true
	}
	return nil, false
}

// decodeBlock is the number of bytes read per call while decoding.
const decodeBlock = 1 << 16

// eachBlock reads count items of itemBytes bytes each from r in blocks of
// whole items and calls f on each block with the index of its first item.
func eachBlock(r io.Reader, itemBytes, count int, f func(first int, b []byte)) error {
	per := max(1, decodeBlock/itemBytes)
	buf := make([]byte, min(per, count)*itemBytes)
	for first := 0; first < count; first += per {
		b := buf[:min(per, count-first)*itemBytes]
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("%d of %d values: %w", first, count, err)
		}
		f(first, b)
	}
	return nil
}

// decodeNumbers reads count floats (kind f) or signed integers (kind i) of
// size 4 or 8 bytes in the given byte order, as float64. Little-endian
// float64, NumPy's default, has its own loop, where the byte order is
// known to the compiler and each value is a single load.
func decodeNumbers(r io.Reader, order binary.ByteOrder, kind rune, size, count int) ([]float64, error) {
	out := make([]float64, count)
	err := eachBlock(r, size, count, func(first int, b []byte) {
		dst := out[first : first+len(b)/size]
		switch {
		case kind == 'f' && size == 8 && order == binary.LittleEndian:
			for i := range dst {
				dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		case kind == 'f' && size == 8:
			for i := range dst {
				dst[i] = math.Float64frombits(order.Uint64(b[8*i:]))
			}
		case kind == 'f':
			for i := range dst {
				dst[i] = float64(math.Float32frombits(order.Uint32(b[4*i:])))
			}
		case size == 8:
			for i := range dst {
				dst[i] = float64(int64(order.Uint64(b[8*i:])))
			}
		default:
			for i := range dst {
				dst[i] = float64(int32(order.Uint32(b[4*i:])))
			}
		}
	})
	return out, err
}

// decodeStrings reads count fixed-width strings of itemBytes bytes: UTF-32
// code units (kind U) or bytes (kind S), without NumPy's trailing NUL
// padding.
func decodeStrings(r io.Reader, order binary.ByteOrder, kind rune, itemBytes, count int) ([]string, error) {
	out := make([]string, count)
	runes := make([]rune, itemBytes/4)
	err := eachBlock(r, itemBytes, count, func(first int, b []byte) {
		for k := range len(b) / itemBytes {
			item := b[k*itemBytes : (k+1)*itemBytes]
			if kind == 'S' {
				out[first+k] = strings.TrimRight(string(item), "\x00")
				continue
			}
			n := 0
			for i := range runes {
				c := rune(order.Uint32(item[4*i:]))
				if c == 0 {
					break
				}
				runes[n] = c
				n++
			}
			out[first+k] = string(runes[:n])
		}
	})
	return out, err
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
	// The two feature matrices are inflated and decoded at the same time,
	// each from its own section of the archive.
	c = &Comparisons{}
	var streams [2]io.ReadCloser
	var limits [2]int64
	for k, array := range []string{ArrayChosen, ArrayRejected} {
		rc, limit, ok, err := open(array)
		if err != nil {
			closeAll(streams[:k])
			return nil, err
		}
		if !ok {
			closeAll(streams[:k])
			return nil, inputErrorf(name, 0, array, "missing array (have %v)", keys)
		}
		streams[k], limits[k] = rc, limit
	}
	var matrices [2]*mat.Dense
	var errs [2]error
	var wg sync.WaitGroup
	for k, array := range []string{ArrayChosen, ArrayRejected} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			matrices[k], errs[k] = readMatrix(streams[k], limits[k], name, array)
		}()
	}
	wg.Wait()
	closeAll(streams[:])
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	c.Chosen, c.Rejected = matrices[0], matrices[1]
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

// closeAll closes the streams that are open.
func closeAll(streams []io.ReadCloser) {
	for _, rc := range streams {
		if rc != nil {
			rc.Close()
		}
	}
}

// WriteNPZ writes c as an .npz archive readable by ReadNPZ and by
// numpy.load: float64 arrays "chosen" and "rejected", and "labeler"
// (strings) and "weight" when set, stored uncompressed as numpy.savez does
// (features barely compress, and inflating them would dominate reading).
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
	z := zip.NewWriter(w)
	for i, name := range names {
		entry, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err == nil {
			err = npy.Write(entry, values[i])
		}
		if err != nil {
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
