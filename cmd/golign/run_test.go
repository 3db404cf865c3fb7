package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golign/golign/kernel/nbformat"
)

// asGolign is set in the environment of child processes that the tests
// start from the test binary to act as the golign command.
const asGolign = "GOLIGN_TEST_AS_COMMAND"

// TestMain lets the test binary act as golign when asGolign is set, so the
// tests run the command as users do without building it.
func TestMain(m *testing.M) {
	if os.Getenv(asGolign) == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// golign returns the path of a program that is the golign command in
// processes started with golignEnv.
func golign(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the golign command in child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(asGolign, "1")
	return exe
}

// writeNotebook writes a notebook of code cells.
func writeNotebook(t *testing.T, path string, sources ...string) []byte {
	t.Helper()
	nb := nbformat.New()
	for _, s := range sources {
		nb.Cells = append(nb.Cells, &nbformat.Cell{Type: nbformat.CodeCell, Source: s})
	}
	if err := nbformat.WriteFile(path, nb); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// waitForOutput starts cmd and returns once its combined output contains
// want.
func startAndWait(t *testing.T, cmd *exec.Cmd, out *syncBuffer, want string) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no %q in the output: %s", want, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// slowNotebook is a notebook whose second cell tells it started, then
// sleeps.
var slowNotebook = []string{
	"import (\n\t\"fmt\"\n\t\"os\"\n\t\"time\"\n)\nfmt.Println(\"first\")",
	"fmt.Fprintln(os.Stderr, \"sleeping\")\ntime.Sleep(time.Minute)",
}

func TestKilledRunLeavesTheNotebookUntouched(t *testing.T) {
	bin := golign(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.ipynb")
	original := writeNotebook(t, path, slowNotebook...)
	// Even with the notebook as its own output, a run killed midway
	// leaves the file as it was.
	cmd := exec.Command(bin, "run", path, "-o", path)
	var out syncBuffer
	startAndWait(t, cmd, &out, "running")
	time.Sleep(time.Second)
	cmd.Process.Kill()
	cmd.Wait()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, original) {
		t.Error("the notebook changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestInterruptedRunWritesWhatRan(t *testing.T) {
	bin := golign(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.ipynb")
	original := writeNotebook(t, path, slowNotebook...)
	cmd := exec.Command(bin, "run", path)
	var out syncBuffer
	startAndWait(t, cmd, &out, "running")
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v\n%s", err, out.String())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, original) {
		t.Error("the input notebook changed")
	}
	nb, err := nbformat.ReadFile(filepath.Join(dir, "nb.out.ipynb"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	first, second := nb.Cells[0].Outputs, nb.Cells[1].Outputs
	if len(first) != 1 || first[0].Text != "first\n" {
		t.Errorf("first cell outputs: %+v", first)
	}
	if n := len(second); n == 0 || second[n-1].Type != nbformat.ErrorOutput || second[n-1].EName != "Interrupted" {
		t.Errorf("second cell outputs: %+v", second)
	}
}

func TestRunNotebookWithReportAndTimeout(t *testing.T) {
	bin := golign(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "nb.ipynb")
	writeNotebook(t, path, "x := 6 * 7\nx", "for {\n}", "x + 1")
	out, err := exec.Command(bin, "run", "-q", "-allow-errors", "-timeout", "0.5", "-html", filepath.Join(dir, "nb.html"), "-o", filepath.Join(dir, "run.ipynb"), path).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "1 of 3 cells failed") {
		t.Errorf("exit %v, output:\n%s", err, out)
	}
	nb, err := nbformat.ReadFile(filepath.Join(dir, "run.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if ks, _ := nb.Metadata["kernelspec"].(map[string]any); ks["name"] != "golign" {
		t.Errorf("kernelspec = %v", nb.Metadata["kernelspec"])
	}
	if got := nb.Cells[2].Outputs; len(got) != 1 || got[0].Data["text/plain"] != "43" {
		t.Errorf("the cell after the timeout: %+v", got)
	}
	page, err := os.ReadFile(filepath.Join(dir, "nb.html"))
	if err != nil || !bytes.Contains(page, []byte("CellTimeoutError")) || !bytes.Contains(page, []byte("<pre>42</pre>")) {
		t.Errorf("report: %v\n%.300s", err, page)
	}
}

func TestRunProgram(t *testing.T) {
	bin := golign(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.go")
	os.WriteFile(good, []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tfmt.Println(\"args\", os.Args[1:])\n}\n"), 0o644)
	out, err := exec.Command(bin, "run", good, "-x", "y").CombinedOutput()
	if err != nil || string(out) != "args [-x y]\n" {
		t.Errorf("good program: %v, output %q", err, out)
	}
	exit3 := filepath.Join(dir, "exit.go")
	os.WriteFile(exit3, []byte("package main\n\nimport \"os\"\n\nfunc main() {\n\tos.Exit(3)\n}\n"), 0o644)
	out, err = exec.Command(bin, "run", exit3).CombinedOutput()
	var status *exec.ExitError
	if !errors.As(err, &status) || status.ExitCode() != 3 || strings.Contains(string(out), "golign run") {
		t.Errorf("os.Exit(3): %v, output %q", err, out)
	}
	bad := filepath.Join(dir, "bad.go")
	os.WriteFile(bad, []byte("package main\n\nfunc main() {\n\tvar s []int\n\t_ = s[undefinedIndex]\n}\n"), 0o644)
	out, err = exec.Command(bin, "run", bad).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), bad+":5:") {
		t.Errorf("bad program: %v, output:\n%s", err, out)
	}
}

func TestGolignTest(t *testing.T) {
	bin := golign(t)
	dir := t.TempDir()
	writeNotebook(t, filepath.Join(dir, "good.ipynb"), "a := 1", "a + 1")
	writeNotebook(t, filepath.Join(dir, "bad.ipynb"), "import \"fmt\"\nfmt.Println(\"before\")", "panic(\"broken\")", "a := 2")
	writeNotebook(t, filepath.Join(dir, "good.out.ipynb"), "panic(\"outputs of golign run are not tests\")")

	out, err := exec.Command(bin, "test", dir).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v", err)
	}
	for _, want := range []string{
		"FAIL " + filepath.Join(dir, "bad.ipynb"),
		"    cell   2 [  2]",
		"error: panic: broken",
		"ok   " + filepath.Join(dir, "good.ipynb"),
		"FAIL: 1 of 2 notebooks failed",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "good.out.ipynb") {
		t.Errorf("ran an output notebook:\n%s", out)
	}

	keep := t.TempDir()
	out, err = exec.Command(bin, "test", "-out", keep, filepath.Join(dir, "good.ipynb")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok: 1 notebooks") {
		t.Errorf("good notebook: %v\n%s", err, out)
	}
	for _, f := range []string{"good.ipynb", "good.html"} {
		if _, err := os.Stat(filepath.Join(keep, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestCellTimeoutFlag(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true}, {"5m", 5 * time.Minute, true}, {"30", 30 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true}, {"soon", 0, false}, {"-1s", 0, false},
	}
	for _, tt := range tests {
		var c cellTimeout
		err := c.Set(tt.in)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(c) != tt.want) {
			t.Errorf("Set(%q) = %v, %v; want %v", tt.in, time.Duration(c), err, tt.want)
		}
	}
}
