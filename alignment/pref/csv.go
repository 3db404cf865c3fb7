package pref

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/golign/golign/alignment/job"
)

// ReadCSV reads preference pairs from CSV whose header row names the
// columns: "chosen" and "rejected" are required, "prompt" and "labeler"
// optional, and any other column is kept in Pair.Extra as a string. Every
// row must have as many fields as the header. name identifies the input in
// errors, which give the line and column. Gzip-compressed input is detected
// from its first bytes. Reading steps a job.Task once per row.
func ReadCSV(r io.Reader, name string) (Dataset, error) {
	in, err := decompressed(r, name)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &InputError{File: name, Err: fmt.Errorf("empty file: no header row")}
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	header[0] = strings.TrimPrefix(header[0], string(utf8BOM))
	col := map[string]int{}
	for i, h := range header {
		if _, dup := col[h]; dup {
			return nil, inputErrorf(name, 1, h, "column named twice")
		}
		col[h] = i
	}
	for _, f := range []string{FieldChosen, FieldRejected} {
		if _, ok := col[f]; !ok {
			return nil, inputErrorf(name, 1, f, "missing column in header %q", header)
		}
	}
	header = append([]string(nil), header...)
	t := job.Start("reading "+name, 0)
	var out Dataset
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = t.Step(1)
		}
		if err != nil {
			err = csvError(name, err)
			t.Done(err)
			return nil, err
		}
		var p Pair
		for i, v := range row {
			switch h := header[i]; h {
			case FieldPrompt:
				p.Prompt = v
			case FieldChosen:
				p.Chosen = v
			case FieldRejected:
				p.Rejected = v
			case FieldLabeler:
				p.Labeler = v
			default:
				if p.Extra == nil {
					p.Extra = make(map[string]any, len(header))
				}
				p.Extra[h] = v
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		err := &InputError{File: name, Err: fmt.Errorf("no preference pairs after the header")}
		t.Done(err)
		return nil, err
	}
	t.Done(nil)
	return out, nil
}

// csvError turns an encoding/csv error into an InputError with its line.
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return &InputError{File: name, Line: pe.Line, Err: pe.Err}
		}
		return &InputError{File: name, Line: pe.Line, Err: fmt.Errorf("character %d: %w", pe.Column, pe.Err)}
	}
	var ie *InputError
	if errors.As(err, &ie) || errors.Is(err, job.ErrInterrupted) {
		return err
	}
	return &InputError{File: name, Err: err}
}

// LoadCSV reads preference pairs from the CSV file at path (gzip-compressed
// or not); see ReadCSV.
func LoadCSV(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pref: %w", err)
	}
	defer f.Close()
	return ReadCSV(f, path)
}
