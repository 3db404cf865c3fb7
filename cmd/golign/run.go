package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golign/golign/kernel/headless"
	"github.com/golign/golign/kernel/nbformat"
	"github.com/golign/golign/kernel/report"
	"github.com/golign/golign/kernel/session"
)

func init() {
	register(command{
		name:  "run",
		usage: "[-out DIR] FILE.go [ARGS...] | NB.ipynb [-o OUT.ipynb] [-html OUT.html] [-allow-errors] [-timeout D] [-q]",
		summary: "run a Go program, or execute a notebook into NB.out.ipynb (the input is never changed unless -o names it); " +
			"writes an HTML report with -html",
		run: runRun,
	})
}

// runFlags are the flags of golign run.
type runFlags struct {
	output, html, outDir string
	allowErrors, quiet   bool
	timeout              cellTimeout
}

func runRun(args []string) error {
	var f runFlags
	fs := newFlagSet("run")
	fs.StringVar(&f.output, "o", "", "write the executed notebook to `FILE` (default NB.out.ipynb beside the notebook; - for standard output)")
	fs.StringVar(&f.html, "html", "", "also write the executed notebook as a self-contained HTML report to `FILE`")
	fs.BoolVar(&f.allowErrors, "allow-errors", false, "run every cell even after one fails (the run still fails)")
	fs.Var(&f.timeout, "timeout", "interrupt a cell that runs longer than `D` (a duration such as 90s or 5m, or seconds)")
	fs.BoolVar(&f.quiet, "q", false, "print nothing but errors")
	fs.StringVar(&f.outDir, "out", "", "write a program's images to `DIR` (default: beside the program)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no file to run")
	}
	file, rest := fs.Arg(0), fs.Args()[1:]
	switch {
	case strings.HasSuffix(file, ".go"):
		return runProgram(file, rest, f.outDir)
	case strings.HasSuffix(file, ".ipynb"):
		// Flags may also follow the notebook.
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q after the notebook", fs.Arg(0))
		}
		return runNotebook(file, f)
	}
	return usagef("%s is neither a Go program (.go) nor a notebook (.ipynb)", file)
}

// cellTimeout is the -timeout flag: a Go duration, or a number of seconds
// as nbconvert takes it.
type cellTimeout time.Duration

func (t *cellTimeout) String() string { return time.Duration(*t).String() }

func (t *cellTimeout) Set(s string) error {
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		*t = cellTimeout(secs * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration such as 90s, 5m or 30", s)
	}
	*t = cellTimeout(d)
	return nil
}

// stdio holds copies of the process's standard streams made before a
// session redirects file descriptors 0, 1 and 2, so that the command can
// talk to the terminal while cells run.
type stdio struct {
	in, out, err *os.File
}

func saveStdio() (*stdio, error) {
	var files [3]*os.File
	for fd, name := range []string{"stdin", "stdout", "stderr"} {
		dup, err := syscall.Dup(fd)
		if err != nil {
			for _, f := range files[:fd] {
				f.Close()
			}
			return nil, fmt.Errorf("saving %s: %w", name, err)
		}
		syscall.CloseOnExec(dup)
		files[fd] = os.NewFile(uintptr(dup), name)
	}
	return &stdio{in: files[0], out: files[1], err: files[2]}, nil
}

// restore puts the saved streams back on file descriptors 0, 1 and 2, for
// when a session could not be shut down (a cell that does not stop).
func (s *stdio) restore() {
	for fd, f := range []*os.File{s.in, s.out, s.err} {
		syscall.Dup3(int(f.Fd()), fd, 0)
	}
}

func (s *stdio) close() {
	s.in.Close()
	s.out.Close()
	s.err.Close()
}

// interruptible returns a context cancelled by SIGINT or SIGTERM: the
// running cell is interrupted and the run stops.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runProgram runs a Go program with args as its arguments.
func runProgram(path string, args []string, outDir string) error {
	std, err := saveStdio()
	if err != nil {
		return err
	}
	defer std.close()
	sess, err := session.New(session.Options{Args: append([]string{path}, args...)})
	if err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	err = headless.RunScript(ctx, sess, path, headless.ScriptOptions{
		OutDir: outDir,
		Stdout: std.out,
		Stderr: std.err,
		Input:  headless.NewConsole(std.in, std.err).ReadLine,
	})
	sess.Shutdown(false)
	var serr *headless.ScriptError
	var exit *headless.ExitError
	switch {
	case errors.As(err, &serr):
		for _, line := range serr.Traceback() {
			fmt.Fprintln(os.Stderr, line)
		}
	case errors.As(err, &exit):
		os.Exit(exit.Code)
	}
	return err
}

// defaultOutput is where golign run writes an executed notebook when -o is
// not given: NB.out.ipynb beside NB.ipynb.
func defaultOutput(nbPath string) string {
	return strings.TrimSuffix(nbPath, ".ipynb") + ".out.ipynb"
}

// runNotebook executes a notebook and writes the result.
func runNotebook(path string, f runFlags) error {
	output := f.output
	if output == "" {
		output = defaultOutput(path)
	}
	progress := io.Writer(os.Stderr)
	if f.quiet {
		progress = io.Discard
	}
	nb, runErr := executeNotebook(path, f, progress)
	if nb == nil {
		return runErr
	}
	if output == "-" {
		if err := nbformat.Write(os.Stdout, nb); err != nil {
			return err
		}
	} else {
		if err := nbformat.WriteFile(output, nb); err != nil {
			return err
		}
		fmt.Fprintf(progress, "wrote %s\n", output)
	}
	if f.html != "" {
		if err := report.WriteFile(f.html, nb, report.Options{Source: filepath.Base(path)}); err != nil {
			return err
		}
		fmt.Fprintf(progress, "wrote %s\n", f.html)
	}
	return runErr
}

// executeNotebook reads and runs the notebook at path in a new session,
// with the notebook's directory as working directory, as Jupyter runs
// kernels. It returns the executed notebook (nil when it could not be
// read or run at all) and the error of the run.
func executeNotebook(path string, f runFlags, progress io.Writer) (*nbformat.Notebook, error) {
	nb, err := nbformat.ReadFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(filepath.Dir(abs)); err != nil {
		return nil, err
	}
	defer os.Chdir(wd)

	fmt.Fprintf(progress, "running %s\n", path)
	std, err := saveStdio()
	if err != nil {
		return nil, err
	}
	defer std.close()
	sess, err := session.New(session.Options{Args: []string{abs}})
	if err != nil {
		return nil, err
	}
	ctx, stop := interruptible()
	defer stop()
	rep, err := headless.RunNotebook(ctx, sess, nb, headless.Options{
		AllowErrors: f.allowErrors,
		CellTimeout: time.Duration(f.timeout),
		Input:       headless.NewConsole(std.in, std.err).TerminalInput,
		CellDone: func(c headless.CellReport) {
			if c.Err != nil {
				printCellError(std.err, c)
			}
		},
	})
	if errors.Is(err, headless.ErrAbandoned) {
		// The session is still busy with the cell: give the terminal
		// back and leave the session to the process's exit.
		std.restore()
	} else {
		sess.Shutdown(false)
	}
	if _, ok := nb.Metadata["kernelspec"]; !ok {
		// Jupyter opens the executed notebook with the golign kernel
		// that golign install installs.
		nb.Metadata["kernelspec"] = map[string]any{"name": "golign", "display_name": "Go (golign)", "language": "go"}
	}
	if err == nil {
		if failed := rep.Failed(); len(failed) > 0 {
			err = fmt.Errorf("%d of %d cells failed", len(failed), len(rep.Cells))
		}
	}
	fmt.Fprintf(progress, "ran %d cells in %s\n", len(rep.Cells), reportDuration(rep.Duration))
	return nb, err
}

// reportDuration formats a duration for the command's messages.
func reportDuration(d time.Duration) string { return report.FormatDuration(d) }

// printCellError prints the traceback of a failed cell.
func printCellError(w io.Writer, c headless.CellReport) {
	fmt.Fprintf(w, "cell %d (execution count %d) failed after %s:\n", c.Index+1, c.Count, reportDuration(c.Duration))
	tb := c.Err.Traceback
	if len(tb) == 0 {
		tb = []string{c.Err.Error()}
	}
	for _, line := range tb {
		fmt.Fprintln(w, "    "+line)
	}
}
