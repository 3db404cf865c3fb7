package headless

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/nbformat"
)

func notebook(sources ...string) *nbformat.Notebook {
	nb := nbformat.New()
	for _, s := range sources {
		nb.Cells = append(nb.Cells, &nbformat.Cell{Type: nbformat.CodeCell, Source: s})
	}
	return nb
}

// summary describes outputs compactly: type, then stream name and text or
// the text/plain data or the error name.
func summary(outs []*nbformat.Output) []string {
	var s []string
	for _, o := range outs {
		switch o.Type {
		case nbformat.StreamOutput:
			s = append(s, o.Name+":"+o.Text)
		case nbformat.ErrorOutput:
			s = append(s, "error:"+o.EName)
		default:
			text, _ := o.Data["text/plain"].(string)
			s = append(s, o.Type+":"+text)
		}
	}
	return s
}

func run(t *testing.T, opts Options, sources ...string) (*nbformat.Notebook, *Report, error) {
	t.Helper()
	nb := notebook(sources...)
	report, err := RunNotebook(context.Background(), &fakeInterpreter{}, nb, opts)
	return nb, report, err
}

func TestOutputsAreRecordedAsJupyterStoresThem(t *testing.T) {
	tests := []struct {
		name  string
		cells []string
		want  [][]string
	}{
		{"consecutive streams merge", []string{"out a\nout b\nerr c\nerr d\nout e"},
			[][]string{{"stdout:a\nb\n", "stderr:c\nd\n", "stdout:e\n"}}},
		{"carriage return overwrites the line", []string{`raw 10%\r` + "\n" + `raw 50%\r` + "\n" + `raw 100%\ndone\n`},
			[][]string{{"stdout:100%\ndone\n"}}},
		{"result and display", []string{"display - shown\nresult 42"},
			[][]string{{"display_data:shown", "execute_result:42"}}},
		{"update replaces the earlier display, in another cell too", []string{"display d first\nout x", "update d second"},
			[][]string{{"display_data:second", "stdout:x\n"}, nil}},
		{"display with a known id updates the earlier ones and adds one", []string{"display d first", "display d second"},
			[][]string{{"display_data:second"}, {"display_data:second"}}},
		{"update of an unknown id is ignored", []string{"update nope text"}, [][]string{nil}},
		{"clear clears now", []string{"out a\nclear\nout b"}, [][]string{{"stdout:b\n"}}},
		{"clear with wait clears at the next output", []string{"out a\nclearwait\nout b\nout c"}, [][]string{{"stdout:b\nc\n"}}},
		{"clear with wait and no next output keeps the outputs", []string{"out a\nclearwait", "out b"}, [][]string{{"stdout:a\n"}, {"stdout:b\n"}}},
		{"an update does not trigger the pending clear", []string{"display d one\nclearwait\nupdate d two"}, [][]string{{"display_data:two"}}},
		{"a cleared display is no longer updated", []string{"display d one\nclear\ndisplay - other", "display d two"},
			[][]string{{"display_data:other"}, {"display_data:two"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, _, err := run(t, Options{}, tt.cells...)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range nb.Cells {
				if got := summary(c.Outputs); !reflect.DeepEqual(got, tt.want[i]) {
					t.Errorf("cell %d outputs = %q, want %q", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestExecutionCountsTimingAndMetadata(t *testing.T) {
	nb := notebook("out a", "  \n", "result 1")
	nb.Cells = append(nb.Cells, &nbformat.Cell{Type: nbformat.MarkdownCell, Source: "# title"})
	nb.Cells[1].Outputs = []*nbformat.Output{{Type: nbformat.StreamOutput, Name: "stdout", Text: "stale"}}
	one := 7
	nb.Cells[1].ExecutionCount = &one
	f := &fakeInterpreter{}
	report, err := RunNotebook(context.Background(), f, nb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.executed) != 2 || f.executed[0].Count != 1 || f.executed[1].Count != 2 {
		t.Fatalf("executed %+v", f.executed)
	}
	if c := nb.Cells[0].ExecutionCount; c == nil || *c != 1 {
		t.Errorf("first count = %v", c)
	}
	if nb.Cells[1].ExecutionCount != nil || nb.Cells[1].Outputs != nil {
		t.Errorf("empty cell kept count %v, outputs %v", nb.Cells[1].ExecutionCount, nb.Cells[1].Outputs)
	}
	if res := nb.Cells[2].Outputs[0]; *res.ExecutionCount != 2 || *nb.Cells[2].ExecutionCount != 2 {
		t.Errorf("result count = %d", *res.ExecutionCount)
	}
	if _, ok := nb.Cells[0].Duration(); !ok {
		t.Errorf("no timing metadata: %v", nb.Cells[0].Metadata)
	}
	if _, ok := nb.Cells[3].Duration(); ok {
		t.Error("markdown cell got timing")
	}
	if li, _ := nb.Metadata["language_info"].(map[string]any); li["name"] != "go" {
		t.Errorf("language_info = %v", nb.Metadata["language_info"])
	}
	if len(report.Cells) != 2 || report.Cells[1].Index != 2 || len(report.Failed()) != 0 {
		t.Errorf("report = %+v", report)
	}
	// The timing survives writing and reading the notebook.
	data, err := nbformat.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	back, err := nbformat.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.Cells[0].Duration(); !ok {
		t.Error("timing lost on round trip")
	}
}

func TestStopOnErrorAndAllowErrors(t *testing.T) {
	cells := []string{"out one", "out two\nfail panic boom", "out three"}
	nb, report, err := run(t, Options{}, cells...)
	var cerr *CellError
	if !errors.As(err, &cerr) || cerr.Index != 1 || cerr.Count != 2 || cerr.Err.Name != "panic" {
		t.Fatalf("error = %v", err)
	}
	if got := summary(nb.Cells[1].Outputs); !reflect.DeepEqual(got, []string{"stdout:two\n", "error:panic"}) {
		t.Errorf("failed cell outputs = %q", got)
	}
	if nb.Cells[2].Outputs != nil || nb.Cells[2].ExecutionCount != nil || len(report.Cells) != 2 {
		t.Errorf("the cell after the error ran: %+v, report %+v", nb.Cells[2], report)
	}
	if e := nb.Cells[1].Outputs[1]; e.EValue != "boom" || len(e.Traceback) != 1 {
		t.Errorf("error output = %+v", e)
	}

	nb, report, err = run(t, Options{AllowErrors: true}, cells...)
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(nb.Cells[2].Outputs); !reflect.DeepEqual(got, []string{"stdout:three\n"}) {
		t.Errorf("third cell = %q", got)
	}
	if f := report.Failed(); len(f) != 1 || f[0].Index != 1 {
		t.Errorf("failed = %+v", f)
	}
}

func TestTimeoutInterruptsTheCell(t *testing.T) {
	nb, report, err := run(t, Options{CellTimeout: 50 * time.Millisecond, AllowErrors: true}, "out before\nsleep", "out after")
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(nb.Cells[0].Outputs); !reflect.DeepEqual(got, []string{"stdout:before\n", "error:" + TimeoutErrorName}) {
		t.Errorf("timed-out cell = %q", got)
	}
	if report.Cells[0].Status != kernel.StatusError || report.Cells[1].Status != kernel.StatusOK {
		t.Errorf("report = %+v", report.Cells)
	}
	_, _, err = run(t, Options{CellTimeout: 50 * time.Millisecond}, "sleep", "out after")
	var cerr *CellError
	if !errors.As(err, &cerr) || cerr.Err.Name != TimeoutErrorName {
		t.Errorf("error = %v", err)
	}
}

func TestCellThatIgnoresInterruptsIsAbandoned(t *testing.T) {
	f := &fakeInterpreter{release: make(chan struct{})}
	defer close(f.release)
	nb := notebook("hang", "out never")
	_, err := RunNotebook(context.Background(), f, nb, Options{CellTimeout: 20 * time.Millisecond, StopGrace: 20 * time.Millisecond})
	if !errors.Is(err, ErrAbandoned) {
		t.Fatalf("error = %v", err)
	}
	if len(f.executed) != 1 {
		t.Errorf("ran %d cells after abandoning", len(f.executed))
	}
	if got := summary(nb.Cells[0].Outputs); !reflect.DeepEqual(got, []string{"error:Interrupted"}) {
		t.Errorf("outputs = %q", got)
	}
}

func TestCancelledContextStopsTheRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	nb := notebook("sleep", "out after")
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := RunNotebook(ctx, &fakeInterpreter{}, nb, Options{AllowErrors: true})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v", err)
	}
	if nb.Cells[1].ExecutionCount != nil {
		t.Error("ran a cell after the cancellation")
	}
}

func TestInput(t *testing.T) {
	var prompts []string
	answer := func(prompt string, password bool) (string, error) {
		prompts = append(prompts, prompt)
		return "forty-two", nil
	}
	nb, _, err := run(t, Options{Input: answer}, "input name?")
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(nb.Cells[0].Outputs); !reflect.DeepEqual(got, []string{"stdout:forty-two\n"}) || prompts[0] != "name?" {
		t.Errorf("outputs %q, prompts %q", got, prompts)
	}
	nb, _, err = run(t, Options{}, "input name?")
	if err == nil || !strings.Contains(err.Error(), ErrNoInput.Error()) {
		t.Errorf("without input: %v", err)
	}
	if got := summary(nb.Cells[0].Outputs); !reflect.DeepEqual(got, []string{"error:InputError"}) {
		t.Errorf("without input, outputs %q", got)
	}
}

func TestConsole(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString("first\r\nsecond\n")
	w.Close()
	var prompts bytes.Buffer
	c := NewConsole(r, &prompts)
	if _, err := c.TerminalInput("x", false); !errors.Is(err, ErrNoTerminal) {
		t.Errorf("TerminalInput on a pipe: %v", err)
	}
	for _, want := range []string{"first", "second"} {
		if got, err := c.ReadLine("> ", false); got != want || err != nil {
			t.Errorf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := c.ReadLine("> ", false); !errors.Is(err, io.EOF) {
		t.Errorf("at the end: %v", err)
	}
	if prompts.String() != "> > > " {
		t.Errorf("prompts = %q", prompts.String())
	}
}

func TestCollapseCarriageReturns(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\n", "plain\n"},
		{"1\r2\r3\n", "3\n"},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"step 1\r", "step 1\r"},
		{"x\n50%\r100%", "x\n100%"},
	}
	for _, tt := range tests {
		if got := collapseCarriageReturns(tt.in); got != tt.want {
			t.Errorf("collapse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
