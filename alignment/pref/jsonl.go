package pref

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/golign/golign/alignment/job"
)

// Names of the fields of a preference record, in JSON Lines and CSV.
const (
	FieldPrompt   = "prompt"
	FieldChosen   = "chosen"
	FieldRejected = "rejected"
	FieldLabeler  = "labeler"
)

// assistantTurn starts an assistant turn in HH-RLHF dialogues.
const assistantTurn = "\n\nAssistant:"

// utf8BOM is the byte order mark some editors put at the start of UTF-8
// files; it is skipped.
var utf8BOM = []byte("\ufeff")

// maxLineBytes bounds one JSON Lines record.
const maxLineBytes = 1 << 28

// ReadJSONL reads preference pairs from JSON Lines: one JSON object per
// line with string fields "chosen" and "rejected", an optional "prompt" and
// an optional "labeler" (a string or a number); other fields are kept in
// Pair.Extra. Blank lines are skipped. name identifies the input in errors.
// Gzip-compressed input is detected from its first bytes.
//
// Records without a prompt follow the HH-RLHF convention, where chosen and
// rejected are whole dialogues ("\n\nHuman: … \n\nAssistant: …") sharing
// everything up to the final assistant turn: the prompt becomes the shared
// dialogue up to and including the last "\n\nAssistant:" the two have in
// common, and each response is the rest with one leading space removed. When
// they share no assistant turn the prompt is empty and the responses are
// kept whole.
//
// Errors name the file, line and field. Reading steps a job.Task once per
// record and stops with job.ErrInterrupted when the run is interrupted.
func ReadJSONL(r io.Reader, name string) (Dataset, error) {
	in, err := decompressed(r, name)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), maxLineBytes)
	t := job.Start("reading "+name, 0)
	var out Dataset
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		p, err := decodeJSONRecord(b, name, line)
		if err == nil {
			err = t.Step(1)
		}
		if err != nil {
			t.Done(err)
			return nil, err
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		if _, ok := err.(*InputError); !ok {
			err = &InputError{File: name, Line: line + 1, Err: err}
		}
		t.Done(err)
		return nil, err
	}
	if len(out) == 0 {
		err := &InputError{File: name, Err: fmt.Errorf("no preference pairs")}
		t.Done(err)
		return nil, err
	}
	t.Done(nil)
	return out, nil
}

// LoadJSONL reads preference pairs from the JSON Lines file at path
// (gzip-compressed or not); see ReadJSONL.
func LoadJSONL(path string) (Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pref: %w", err)
	}
	defer f.Close()
	return ReadJSONL(f, path)
}

func decodeJSONRecord(b []byte, name string, line int) (Pair, error) {
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		return Pair{}, inputErrorf(name, line, "", "not a JSON object: %v", err)
	}
	if rec == nil {
		return Pair{}, inputErrorf(name, line, "", "not a JSON object: null")
	}
	str := func(field string, required bool) (string, bool, error) {
		v, ok := rec[field]
		if !ok {
			if required {
				return "", false, inputErrorf(name, line, field, "missing")
			}
			return "", false, nil
		}
		delete(rec, field)
		switch v := v.(type) {
		case string:
			return v, true, nil
		case float64:
			if field == FieldLabeler {
				return strconv.FormatFloat(v, 'g', -1, 64), true, nil
			}
		}
		return "", false, inputErrorf(name, line, field, "is %s, want a string", jsonKind(v))
	}
	var p Pair
	var err error
	var hasPrompt bool
	if p.Chosen, _, err = str(FieldChosen, true); err != nil {
		return Pair{}, err
	}
	if p.Rejected, _, err = str(FieldRejected, true); err != nil {
		return Pair{}, err
	}
	if p.Prompt, hasPrompt, err = str(FieldPrompt, false); err != nil {
		return Pair{}, err
	}
	if p.Labeler, _, err = str(FieldLabeler, false); err != nil {
		return Pair{}, err
	}
	if !hasPrompt {
		p.Prompt, p.Chosen, p.Rejected = SplitDialogue(p.Chosen, p.Rejected)
	}
	if len(rec) > 0 {
		p.Extra = rec
	}
	return p, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a string"
}

// SplitDialogue splits two HH-RLHF dialogues that share everything up to
// their final assistant turn into the shared prompt and the two responses:
// the prompt ends with the last "\n\nAssistant:" inside the longest common
// prefix of chosen and rejected, and each response is the rest with one
// leading space removed. When the common prefix holds no assistant turn it
// returns an empty prompt and the dialogues unchanged.
func SplitDialogue(chosen, rejected string) (prompt, chosenResponse, rejectedResponse string) {
	common := 0
	for common < len(chosen) && common < len(rejected) && chosen[common] == rejected[common] {
		common++
	}
	cut := strings.LastIndex(chosen[:common], assistantTurn)
	if cut < 0 {
		return "", chosen, rejected
	}
	cut += len(assistantTurn)
	return chosen[:cut], strings.TrimPrefix(chosen[cut:], " "), strings.TrimPrefix(rejected[cut:], " ")
}

// WriteJSONL writes the pairs as JSON Lines: one object per pair with
// "prompt", "chosen", "rejected", "labeler" when set, and the Extra fields
// (a standard field wins over an Extra field of the same name). Keys are
// sorted, so the output is deterministic; ReadJSONL reads it back unchanged.
func WriteJSONL(w io.Writer, d Dataset) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, p := range d {
		rec := make(map[string]any, len(p.Extra)+4)
		for k, v := range p.Extra {
			rec[k] = v
		}
		rec[FieldPrompt] = p.Prompt
		rec[FieldChosen] = p.Chosen
		rec[FieldRejected] = p.Rejected
		if p.Labeler != "" {
			rec[FieldLabeler] = p.Labeler
		} else {
			delete(rec, FieldLabeler)
		}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("pref: writing pair %d: %w", i, err)
		}
	}
	return bw.Flush()
}

// SaveJSONL writes the pairs to a JSON Lines file at path, gzip-compressed
// when path ends in ".gz"; see WriteJSONL.
func SaveJSONL(path string, d Dataset) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("pref: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("pref: %w", cerr)
		}
	}()
	if !strings.HasSuffix(path, ".gz") {
		return WriteJSONL(f, d)
	}
	zw := gzip.NewWriter(f)
	if err := WriteJSONL(zw, d); err != nil {
		return err
	}
	return zw.Close()
}
