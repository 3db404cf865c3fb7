package headless

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golign/golign/kernel/nbformat"
)

// python is Debian's Python, which has Jupyter's nbclient and ipykernel.
const python = "/usr/bin/python3"

// pythonCell translates a cell of fakeInterpreter commands into Python
// that makes ipykernel send the same messages.
func pythonCell(cell string) string {
	lines := []string{"import sys", "from IPython.display import display, update_display, clear_output"}
	for _, line := range strings.Split(cell, "\n") {
		cmd, arg, _ := strings.Cut(line, " ")
		id, text, _ := strings.Cut(arg, " ")
		switch cmd {
		case "out":
			lines = append(lines, fmt.Sprintf("print(%q); sys.stdout.flush()", arg))
		case "err":
			lines = append(lines, fmt.Sprintf("print(%q, file=sys.stderr); sys.stderr.flush()", arg))
		case "display":
			if id == "-" {
				lines = append(lines, fmt.Sprintf("display({'text/plain': %q}, raw=True)", text))
			} else {
				lines = append(lines, fmt.Sprintf("display({'text/plain': %q}, raw=True, display_id=%q)", text, id))
			}
		case "update":
			lines = append(lines, fmt.Sprintf("update_display({'text/plain': %q}, raw=True, display_id=%q)", text, id))
		case "clear":
			lines = append(lines, "clear_output()")
		case "clearwait":
			lines = append(lines, "clear_output(wait=True)")
		case "result":
			lines = append(lines, arg)
		}
	}
	if !strings.Contains(cell, "result") {
		// display returns a handle, which must not become the result.
		lines = append(lines, "None")
	}
	return strings.Join(lines, "\n")
}

// mergeStreams merges consecutive outputs of one stream, as Jupyter's
// frontends do when they save a notebook (nbclient keeps them apart).
func mergeStreams(outs []*nbformat.Output) []*nbformat.Output {
	var merged []*nbformat.Output
	for _, o := range outs {
		if n := len(merged); n > 0 && o.Type == nbformat.StreamOutput && merged[n-1].Type == nbformat.StreamOutput && merged[n-1].Name == o.Name {
			last := *merged[n-1]
			last.Text += o.Text
			merged[n-1] = &last
			continue
		}
		merged = append(merged, o)
	}
	return merged
}

// TestOutputsMatchJupyter runs the same output sequences through Jupyter's
// own notebook executor (nbclient with the Python kernel) and through the
// runner, and compares the outputs stored.
func TestOutputsMatchJupyter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Python kernel")
	}
	if err := exec.Command(python, "-c", "import nbclient, ipykernel").Run(); err != nil {
		t.Skip("Jupyter's nbclient and ipykernel are not installed")
	}
	// Each scenario uses its own display ids: display ids are shared by
	// the whole notebook.
	scenarios := [][]string{
		{"out a\nout b\nerr c\nerr d\nout e"},
		{"display - shown\nresult 42"},
		{"display d1 first\nout x", "update d1 second"},
		{"display d2 first", "display d2 second"},
		{"update nope text"},
		{"out a\nclear\nout b"},
		{"out a\nclearwait\nout b\nout c"},
		{"out a\nclearwait", "out b"},
		{"display d3 one\nclearwait\nupdate d3 two"},
		{"display d4 one\nclear\ndisplay - other", "display d4 two"},
		{"display d5 one\nclearwait\ndisplay - two\nupdate d5 three"},
	}
	var cells []string
	for _, s := range scenarios {
		cells = append(cells, s...)
	}

	py := notebook()
	for _, c := range cells {
		py.Cells = append(py.Cells, &nbformat.Cell{Type: nbformat.CodeCell, Source: pythonCell(c)})
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "py.ipynb"), filepath.Join(dir, "py.out.ipynb")
	if err := nbformat.WriteFile(in, py); err != nil {
		t.Fatal(err)
	}
	script := `import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(nb, kernel_name="python3", timeout=60).execute()
nbformat.write(nb, sys.argv[2])`
	if msg, err := exec.Command(python, "-c", script, in, out).CombinedOutput(); err != nil {
		t.Fatalf("nbclient: %v\n%s", err, msg)
	}
	jupyter, err := nbformat.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}

	ours := notebook(cells...)
	if _, err := RunNotebook(context.Background(), &fakeInterpreter{}, ours, Options{}); err != nil {
		t.Fatal(err)
	}
	for i, c := range cells {
		want := summary(mergeStreams(jupyter.Cells[i].Outputs))
		if got := summary(ours.Cells[i].Outputs); !reflect.DeepEqual(got, want) {
			t.Errorf("cell %d %q:\n got %q\nwant %q (Jupyter)", i, c, got, want)
		}
	}
}
