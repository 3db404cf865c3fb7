package headless

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golign/golign/kernel/nbformat"
	"github.com/golign/golign/kernel/session"
)

// These tests run the real Go session.

func newSession(t *testing.T, opts session.Options) *session.Session {
	t.Helper()
	s, err := session.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false) })
	return s
}

func TestTourRunsThroughTheSession(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the tour notebook")
	}
	nb, err := nbformat.ReadFile("../../notebooks/tour.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	sess := newSession(t, session.Options{})
	report, err := RunNotebook(context.Background(), sess, nb, Options{CellTimeout: 2 * time.Minute})
	sess.Shutdown(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Failed()) > 0 {
		t.Fatalf("failed cells: %+v", report.Failed())
	}
	count := 0
	var plots, stderr, areas int
	for i, c := range nb.Cells {
		if c.Type != nbformat.CodeCell {
			continue
		}
		count++
		if c.ExecutionCount == nil || *c.ExecutionCount != count {
			t.Errorf("cell %d: execution count %v, want %d", i, c.ExecutionCount, count)
		}
		if _, ok := c.Duration(); !ok {
			t.Errorf("cell %d has no timing", i)
		}
		for _, o := range c.Outputs {
			if o.Type == nbformat.StreamOutput && o.Name == "stderr" {
				stderr++
			}
			if s, ok := o.Data["image/png"].(string); ok {
				plots++
				checkPlotImage(t, s)
			}
		}
		if strings.Contains(c.Source, "status.Update") {
			areas++
			if len(c.Outputs) != 1 || !strings.Contains(c.Outputs[0].Data["text/markdown"].(string), "done") {
				t.Errorf("updated area: outputs %+v, want the one updated display", c.Outputs)
			}
		}
	}
	if plots != 1 || stderr != 1 || areas != 1 {
		t.Errorf("found %d plots, %d stderr streams, %d updated areas; want 1 of each", plots, stderr, areas)
	}
}

// checkPlotImage decodes a base64 PNG and checks that something is drawn
// on it.
func checkPlotImage(t *testing.T, b64 string) {
	t.Helper()
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 200 || b.Dy() < 150 {
		t.Errorf("plot is %v", b)
	}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				dark++
			}
		}
	}
	if frac := float64(dark) / float64(b.Dx()*b.Dy()); frac < 0.005 || frac > 0.5 {
		t.Errorf("%.3f of the plot is dark: not a drawn plot", frac)
	}
}

func TestSessionErrorsTimeoutsAndInput(t *testing.T) {
	sess := newSession(t, session.Options{})
	nb := notebook(
		`import "fmt"
x := 1`,
		`fmt.Println(undefinedName)`,
		`for {
}`,
		`import "time"
time.Sleep(time.Hour)`,
		`var name string
_, err := fmt.Scanln(&name)
fmt.Println("read:", err)`,
		`fmt.Println("x is still", x)`,
	)
	report, err := RunNotebook(context.Background(), sess, nb, Options{AllowErrors: true, CellTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	failed := report.Failed()
	if len(failed) != 3 {
		t.Fatalf("failed cells %+v, want cells 2 to 4", failed)
	}
	if failed[0].Err.Name != "CompileError" || !strings.Contains(failed[0].Err.Value, "undefinedName") {
		t.Errorf("compile error = %+v", failed[0].Err)
	}
	for _, f := range failed[1:3] {
		if f.Err.Name != TimeoutErrorName {
			t.Errorf("cell %d: %+v, want a timeout", f.Index+1, f.Err)
		}
	}
	if got := summary(nb.Cells[5].Outputs); len(got) != 1 || got[0] != "stdout:x is still 1\n" {
		t.Errorf("after the interrupts: %q", got)
	}
	// Reading standard input with no input to give ends the read at
	// end of file, without hanging.
	if got := summary(nb.Cells[4].Outputs); len(got) != 2 || !slices.Contains(got, "stdout:read: EOF\n") ||
		!slices.ContainsFunc(got, func(o string) bool { return strings.HasPrefix(o, "stderr:") && strings.Contains(o, ErrNoInput.Error()) }) {
		t.Errorf("reading input: %q", got)
	}
}

func TestScriptThroughTheSession(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "prog.go")
	src := `package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("args", os.Args[1:])
	fmt.Println(undefinedName)
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	sess := newSession(t, session.Options{Args: []string{path, "a", "b"}})
	err := RunScript(context.Background(), sess, path, ScriptOptions{Stdout: &stdout, Stderr: &stdout})
	sess.Shutdown(false)
	var serr *ScriptError
	if !errors.As(err, &serr) || !strings.HasPrefix(err.Error(), path+":10:14: ") {
		t.Fatalf("error = %v, want it located at %s:10:14", err, path)
	}
	stdout.Reset()

	if err := os.WriteFile(path, []byte(strings.Replace(src, "fmt.Println(undefinedName)", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	sess = newSession(t, session.Options{Args: []string{path, "a", "b"}})
	if err := RunScript(context.Background(), sess, path, ScriptOptions{Stdout: &stdout, Stderr: &stdout}); err != nil {
		t.Fatal(err)
	}
	sess.Shutdown(false)
	if stdout.String() != "args [a b]\n" {
		t.Errorf("output = %q", stdout.String())
	}

	if err := os.WriteFile(path, []byte(strings.Replace(src, "fmt.Println(undefinedName)", "os.Exit(3)", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	sess = newSession(t, session.Options{Args: []string{path}})
	var exit *ExitError
	if err := RunScript(context.Background(), sess, path, ScriptOptions{Stdout: &stdout, Stderr: &stdout}); !errors.As(err, &exit) || exit.Code != 3 {
		t.Errorf("os.Exit(3): %v", err)
	}
}
