package nbformat

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fixture was written by Jupyter's own nbformat 5.5 (nbformat.write),
// with unknown fields at the notebook, cell and output levels.
const jupyterSaved = "testdata/jupyter-saved.ipynb"

func TestRoundTripIsByteIdenticalToJupyter(t *testing.T) {
	want, err := os.ReadFile(jupyterSaved)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("round trip differs from Jupyter's file:\n%s", firstDifference(got, want))
	}
}

func firstDifference(got, want []byte) string {
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl[i] + "\nwant: " + wl[i]
		}
	}
	return "lengths differ: got " + strconv.Itoa(len(gl)) + " lines, want " + strconv.Itoa(len(wl))
}

func TestReadDecodesFields(t *testing.T) {
	nb, err := ReadFile(jupyterSaved)
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 4 {
		t.Fatalf("got %d cells, want 4", len(nb.Cells))
	}
	md, code := nb.Cells[0], nb.Cells[1]
	if md.Type != MarkdownCell || md.ID != "md-1" || !strings.HasPrefix(md.Source, "# Title\n\nSome *text*") {
		t.Errorf("markdown cell = %+v", md)
	}
	if md.Attachments["img.png"]["image/png"] != "iVBORw0KGgo=" {
		t.Errorf("attachment = %v", md.Attachments)
	}
	if code.ExecutionCount == nil || *code.ExecutionCount != 3 || code.Source != "x := 1\nfmt.Println(x)\n" {
		t.Errorf("code cell = %+v", code)
	}
	if len(code.Outputs) != 5 {
		t.Fatalf("got %d outputs, want 5", len(code.Outputs))
	}
	if o := code.Outputs[0]; o.Type != StreamOutput || o.Name != "stdout" || o.Text != "1\n2\n" {
		t.Errorf("stream = %+v", o)
	}
	if o := code.Outputs[2]; o.Data["text/html"] != "<b>bold</b>\n<i>x</i>" {
		t.Errorf("html not joined: %#v", o.Data["text/html"])
	}
	if o := code.Outputs[2]; !reflect.DeepEqual(o.Data["application/json"].(map[string]any)["b"], "line1\nline2") {
		t.Errorf("json data changed: %#v", o.Data["application/json"])
	}
	if o := code.Outputs[4]; o.Type != ErrorOutput || o.EName != "panic" || o.EValue != "boom" || len(o.Traceback) != 2 {
		t.Errorf("error = %+v", o)
	}
	if nb.Extra["x_top_extra"] == nil || code.Extra["x_cell_extra"] == nil || code.Outputs[0].Extra["x_output_extra"] == nil {
		t.Errorf("unknown fields lost: %v %v %v", nb.Extra, code.Extra, code.Outputs[0].Extra)
	}
	if nb.Cells[3].ExecutionCount != nil || nb.Cells[3].Source != "" {
		t.Errorf("empty cell = %+v", nb.Cells[3])
	}
}

// An nbformat 4.4 notebook as older Jupyter releases saved it: no cell
// ids, sources as plain strings.
const v44 = `{"nbformat": 4, "nbformat_minor": 4, "metadata": {},
 "cells": [
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "a := 1"},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "a := 1"},
  {"cell_type": "markdown", "metadata": {}, "source": ["# x\n", "y"]}
 ]}`

func TestOlderMinorVersionGetsIDsOnWrite(t *testing.T) {
	nb, err := Parse([]byte(v44))
	if err != nil {
		t.Fatal(err)
	}
	if nb.FormatMinor != 4 || nb.Cells[2].Source != "# x\ny" {
		t.Fatalf("read %+v", nb)
	}
	out, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if again.FormatMinor != 5 {
		t.Errorf("written minor = %d, want 5", again.FormatMinor)
	}
	ids := map[string]bool{}
	for _, c := range again.Cells {
		if !idPattern.MatchString(c.ID) || ids[c.ID] {
			t.Errorf("bad or duplicate id %q", c.ID)
		}
		ids[c.ID] = true
	}
	// Deterministic: writing the original again gives the same bytes.
	nb2, _ := Parse([]byte(v44))
	out2, _ := Marshal(nb2)
	if !bytes.Equal(out, out2) {
		t.Error("ids are not deterministic")
	}
}

func TestWrittenNotebookValidatesWithJupyter(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import nbformat").Run(); err != nil {
		t.Skip("Jupyter's nbformat is not installed")
	}
	nb, err := Parse([]byte(v44))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
	// Jupyter reads it as 4.5 and, writing it back, produces our bytes.
	script := `import nbformat, sys
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
assert nb.nbformat_minor == 5
sys.stdout.write(nbformat.writes(nb) + "\n")`
	got, err := exec.Command(python, "-c", script, path).Output()
	if err != nil {
		t.Fatalf("nbformat rejected the file: %v", err)
	}
	mine, _ := os.ReadFile(path)
	if !bytes.Equal(got, mine) {
		t.Errorf("Jupyter rewrites the file differently:\n%s", firstDifference(mine, got))
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string
	}{
		{"nbformat 3", `{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}`, ErrNBFormat3.Error()},
		{"nbformat 5", `{"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}}`, "newer"},
		{"no nbformat", `{"cells": []}`, "no nbformat field"},
		{"not an object", `[1, 2]`, "JSON array"},
		{"empty", ``, "empty file"},
		{"no cells", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}`, "cells: missing"},
		{"source type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 3, "metadata": {}, "outputs": [], "execution_count": null}]}`,
			"cells[0].source: want a string or a list of strings, got number"},
		{"source line type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "source": ["a", false], "metadata": {}}]}`,
			"cells[0].source[1]: want a string, got boolean"},
		{"cell type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "heading", "source": "", "metadata": {}}]}`,
			`cells[0].cell_type: unknown cell type "heading"`},
		{"output type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [{"output_type": "pyout"}]}]}`,
			`cells[0].outputs[0].output_type: unknown output type "pyout"`},
		{"count type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": "1", "outputs": []}]}`,
			"cells[0].execution_count: want an integer, got string"},
		{"metadata type", `{"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": []}`, "metadata: want an object, got array"},
		{"trailing data", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []} {}`, "unexpected data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := Parse([]byte(`{"nbformat": 3}`))
	if !errors.Is(err, ErrNBFormat3) {
		t.Errorf("nbformat 3 error %v does not wrap ErrNBFormat3", err)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		doc       string
		line, col int
		prefix    string
	}{
		{"{\n \"nbformat\": 4,\n \"cells\": [,]\n}", 3, 12, "nb.ipynb:3:12: malformed JSON"},
		{"{\n \"nbformat\": 4\n \"cells\": []\n}", 3, 2, "nb.ipynb:3:2: malformed JSON"},
		{"{\n \"nbformat\": 4,", 2, 15, "nb.ipynb:2:15: malformed JSON: unexpected end of file"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "nb.ipynb")
		os.WriteFile(path, []byte(tt.doc), 0o644)
		_, err := ReadFile(path)
		var nerr *Error
		if !errors.As(err, &nerr) {
			t.Fatalf("%q: error %v is not an *Error", tt.doc, err)
		}
		if nerr.Line != tt.line || nerr.Column != tt.col {
			t.Errorf("%q: position %d:%d, want %d:%d (%v)", tt.doc, nerr.Line, nerr.Column, tt.line, tt.col, err)
		}
		if !strings.HasPrefix(err.Error(), filepath.Join(filepath.Dir(path), tt.prefix)) {
			t.Errorf("message %q, want the prefix %q", err, tt.prefix)
		}
	}
}

func TestMissingFile(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "absent.ipynb"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "absent.ipynb") {
		t.Errorf("error = %v", err)
	}
}

func TestSplitLinesMatchesPython(t *testing.T) {
	tests := []struct {
		in   string
		want []any
	}{
		{"", []any{}},
		{"a", []any{"a"}},
		{"a\n", []any{"a\n"}},
		{"a\nb", []any{"a\n", "b"}},
		{"a\r\nb\rc\n\n", []any{"a\r\n", "b\r", "c\n", "\n"}},
		{"x\u2028y\x0cz", []any{"x\u2028", "y\x0c", "z"}},
	}
	for _, tt := range tests {
		if got := splitLines(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAtomicWriteFailureLeavesFileUntouched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.ipynb")
	original := []byte("original content")
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("disk full")
	err := AtomicWriteFile(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("partial "), 10000))
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("error = %v, want the writer's", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, original) {
		t.Errorf("file changed to %.40q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	// A successful write replaces the content and keeps the mode.
	if err := WriteFile(path, New()); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	if _, err := ReadFile(path); err != nil {
		t.Error(err)
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(jupyterSaved); err == nil {
		f.Add(data)
	}
	f.Add([]byte(v44))
	f.Add([]byte(`{"nbformat": 3}`))
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever reads must write, and read back to the same notebook.
		out, err := Marshal(nb)
		if err != nil {
			return // e.g. numbers JSON cannot hold
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, out)
		}
		out2, err := Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second round trip differs: %v", err)
		}
	})
}

func TestTimingRoundTrip(t *testing.T) {
	c := &Cell{Type: CodeCell}
	if _, ok := c.Duration(); ok {
		t.Error("a cell without timing has a duration")
	}
	start := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	c.SetTiming(start, start.Add(1500*time.Millisecond))
	nb := New()
	nb.Cells = []*Cell{c}
	data, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := back.Cells[0].Duration(); !ok || d != 1500*time.Millisecond {
		t.Errorf("duration = %v, %v", d, ok)
	}
}

// idPattern is the pattern of cell ids in nbformat 4.5's schema.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestValidIDFollowsTheSchema(t *testing.T) {
	for _, id := range []string{"", "a", "Z9_-", "a b", "é", "x.y", "abc\n", strings.Repeat("a", 64), strings.Repeat("a", 65), "-", "_"} {
		if got, want := validID(id), idPattern.MatchString(id); got != want {
			t.Errorf("validID(%q) = %v, want %v", id, got, want)
		}
	}
}
