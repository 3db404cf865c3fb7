package nbformat

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Write writes nb to w as nbformat 4.5, formatted as Jupyter formats it
// (json.dumps with sort_keys and indent=1, ensure_ascii off, multiline
// strings split into lines, a final newline). Cells with a missing,
// invalid or duplicate id get a new one, set on nb's cells: ids are derived
// from the cell's position and source, so writing the same notebook twice
// gives the same file.
func Write(w io.Writer, nb *Notebook) error {
	assignIDs(nb)
	var b bytes.Buffer
	if err := encode(&b, nb.tree(), 0); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// Marshal returns the text Write writes.
func Marshal(nb *Notebook) ([]byte, error) {
	var b bytes.Buffer
	err := Write(&b, nb)
	return b.Bytes(), err
}

// WriteFile writes nb to the file at path atomically: the notebook is
// written to a temporary file in the same directory, synced and renamed
// over path, so path holds either its old content or the whole new
// notebook, never a part of it. A new file gets mode 0644; an existing
// file keeps its mode.
func WriteFile(path string, nb *Notebook) error {
	return AtomicWriteFile(path, func(w io.Writer) error { return Write(w, nb) })
}

// AtomicWriteFile creates or replaces the file at path with what write
// writes, through a temporary file renamed over path once write succeeded
// and the data is synced. When write fails, path is untouched and the
// temporary file removed.
func AtomicWriteFile(path string, write func(io.Writer) error) (err error) {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriter(tmp)
	if err := write(bw); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// validID tells whether id matches the pattern nbformat 4.5 requires of
// cell ids, ^[a-zA-Z0-9_-]{1,64}$ (checked by hand: the compiled regular
// expression would cost the start of every golign process a thousand
// allocations).
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// assignIDs gives every cell without a valid, unique id a new one.
func assignIDs(nb *Notebook) {
	seen := make(map[string]bool, len(nb.Cells))
	for i, c := range nb.Cells {
		if validID(c.ID) && !seen[c.ID] {
			seen[c.ID] = true
			continue
		}
		for salt := 0; ; salt++ {
			sum := sha256.Sum256([]byte(fmt.Sprintf("%d\x00%d\x00%s", i, salt, c.Source)))
			id := hex.EncodeToString(sum[:4])
			if !seen[id] {
				c.ID = id
				seen[id] = true
				break
			}
		}
	}
}

// tree converts the notebook into the JSON tree Jupyter writes.
func (nb *Notebook) tree() map[string]any {
	cells := make([]any, len(nb.Cells))
	for i, c := range nb.Cells {
		cells[i] = c.tree()
	}
	m := merge(nb.Extra)
	m["nbformat"] = Major
	m["nbformat_minor"] = Minor
	m["metadata"] = orEmpty(nb.Metadata)
	m["cells"] = cells
	return m
}

func (c *Cell) tree() map[string]any {
	m := merge(c.Extra)
	m["id"] = c.ID
	m["cell_type"] = c.Type
	m["source"] = splitLines(c.Source)
	m["metadata"] = orEmpty(c.Metadata)
	if c.Attachments != nil && c.Type != CodeCell {
		att := make(map[string]any, len(c.Attachments))
		for name, b := range c.Attachments {
			att[name] = b.tree()
		}
		m["attachments"] = att
	}
	if c.Type == CodeCell {
		m["execution_count"] = countValue(c.ExecutionCount)
		outs := make([]any, len(c.Outputs))
		for i, o := range c.Outputs {
			outs[i] = o.tree()
		}
		m["outputs"] = outs
	}
	return m
}

func (o *Output) tree() map[string]any {
	m := merge(o.Extra)
	m["output_type"] = o.Type
	switch o.Type {
	case StreamOutput:
		m["name"] = o.Name
		m["text"] = splitLines(o.Text)
	case DisplayDataOutput, ExecuteResultOutput:
		m["data"] = o.Data.tree()
		m["metadata"] = orEmpty(o.Metadata)
		if o.Type == ExecuteResultOutput {
			m["execution_count"] = countValue(o.ExecutionCount)
		}
	case ErrorOutput:
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := make([]any, len(o.Traceback))
		for i, line := range o.Traceback {
			tb[i] = line
		}
		m["traceback"] = tb
	}
	return m
}

// tree splits the text data of b into lines the way Jupyter does: text/*
// types, JavaScript and SVG; other strings (base64 images) stay whole.
func (b MIMEBundle) tree() map[string]any {
	m := make(map[string]any, len(b))
	for mime, v := range b {
		if s, ok := v.(string); ok && (strings.HasPrefix(mime, "text/") || mime == "application/javascript" || mime == "image/svg+xml") {
			m[mime] = splitLines(s)
			continue
		}
		m[mime] = v
	}
	return m
}

func countValue(n *int) any {
	if n == nil {
		return nil
	}
	return *n
}

func merge(extra map[string]any) map[string]any {
	m := make(map[string]any, len(extra)+6)
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// splitLines splits s after each line boundary, keeping the boundaries,
// as Python's str.splitlines(True) does: \n, \r, \r\n, \v, \f, \x1c,
// \x1d, \x1e, U+0085, U+2028 and U+2029 end a line.
func splitLines(s string) []any {
	lines := []any{}
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := -1
		switch r {
		case '\r':
			end = i + 1
			if end < len(s) && s[end] == '\n' {
				end++
			}
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			end = i + size
		}
		if end < 0 {
			i += size
			continue
		}
		lines = append(lines, s[start:end])
		start, i = end, end
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// encode writes v as Python's json.dumps(v, sort_keys=True, indent=1,
// ensure_ascii=False) does, at the given depth.
func encode(b *bytes.Buffer, v any, depth int) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		encodeString(b, v)
	case json.Number:
		b.WriteString(v.String())
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Errorf("cannot write %v in JSON", v)
		}
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		b.WriteString(s)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(",")
			}
			newline(b, depth+1)
			if err := encode(b, e, depth+1); err != nil {
				return err
			}
		}
		newline(b, depth)
		b.WriteString("]")
	case []string:
		list := make([]any, len(v))
		for i, s := range v {
			list[i] = s
		}
		return encode(b, list, depth)
	case map[string]any:
		if len(v) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			newline(b, depth+1)
			encodeString(b, k)
			b.WriteString(": ")
			if err := encode(b, v[k], depth+1); err != nil {
				return err
			}
		}
		newline(b, depth)
		b.WriteString("}")
	case MIMEBundle:
		return encode(b, map[string]any(v), depth)
	default:
		// Any other Go value (a struct given as application/json data,
		// a typed map or slice): use its encoding/json form.
		generic, err := toGeneric(v)
		if err != nil {
			return err
		}
		return encode(b, generic, depth)
	}
	return nil
}

// toGeneric converts a Go value to the generic JSON tree of its
// encoding/json form.
func toGeneric(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var g any
	err = dec.Decode(&g)
	return g, err
}

func newline(b *bytes.Buffer, depth int) {
	b.WriteByte('\n')
	for range depth {
		b.WriteByte(' ')
	}
}

// encodeString writes s as a JSON string escaped as Python's json module
// does with ensure_ascii off: only the quote, the backslash and control
// characters are escaped; invalid UTF-8 becomes U+FFFD.
func encodeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0 // start of the run of bytes written as they are
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteRune(utf8.RuneError) // invalid UTF-8
			}
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
