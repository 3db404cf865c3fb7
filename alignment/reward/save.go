package reward

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
)

// Constants of the file format described at Save.
const (
	fileMagic   = "GOLIGNRW"
	fileVersion = 1
	kindLinear  = 1
	kindMLP     = 2
	headerSize  = 24
)

// Save writes m (a *Linear or *MLP) to w.
//
// The file format (version 1) has all integers and floats little-endian:
//
//	offset  size   field
//	0       8      magic "GOLIGNRW"
//	8       2      format version (1)
//	10      1      kind: 1 = Linear, 2 = MLP
//	11      1      activation (MLP; 0 for Linear)
//	12      8      L2 strength λ (float64)
//	20      4      number of sizes k
//	24      4·k    sizes (uint32): Linear: d; MLP: d, hidden widths
//	…       8      number of parameters D (uint64)
//	…       8·D    θ (float64)
//	…       4      CRC-32 (IEEE) of every preceding byte
//
// Load checks the magic, version, kind, sizes against D, the checksum and
// that every parameter is finite, and names what failed.
func Save(w io.Writer, m Model) error {
	var kind, act byte
	var sizes []int
	switch v := m.(type) {
	case *Linear:
		kind, sizes = kindLinear, []int{len(v.Theta)}
	case *MLP:
		kind, act, sizes = kindMLP, byte(v.Activation), v.Sizes
	default:
		return fmt.Errorf("reward: cannot save a %T", m)
	}
	var buf bytes.Buffer
	buf.WriteString(fileMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, fileVersion))
	buf.WriteByte(kind)
	buf.WriteByte(act)
	buf.Write(le.AppendUint64(nil, math.Float64bits(m.Regularization())))
	buf.Write(le.AppendUint32(nil, uint32(len(sizes))))
	for _, s := range sizes {
		buf.Write(le.AppendUint32(nil, uint32(s)))
	}
	theta := m.Params()
	buf.Write(le.AppendUint64(nil, uint64(len(theta))))
	for _, v := range theta {
		buf.Write(le.AppendUint64(nil, math.Float64bits(v)))
	}
	buf.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	_, err := w.Write(buf.Bytes())
	return err
}

// SaveFile writes m to the file at path (see Save).
func SaveFile(path string, m Model) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Save(f, m); err != nil {
		f.Close()
		return fmt.Errorf("reward: writing %s: %w", path, err)
	}
	return f.Close()
}

// LoadFile reads a model saved by SaveFile; errors name the file.
func LoadFile(path string) (Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Load reads a model written by Save.
func Load(r io.Reader) (Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return decode(data)
}

// errTruncated is wrapped by every error about a file that ends too early.
var errTruncated = errors.New("truncated")

// decode parses a saved model.
func decode(data []byte) (Model, error) {
	le := binary.LittleEndian
	if len(data) < headerSize {
		return nil, fmt.Errorf("reward model file %w: %d bytes, the header alone is %d", errTruncated, len(data), headerSize)
	}
	if string(data[:8]) != fileMagic {
		return nil, fmt.Errorf("reward model file: bad magic %q (not a golign reward model)", data[:8])
	}
	if v := le.Uint16(data[8:]); v != fileVersion {
		return nil, fmt.Errorf("reward model file: format version %d, this golign reads version %d", v, fileVersion)
	}
	kind, act := data[10], Activation(data[11])
	l2 := math.Float64frombits(le.Uint64(data[12:]))
	k := int(le.Uint32(data[20:]))
	if k > 64 {
		return nil, fmt.Errorf("reward model file: %d layer sizes (corrupt header)", k)
	}
	off := headerSize
	need := off + 4*k + 8
	if len(data) < need {
		return nil, fmt.Errorf("reward model file %w in the sizes: %d bytes, need %d", errTruncated, len(data), need)
	}
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = int(le.Uint32(data[off:]))
		off += 4
	}
	count := le.Uint64(data[off:])
	off += 8
	if count > uint64(len(data)) {
		return nil, fmt.Errorf("reward model file %w: header announces %d parameters, file has %d bytes", errTruncated, count, len(data))
	}
	need = off + 8*int(count) + 4
	if len(data) < need {
		return nil, fmt.Errorf("reward model file %w: %d parameters need %d bytes, file has %d", errTruncated, count, need, len(data))
	}
	if len(data) > need {
		return nil, fmt.Errorf("reward model file: %d unexpected trailing bytes", len(data)-need)
	}
	if got, want := crc32.ChecksumIEEE(data[:need-4]), le.Uint32(data[need-4:]); got != want {
		return nil, fmt.Errorf("reward model file is corrupt: checksum %08x, stored %08x", got, want)
	}
	theta := make([]float64, count)
	for i := range theta {
		theta[i] = math.Float64frombits(le.Uint64(data[off:]))
		off += 8
	}
	switch kind {
	case kindLinear:
		if k != 1 || sizes[0] != int(count) {
			return nil, fmt.Errorf("reward model file: linear model with sizes %v and %d parameters", sizes, count)
		}
		return NewLinear(theta, l2)
	case kindMLP:
		m, err := NewMLP(sizes, act, l2, 0)
		if err != nil {
			return nil, fmt.Errorf("reward model file: %w", err)
		}
		if len(m.Theta) != int(count) {
			return nil, fmt.Errorf("reward model file: MLP sizes %v need %d parameters, file has %d", sizes, len(m.Theta), count)
		}
		for i, v := range theta {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("reward model file: parameter %d is %v", i, v)
			}
		}
		m.Theta = theta
		return m, nil
	}
	return nil, fmt.Errorf("reward model file: unknown model kind %d", kind)
}
