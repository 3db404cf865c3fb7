package pref

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// gzipMagic starts every gzip stream (RFC 1952, section 2.3.1).
var gzipMagic = []byte{0x1f, 0x8b}

// decompressed returns r, decompressed when it starts with the gzip magic
// bytes, whatever the file is called.
func decompressed(r io.Reader, name string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && err != io.EOF {
		return nil, &InputError{File: name, Err: err}
	}
	if !bytes.Equal(head, gzipMagic) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("bad gzip data: %w", err)}
	}
	return &gzipErrorReader{zr: zr, name: name}, nil
}

// gzipErrorReader names the file in errors of a corrupt gzip stream.
type gzipErrorReader struct {
	zr   *gzip.Reader
	name string
}

// Read reads decompressed bytes, naming the file in errors.
func (g *gzipErrorReader) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = &InputError{File: g.name, Err: fmt.Errorf("bad gzip data: %w", err)}
	}
	return n, err
}

// Load reads preference pairs from a file, choosing the format by the name
// with any ".gz" suffix removed: ".csv" is read by ReadCSV, anything else
// (".jsonl", ".json", …) by ReadJSONL. Gzip compression is detected from the
// content.
func Load(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pref: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(strings.TrimSuffix(path, ".gz")), ".csv") {
		return ReadCSV(f, path)
	}
	return ReadJSONL(f, path)
}
