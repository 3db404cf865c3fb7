package transformer

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// fileMagic starts every saved model; fileVersion is the format version.
const (
	fileMagic   = "GLTR"
	fileVersion = 1
)

// Save writes the model in the golign transformer format, version 1, all
// little-endian:
//
//	"GLTR"            4 bytes
//	version           uint32 (1)
//	config length     uint32, then the Config as JSON (defaults filled in)
//	parameter count   uint64, then the parameters as float64 in Blocks order
func (m *Model) Save(w io.Writer) error {
	cfg, err := json.Marshal(m.cfg)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(fileMagic)
	binary.Write(bw, binary.LittleEndian, uint32(fileVersion))
	binary.Write(bw, binary.LittleEndian, uint32(len(cfg)))
	bw.Write(cfg)
	binary.Write(bw, binary.LittleEndian, uint64(len(m.params)))
	buf := make([]byte, 8)
	for _, p := range m.params {
		binary.LittleEndian.PutUint64(buf, math.Float64bits(p))
		bw.Write(buf)
	}
	return bw.Flush()
}

// SaveFile writes the model to the named file.
func (m *Model) SaveFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// Load reads a model written by Save. A wrong magic or version, an invalid
// configuration, a parameter count that does not match it, non-finite
// parameters or a truncated file are errors saying which.
func Load(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	head := make([]byte, 12)
	if _, err := io.ReadFull(br, head); err != nil {
		return nil, fmt.Errorf("transformer file: header: %w", truncated(err))
	}
	if string(head[:4]) != fileMagic {
		return nil, fmt.Errorf("transformer file: magic %q, want %q", head[:4], fileMagic)
	}
	if v := binary.LittleEndian.Uint32(head[4:]); v != fileVersion {
		return nil, fmt.Errorf("transformer file: format version %d, this build reads %d", v, fileVersion)
	}
	n := binary.LittleEndian.Uint32(head[8:])
	if n > 1<<20 {
		return nil, fmt.Errorf("transformer file: configuration of %d bytes is implausibly long", n)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(br, raw); err != nil {
		return nil, fmt.Errorf("transformer file: configuration: %w", truncated(err))
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("transformer file: configuration: %w", err)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("transformer file: %w", err)
	}
	_, blocks, _, size := bind(cfg, nil)
	var count uint64
	if err := binary.Read(br, binary.LittleEndian, &count); err != nil {
		return nil, fmt.Errorf("transformer file: parameter count: %w", truncated(err))
	}
	if count != uint64(size) {
		return nil, fmt.Errorf("transformer file: %d parameters, but the configuration needs %d", count, size)
	}
	// The slice grows as data arrives, so a truncated file claiming a huge
	// model fails without allocating it.
	params := make([]float64, 0, min(size, 1<<20))
	buf := make([]byte, 8)
	for i := 0; i < size; i++ {
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("transformer file: parameter %d of %d: %w", i, count, truncated(err))
		}
		p := math.Float64frombits(binary.LittleEndian.Uint64(buf))
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("transformer file: parameter %d (%s) is %v", i, blockName(blocks, i), p)
		}
		params = append(params, p)
	}
	return newShell(cfg, params), nil
}

// LoadFile reads a model from the named file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// truncated names an early end of file as such.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("file is truncated")
	}
	return err
}

// blockName names the block holding flat parameter index i.
func blockName(blocks []Block, i int) string {
	for _, b := range blocks {
		if i >= b.Offset && i < b.Offset+b.Rows*b.Cols {
			return b.Name
		}
	}
	return "?"
}
