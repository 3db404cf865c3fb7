package annotate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Record is one line of a journal or labels file, in JSON Lines:
//
//	{"pair": 17, "preferred": "A", "by": "oracle"}
//
// Preferred is "A" or "B"; By names the annotator and may be empty.
type Record struct {
	Pair      int    `json:"pair"`
	Preferred string `json:"preferred"`
	By        string `json:"by,omitempty"`
}

// Journal is an Annotator that remembers: it answers from its file when the
// pair was answered before, and otherwise asks Inner and appends the answer
// to the file, synced to disk before Annotate returns, so an interrupted
// session loses no answer and resumes where it stopped. The file is JSON
// Lines of Record; a journal is append-only, and a later record of a pair
// replaces an earlier one.
type Journal struct {
	// Inner answers the pairs the file does not hold.
	Inner Annotator
	// By is written in the By field of new records.
	By string

	path    string
	file    *os.File
	answers map[int]bool
	// Recovered is true when opening dropped an incomplete last line left
	// by a crash during a write.
	Recovered bool
}

// OpenJournal opens (creating it if needed) the journal file at path with
// inner answering new questions. A last line without its newline, left by a
// crash in the middle of a write, is dropped from the file; any other
// malformed line is an error naming the file and line.
func OpenJournal(path string, inner Annotator, by string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("annotate: opening journal: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("annotate: reading journal %s: %w", path, err)
	}
	j := &Journal{Inner: inner, By: by, path: path, file: f}
	complete := data[:bytes.LastIndexByte(data, '\n')+1]
	if len(complete) < len(data) {
		if err := f.Truncate(int64(len(complete))); err != nil {
			f.Close()
			return nil, fmt.Errorf("annotate: dropping the incomplete last line of %s: %w", path, err)
		}
		j.Recovered = true
	}
	if j.answers, err = parseRecords(complete, path); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(int64(len(complete)), io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("annotate: %s: %w", path, err)
	}
	return j, nil
}

// Annotate returns the recorded answer for pair, or asks Inner and records
// its answer durably before returning it. Errors of Inner (ErrStopped
// included) are returned unchanged and nothing is recorded.
func (j *Journal) Annotate(pair int) (bool, error) {
	if a, ok := j.answers[pair]; ok {
		return a, nil
	}
	if j.file == nil {
		return false, fmt.Errorf("annotate: journal %s is closed", j.path)
	}
	if j.Inner == nil {
		return false, fmt.Errorf("annotate: journal %s has no answer for pair %d and no annotator to ask", j.path, pair)
	}
	a, err := j.Inner.Annotate(pair)
	if err != nil {
		return false, err
	}
	line, err := json.Marshal(Record{Pair: pair, Preferred: choiceName(a), By: j.By})
	if err != nil {
		return false, err
	}
	if _, err := j.file.Write(append(line, '\n')); err != nil {
		return false, fmt.Errorf("annotate: writing journal %s: %w", j.path, err)
	}
	if err := j.file.Sync(); err != nil {
		return false, fmt.Errorf("annotate: syncing journal %s: %w", j.path, err)
	}
	j.answers[pair] = a
	return a, nil
}

// Len returns the number of pairs answered in the journal.
func (j *Journal) Len() int { return len(j.answers) }

// Answer returns the recorded answer for pair and whether there is one.
func (j *Journal) Answer(pair int) (preferA, ok bool) {
	preferA, ok = j.answers[pair]
	return preferA, ok
}

// Close closes the journal's file.
func (j *Journal) Close() error {
	if j.file == nil {
		return nil
	}
	err := j.file.Close()
	j.file = nil
	return err
}

// ReadLabels reads a labels file in the journal format (JSON Lines of
// Record) holding one label for each of n pairs, as written by a Journal or
// by an AI labeler run elsewhere. Element i of the result is true when A is
// preferred in pair i. It returns an error naming the file and line of a
// malformed record or a pair outside 0…n−1, and the first pair without a
// label.
func ReadLabels(path string, n int) ([]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("annotate: %w", err)
	}
	answers, err := parseRecords(data, path)
	if err != nil {
		return nil, err
	}
	labels := make([]bool, n)
	for i := range labels {
		a, ok := answers[i]
		if !ok {
			return nil, fmt.Errorf("annotate: %s has no label for pair %d (of %d)", path, i, n)
		}
		labels[i] = a
	}
	for p := range answers {
		if p >= n {
			return nil, fmt.Errorf("annotate: %s labels pair %d but the pool has %d pairs", path, p, n)
		}
	}
	return labels, nil
}

// WriteLabels writes labels (true when A is preferred) to path in the
// journal format, replacing the file.
func WriteLabels(path string, labels []bool, by string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i, a := range labels {
		if err := enc.Encode(Record{Pair: i, Preferred: choiceName(a), By: by}); err != nil {
			return err
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("annotate: %w", err)
	}
	return nil
}

func choiceName(preferA bool) string {
	if preferA {
		return "A"
	}
	return "B"
}

// parseRecords decodes JSON Lines of Record; blank lines are skipped.
func parseRecords(data []byte, path string) (map[int]bool, error) {
	answers := map[int]bool{}
	for n, line := range bytes.Split(data, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r struct {
			Pair      *int   `json:"pair"`
			Preferred string `json:"preferred"`
			By        string `json:"by"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) {
				return nil, fmt.Errorf("annotate: %s:%d: malformed JSON at byte %d: %v", path, n+1, syntax.Offset, err)
			}
			return nil, fmt.Errorf("annotate: %s:%d: %v", path, n+1, err)
		}
		switch {
		case r.Pair == nil:
			return nil, fmt.Errorf("annotate: %s:%d: field \"pair\" is missing", path, n+1)
		case *r.Pair < 0:
			return nil, fmt.Errorf("annotate: %s:%d: field \"pair\": negative pair %d", path, n+1, *r.Pair)
		}
		switch r.Preferred {
		case "A", "a":
			answers[*r.Pair] = true
		case "B", "b":
			answers[*r.Pair] = false
		default:
			return nil, fmt.Errorf("annotate: %s:%d: field \"preferred\": %q is neither \"A\" nor \"B\"", path, n+1, r.Preferred)
		}
	}
	return answers, nil
}
