package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/golign/golign/kernel/nbformat"
)

func init() {
	register(command{
		name:  "test",
		usage: "[-timeout D] [-out DIR] [DIR|NB.ipynb...]",
		summary: "run notebooks (default: every notebook under notebooks/), each in its own process, printing per-notebook " +
			"and per-cell times; fails if any cell fails",
		run: runTest,
	})
}

// defaultTestTimeout is how long one cell may run under golign test.
const defaultTestTimeout = 5 * time.Minute

func runTest(args []string) error {
	flags := newFlagSet("test")
	timeout := cellTimeout(defaultTestTimeout)
	flags.Var(&timeout, "timeout", "interrupt and fail a cell that runs longer than `D` (default 5m)")
	outDir := flags.String("out", "", "keep the executed notebooks and their HTML reports in `DIR`")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	roots := flags.Args()
	if len(roots) == 0 {
		roots = []string{"notebooks"}
	}
	notebooks, err := findNotebooks(roots)
	if err != nil {
		return err
	}
	if len(notebooks) == 0 {
		return fmt.Errorf("no notebooks found in %s", strings.Join(roots, ", "))
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	start := time.Now()
	failed := 0
	for _, nb := range notebooks {
		if !testNotebook(os.Stdout, exe, nb, time.Duration(timeout), *outDir) {
			failed++
		}
	}
	total := reportDuration(time.Since(start))
	if failed > 0 {
		fmt.Printf("FAIL: %d of %d notebooks failed (%s)\n", failed, len(notebooks), total)
		return fmt.Errorf("%d of %d notebooks failed", failed, len(notebooks))
	}
	fmt.Printf("ok: %d notebooks (%s)\n", len(notebooks), total)
	return nil
}

// findNotebooks lists the notebooks named by roots: notebook files, and
// the notebooks under directories, except checkpoints, hidden directories
// and the outputs of golign run (*.out.ipynb).
func findNotebooks(roots []string) ([]string, error) {
	var found []string
	for _, root := range roots {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			if !strings.HasSuffix(root, ".ipynb") {
				return nil, fmt.Errorf("%s is not a notebook (.ipynb)", root)
			}
			found = append(found, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(name, ".ipynb") && !strings.HasSuffix(name, ".out.ipynb") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// testNotebook runs one notebook with golign run in a child process, so
// that a notebook cannot disturb the next one, prints its cells' times and
// its errors to w, and reports whether it passed.
func testNotebook(w io.Writer, exe, path string, timeout time.Duration, outDir string) bool {
	tmp, err := os.MkdirTemp("", "golign-test-")
	if err != nil {
		fmt.Fprintf(w, "FAIL %s: %v\n", path, err)
		return false
	}
	defer os.RemoveAll(tmp)
	name := strings.TrimSuffix(filepath.Base(path), ".ipynb")
	executed := filepath.Join(tmp, name+".ipynb")
	args := []string{"run", "-q", "-o", executed, "-timeout", timeout.String()}
	if outDir != "" {
		executed = filepath.Join(outDir, name+".ipynb")
		args = []string{"run", "-q", "-o", executed, "-timeout", timeout.String(), "-html", filepath.Join(outDir, name+".html")}
	}
	cmd := exec.Command(exe, append(args, path)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	runErr := cmd.Run()
	elapsed := reportDuration(time.Since(start))
	status := "ok  "
	if runErr != nil {
		status = "FAIL"
	}
	fmt.Fprintf(w, "%s %s (%s)\n", status, path, elapsed)
	if nb, err := nbformat.ReadFile(executed); err == nil {
		printCellTimes(w, nb)
	}
	if runErr != nil {
		var exit *exec.ExitError
		if !errors.As(runErr, &exit) {
			fmt.Fprintf(w, "    %v\n", runErr)
		}
		for _, line := range strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
	return runErr == nil
}

// printCellTimes prints, for each executed code cell, its position,
// execution count, run time and whether it failed.
func printCellTimes(w io.Writer, nb *nbformat.Notebook) {
	for i, c := range nb.Cells {
		if c.Type != nbformat.CodeCell || c.ExecutionCount == nil {
			continue
		}
		d, _ := c.Duration()
		mark := ""
		for _, o := range c.Outputs {
			if o.Type == nbformat.ErrorOutput {
				mark = "  error: " + o.EName + ": " + o.EValue
				break
			}
		}
		fmt.Fprintf(w, "    cell %3d [%3d] %10s%s\n", i+1, *c.ExecutionCount, reportDuration(d), mark)
	}
}
