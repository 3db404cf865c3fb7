package headless

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golign/golign/kernel"
)

// scriptInterpreter records the code of a script and runs the command
// lines found in the comments of func main.
type scriptInterpreter struct {
	fakeInterpreter
	code string
}

func (s *scriptInterpreter) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Publisher) kernel.ExecuteReply {
	s.code = req.Code
	var cmds []string
	for _, line := range strings.Split(req.Code, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "// "); ok {
			cmds = append(cmds, c)
		}
	}
	req.Code = strings.Join(cmds, "\n")
	return s.fakeInterpreter.Execute(ctx, req, out)
}

func writeScript(t *testing.T, commands ...string) string {
	t.Helper()
	src := "package main\n\nfunc main() {\n"
	for _, c := range commands {
		src += "\t// " + c + "\n"
	}
	src += "}\n"
	path := filepath.Join(t.TempDir(), "prog.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScriptOutputsDegradeToTheTerminal(t *testing.T) {
	path := writeScript(t, "out hello", "err warn", "png fig", "png fig", "png -",
		"display - <b>html</b>", "display bar 0%", "update bar 50%", "update bar 100%", "result 42")
	outDir := filepath.Join(t.TempDir(), "figures")
	var stdout, stderr bytes.Buffer
	s := &scriptInterpreter{}
	err := RunScript(context.Background(), s, path, ScriptOptions{OutDir: outDir, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.code, "            \n\nfunc main_()") || !strings.HasSuffix(s.code, "}\n\nmain_()\n") {
		t.Errorf("the script is not kept in place with a call of main after it: %q", s.code)
	}
	wantOut := "hello\n<b>html</b>\n0%\n42\n100%\n"
	if stdout.String() != wantOut {
		t.Errorf("stdout = %q, want %q", stdout.String(), wantOut)
	}
	// Two images: the display updated in place, and a new one.
	fig1, fig2 := filepath.Join(outDir, "prog-1.png"), filepath.Join(outDir, "prog-2.png")
	wantErr := "warn\n[image written to " + fig1 + "]\n[image written to " + fig2 + "]\n"
	if stderr.String() != wantErr {
		t.Errorf("stderr = %q, want %q", stderr.String(), wantErr)
	}
	for _, f := range []string{fig1, fig2} {
		if data, err := os.ReadFile(f); err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
			t.Errorf("%s: %v %q", f, err, data)
		}
	}
}

func TestTextForm(t *testing.T) {
	tests := []struct {
		data kernel.MIMEBundle
		want string
	}{
		{kernel.MIMEBundle{"text/html": "<p>a &amp; <!-- c --><i>b</i></p>"}, "a & b"},
		{kernel.MIMEBundle{"text/html": "<p>x</p>", "text/plain": "plain"}, "plain"},
		{kernel.MIMEBundle{"text/markdown": "# T", "text/plain": "T"}, "# T"},
		{kernel.MIMEBundle{"text/html": "<b>x</b>", "text/plain": "<b>x</b>"}, "x"},
	}
	for _, tt := range tests {
		if got, _ := textForm(tt.data); got != tt.want {
			t.Errorf("textForm(%v) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func TestScriptErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(src), 0o644)
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"syntax", write("syntax.go", "package main\n\nfunc main() {\n\tx :=\n}\n"), "syntax.go:5:1: expected operand"},
		{"package", write("lib.go", "package lib\n\nfunc main() {}\n"), "lib.go:1:9: package lib: a script must be package main"},
		{"no main", write("nomain.go", "package main\n\nfunc run() {}\n"), "nomain.go: no func main"},
		{"missing", filepath.Join(dir, "absent.go"), "absent.go: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RunScript(context.Background(), &scriptInterpreter{}, tt.path, ScriptOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// os.Exit ends the cell with a panic the script turns into an exit
	// status.
	path := writeScript(t, "fail panic os.Exit(3)")
	var exit *ExitError
	if err := RunScript(context.Background(), &scriptInterpreter{}, path, ScriptOptions{}); !errors.As(err, &exit) || exit.Code != 3 {
		t.Errorf("os.Exit(3): error %v", err)
	}
	// A failure while running names the file.
	path = writeScript(t, "fail panic boom")
	if err := RunScript(context.Background(), &scriptInterpreter{}, path, ScriptOptions{}); err == nil || err.Error() != path+": panic: boom" {
		t.Errorf("error = %v", err)
	}
}

func TestScriptErrorPositions(t *testing.T) {
	e := &ScriptError{Path: "prog.go", Err: &kernel.Error{Name: "CompileError", Value: "undefined: y",
		Traceback: []string{"CompileError: undefined: y", "cell line 4, column 7: undefined: y", "    4 | \tx := y", "      | \t     ^"}}}
	if got, want := e.Error(), "prog.go:4:7: CompileError: undefined: y"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	want := []string{"prog.go:4:7: undefined: y", "    4 | \tx := y", "      | \t     ^"}
	if got := e.Traceback(); !reflect.DeepEqual(got, want) {
		t.Errorf("Traceback() = %q, want %q", got, want)
	}
	p := &ScriptError{Path: "prog.go", callLine: 21, Err: &kernel.Error{Name: "panic", Value: "boom",
		Traceback: []string{"panic: boom", "cell line 9 in main.f", "    9 | \tpanic(\"boom\")", "cell line 21 in main", "   21 | main_()", "goroutine 1"}}}
	if got, want := p.Error(), "prog.go:9: panic: boom"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	want = []string{"prog.go:9: in main.f", "    9 | \tpanic(\"boom\")", "goroutine 1"}
	if got := p.Traceback(); !reflect.DeepEqual(got, want) {
		t.Errorf("Traceback() = %q, want %q", got, want)
	}
}
