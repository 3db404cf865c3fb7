package nbformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ErrNBFormat3 is the error Read returns for a notebook in the old nbformat 3.
var ErrNBFormat3 = errors.New("nbformat 3 is not supported: convert with jupyter nbconvert --to notebook")

// Error is a problem found while reading a notebook: a malformed JSON
// document (Line and Column set) or a field of the wrong type or value
// (Field set, such as "cells[2].outputs[0].text").
type Error struct {
	// File is the name of the notebook file, empty when reading from a
	// reader.
	File string
	// Line and Column locate a JSON syntax error, counted from 1 (the
	// column in bytes); both are 0 for other errors.
	Line, Column int
	// Field is the JSON path of the field at fault, empty for syntax
	// errors and for errors about the whole document.
	Field string
	// Err is what is wrong.
	Err error
}

// Error formats the error as "file:line:col: msg" or "file: field: msg".
func (e *Error) Error() string {
	var b bytes.Buffer
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ReadFile reads the notebook in the file at path.
func ReadFile(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nb, err := Parse(data)
	if err != nil {
		var nerr *Error
		if errors.As(err, &nerr) {
			nerr.File = path
		}
		return nil, err
	}
	return nb, nil
}

// Read reads a notebook from r.
func Read(r io.Reader) (*Notebook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes a notebook from its JSON text. Errors are of type *Error,
// or ErrNBFormat3 wrapped in one.
func Parse(data []byte) (*Notebook, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &Error{Err: errors.New("empty file: not a notebook")}
		}
		return nil, syntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := dec.InputOffset()
		line, col := position(data, off)
		return nil, &Error{Line: line, Column: col, Err: errors.New("unexpected data after the notebook's JSON object")}
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, &Error{Err: fmt.Errorf("not a notebook: the document is a JSON %s, not an object", kind(doc))}
	}
	return decodeNotebook(top)
}

// syntaxError turns a JSON decoding error into an *Error with the line and
// column where decoding stopped.
func syntaxError(data []byte, err error) error {
	var serr *json.SyntaxError
	if errors.As(err, &serr) {
		line, col := position(data, serr.Offset)
		return &Error{Line: line, Column: col, Err: fmt.Errorf("malformed JSON: %v", serr)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := position(data, int64(len(data)))
		return &Error{Line: line, Column: col, Err: errors.New("malformed JSON: unexpected end of file")}
	}
	return &Error{Err: fmt.Errorf("malformed JSON: %v", err)}
}

// position converts a byte offset into a 1-based line and column, the
// column pointing at the byte before offset (where the JSON decoder
// noticed the problem).
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n') - 1
	if col == 0 {
		col = 1
	}
	return line, col
}

// decoder walks the generic JSON tree, remembering the first error with
// the path where it occurred.
type decoder struct{ err error }

func (d *decoder) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = &Error{Field: field, Err: fmt.Errorf(format, args...)}
	}
}

// kind names the JSON type of a decoded value.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func decodeNotebook(top map[string]any) (*Notebook, error) {
	d := &decoder{}
	major, ok := top["nbformat"]
	if !ok {
		return nil, &Error{Err: errors.New("not a notebook: no nbformat field")}
	}
	nb := &Notebook{}
	nb.Format = d.integer("nbformat", major)
	if d.err != nil {
		return nil, d.err
	}
	switch {
	case nb.Format < 4:
		if nb.Format == 3 {
			return nil, &Error{Err: ErrNBFormat3}
		}
		return nil, &Error{Field: "nbformat", Err: fmt.Errorf("nbformat %d is not supported: only nbformat 4 is", nb.Format)}
	case nb.Format > 4:
		return nil, &Error{Field: "nbformat", Err: fmt.Errorf("nbformat %d is newer than this program supports (4)", nb.Format)}
	}
	if minor, ok := top["nbformat_minor"]; ok {
		nb.FormatMinor = d.integer("nbformat_minor", minor)
	}
	nb.Metadata = d.object("metadata", top["metadata"])
	cells, ok := top["cells"]
	if !ok {
		return nil, &Error{Field: "cells", Err: errors.New("missing")}
	}
	list := d.array("cells", cells)
	for i, c := range list {
		nb.Cells = append(nb.Cells, d.cell(fmt.Sprintf("cells[%d]", i), c))
	}
	nb.Extra = extra(top, "nbformat", "nbformat_minor", "metadata", "cells")
	if d.err != nil {
		return nil, d.err
	}
	return nb, nil
}

func (d *decoder) cell(field string, v any) *Cell {
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(field, "want an object, got %s", kind(v))
		return &Cell{}
	}
	c := &Cell{}
	c.Type = d.str(field+".cell_type", m["cell_type"], true)
	switch c.Type {
	case CodeCell, MarkdownCell, RawCell:
	default:
		if d.err == nil {
			d.fail(field+".cell_type", "unknown cell type %q (want code, markdown or raw)", c.Type)
		}
	}
	if id, ok := m["id"]; ok {
		c.ID = d.str(field+".id", id, true)
	}
	c.Source = d.multiline(field+".source", m["source"])
	c.Metadata = d.object(field+".metadata", m["metadata"])
	known := []string{"cell_type", "id", "source", "metadata"}
	if a, ok := m["attachments"]; ok && c.Type != CodeCell {
		known = append(known, "attachments")
		att := d.object(field+".attachments", a)
		c.Attachments = make(map[string]MIMEBundle, len(att))
		for name, b := range att {
			c.Attachments[name] = d.bundle(field+".attachments."+name, b)
		}
	}
	if c.Type == CodeCell {
		known = append(known, "execution_count", "outputs")
		c.ExecutionCount = d.count(field+".execution_count", m["execution_count"])
		for i, o := range d.array(field+".outputs", m["outputs"]) {
			c.Outputs = append(c.Outputs, d.output(fmt.Sprintf("%s.outputs[%d]", field, i), o))
		}
	}
	c.Extra = extra(m, known...)
	return c
}

func (d *decoder) output(field string, v any) *Output {
	m, ok := v.(map[string]any)
	if !ok {
		d.fail(field, "want an object, got %s", kind(v))
		return &Output{}
	}
	o := &Output{Type: d.str(field+".output_type", m["output_type"], true)}
	known := []string{"output_type"}
	switch o.Type {
	case StreamOutput:
		known = append(known, "name", "text")
		o.Name = d.str(field+".name", m["name"], true)
		o.Text = d.multiline(field+".text", m["text"])
	case DisplayDataOutput, ExecuteResultOutput:
		known = append(known, "data", "metadata")
		o.Data = d.bundle(field+".data", m["data"])
		o.Metadata = d.object(field+".metadata", m["metadata"])
		if o.Type == ExecuteResultOutput {
			known = append(known, "execution_count")
			o.ExecutionCount = d.count(field+".execution_count", m["execution_count"])
		}
	case ErrorOutput:
		known = append(known, "ename", "evalue", "traceback")
		o.EName = d.str(field+".ename", m["ename"], true)
		o.EValue = d.str(field+".evalue", m["evalue"], true)
		for i, line := range d.array(field+".traceback", m["traceback"]) {
			o.Traceback = append(o.Traceback, d.str(fmt.Sprintf("%s.traceback[%d]", field, i), line, true))
		}
	default:
		if d.err == nil {
			d.fail(field+".output_type", "unknown output type %q", o.Type)
		}
	}
	o.Extra = extra(m, known...)
	return o
}

// bundle decodes a MIME bundle, joining the lists of lines of non-JSON
// types as Jupyter does.
func (d *decoder) bundle(field string, v any) MIMEBundle {
	m := d.object(field, v)
	b := make(MIMEBundle, len(m))
	for mime, val := range m {
		if isJSONMIME(mime) {
			b[mime] = val
			continue
		}
		b[mime] = d.multiline(field+"."+mime, val)
	}
	return b
}

// isJSONMIME reports whether data of this MIME type is stored as a JSON
// value rather than as text.
func isJSONMIME(mime string) bool {
	return mime == "application/json" ||
		(strings.HasPrefix(mime, "application/") && strings.HasSuffix(mime, "+json"))
}

func (d *decoder) integer(field string, v any) int {
	n, ok := v.(json.Number)
	if !ok {
		d.fail(field, "want an integer, got %s", kind(v))
		return 0
	}
	i, err := strconv.Atoi(n.String())
	if err != nil {
		d.fail(field, "want an integer, got %s", n)
	}
	return i
}

// count decodes an execution count: an integer or null.
func (d *decoder) count(field string, v any) *int {
	if v == nil {
		return nil
	}
	n := d.integer(field, v)
	return &n
}

func (d *decoder) str(field string, v any, required bool) string {
	if v == nil && !required {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		if v == nil {
			d.fail(field, "missing")
		} else {
			d.fail(field, "want a string, got %s", kind(v))
		}
	}
	return s
}

// multiline decodes a string stored either whole or as a list of lines.
func (d *decoder) multiline(field string, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b bytes.Buffer
		for i, line := range v {
			s, ok := line.(string)
			if !ok {
				d.fail(fmt.Sprintf("%s[%d]", field, i), "want a string, got %s", kind(line))
				return ""
			}
			b.WriteString(s)
		}
		return b.String()
	case nil:
		d.fail(field, "missing")
	default:
		d.fail(field, "want a string or a list of strings, got %s", kind(v))
	}
	return ""
}

// object decodes a JSON object; a missing one is empty.
func (d *decoder) object(field string, v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case nil:
		return map[string]any{}
	}
	d.fail(field, "want an object, got %s", kind(v))
	return map[string]any{}
}

// array decodes a JSON array; a missing one is empty.
func (d *decoder) array(field string, v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	}
	d.fail(field, "want an array, got %s", kind(v))
	return nil
}

// extra returns the entries of m whose keys are not known, nil if none.
func extra(m map[string]any, known ...string) map[string]any {
	var rest map[string]any
outer:
	for k, v := range m {
		for _, kn := range known {
			if k == kn {
				continue outer
			}
		}
		if rest == nil {
			rest = map[string]any{}
		}
		rest[k] = v
	}
	return rest
}
