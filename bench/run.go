package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// python is Debian's interpreter, which has NumPy and jupyter_client.
const python = "/usr/bin/python3"

// runner starts golign's workers and the peers with one environment: the
// caller's, less the OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE overrides (they
// select an older OpenBLAS kernel, and both sides use the same library).
type runner struct {
	// self is this program, started as a worker; root is the repository.
	self, root string
	// golign is the kernel binary.
	golign string
	env    []string
	// log receives a line for each command run.
	log func(format string, args ...any)
}

// newRunner finds this program and the repository's peer scripts.
func newRunner(root, golign string, log func(string, ...any)) (*runner, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "peers", "numerics.py")); err != nil {
		return nil, fmt.Errorf("-root %s is not golign's repository: %w", root, err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") {
			env = append(env, kv)
		}
	}
	return &runner{self: self, root: root, golign: golign, env: env, log: log}, nil
}

// run runs a command with the runner's environment plus extra variables and
// decodes the JSON it prints last on stdout into out.
func (r *runner) run(out any, extra []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = r.root
	cmd.Env = append(append([]string(nil), r.env...), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r.log("%s %s %s", strings.Join(extra, " "), filepath.Base(name), strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	lines := bytes.Split(bytes.TrimSpace(stdout.Bytes()), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], out); err != nil {
		return fmt.Errorf("%s %s: reading its JSON: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, stdout.String())
	}
	return nil
}

// golignTask times golign's side of task in dir.
func (r *runner) golignTask(task, dir string, repeats int, extra ...string) (Timing, error) {
	var t Timing
	err := r.run(&t, extra, r.self, "worker", task, dir, fmt.Sprint(repeats))
	return t, err
}

// numpyTask times the NumPy peer of task in dir.
func (r *runner) numpyTask(task, dir string, repeats int, extra ...string) (Timing, error) {
	var t Timing
	err := r.run(&t, extra, python, filepath.Join("bench", "peers", "numerics.py"), task, dir, fmt.Sprint(repeats))
	return t, err
}

// interleaved times golign's side of task and, when peer is set, NumPy's in
// alternating rounds of s.Repeats repetitions, so that both meet the same
// load on a shared machine.
func (r *runner) interleaved(task, dir string, s Sizes, peer bool, extra ...string) (golign, numpy Timing, err error) {
	for range s.Rounds {
		g, err := r.golignTask(task, dir, s.Repeats, extra...)
		if err != nil {
			return golign, numpy, err
		}
		golign.Seconds = append(golign.Seconds, g.Seconds...)
		if !peer {
			continue
		}
		n, err := r.numpyTask(task, dir, s.Repeats, extra...)
		if err != nil {
			return golign, numpy, err
		}
		numpy.Seconds = append(numpy.Seconds, n.Seconds...)
	}
	return golign, numpy, nil
}

// NumPyInfo is what numerics.py info reports about NumPy's BLAS.
type NumPyInfo struct {
	NumPy    string `json:"numpy"`
	Library  string `json:"library"`
	Corename string `json:"corename"`
	Config   string `json:"config"`
	Threads  int    `json:"threads"`
}

// numpyInfo asks the peer which BLAS NumPy runs.
func (r *runner) numpyInfo() (NumPyInfo, error) {
	var info NumPyInfo
	err := r.run(&info, nil, python, filepath.Join("bench", "peers", "numerics.py"), "info")
	return info, err
}

// KernelRow is one kernel's row of test/jupyter/bench_kernel.py --json.
type KernelRow struct {
	Kernel string `json:"kernel"`
	// Start is the median seconds from process start to kernel_info_reply,
	// StartMin the fastest; RSS the MiB resident after start; Reply and Idle
	// the median round trip of a trivial cell to execute_reply and to idle.
	Start    float64 `json:"start"`
	StartMin float64 `json:"start_min"`
	RSS      float64 `json:"rss"`
	Reply    float64 `json:"reply"`
	Idle     float64 `json:"idle"`
}

// kernelRows runs test/jupyter/bench_kernel.py.
func (r *runner) kernelRows(starts, roundTrips int) ([]KernelRow, error) {
	var rows []KernelRow
	err := r.run(&rows, []string{"GOLIGN=" + r.golign}, python, filepath.Join("test", "jupyter", "bench_kernel.py"),
		"--json", "--starts", fmt.Sprint(starts), "--round-trips", fmt.Sprint(roundTrips))
	return rows, err
}

// CellRow is one kernel's measurements of bench/peers/kernel_cells.py.
type CellRow struct {
	RSSStart       float64 `json:"rss_start"`
	RSSLoaded      float64 `json:"rss_loaded"`
	LoadSeconds    float64 `json:"load_seconds"`
	InterpretedDot float64 `json:"interpreted_dot"`
	CompiledDot    float64 `json:"compiled_dot"`
	CallSeconds    float64 `json:"call_seconds"`
}

// Cells are the measurements of cells run in golign and ipykernel.
type Cells struct {
	N         int     `json:"n"`
	Golign    CellRow `json:"golign"`
	IPyKernel CellRow `json:"ipykernel"`
}

// kernelCells runs bench/peers/kernel_cells.py on the pairs file.
func (r *runner) kernelCells(pairs string) (Cells, error) {
	var c Cells
	err := r.run(&c, []string{"GOLIGN=" + r.golign}, python, filepath.Join("bench", "peers", "kernel_cells.py"), pairs)
	return c, err
}
