package headless

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/nbformat"
)

// Options configure a notebook run. The zero value stops at the first
// error, lets cells run as long as they take, and has no input.
type Options struct {
	// AllowErrors runs all cells even after one fails; the failures are
	// still listed in the Report.
	AllowErrors bool
	// CellTimeout, when positive, is how long one cell may run before it
	// is interrupted and reported as timed out.
	CellTimeout time.Duration
	// StopGrace is how long an interrupted cell has to stop before the
	// run is abandoned (the interpreter is then in an unknown state). If
	// StopGrace is 0, it is 10 seconds.
	StopGrace time.Duration
	// Input answers the cells' input requests (Console.TerminalInput is
	// the usual one). If Input is nil, input requests fail with
	// ErrNoInput.
	Input func(prompt string, password bool) (string, error)
	// CellDone, when not nil, is called after each executed cell.
	CellDone func(CellReport)
}

// CellReport is the outcome of one executed code cell.
type CellReport struct {
	// Index is the position of the cell in the notebook, from 0.
	Index int
	// Count is the execution count the cell got.
	Count int
	// Duration is how long the cell ran.
	Duration time.Duration
	// Status is kernel.StatusOK, kernel.StatusError or kernel.StatusAborted.
	Status string
	// Err describes the failure when Status is not StatusOK.
	Err *kernel.Error
}

// Report is the outcome of a notebook run.
type Report struct {
	// Cells lists the executed code cells in order.
	Cells []CellReport
	// Duration is the wall time of the whole run.
	Duration time.Duration
}

// Failed returns the reports of the cells that did not succeed.
func (r *Report) Failed() []CellReport {
	var failed []CellReport
	for _, c := range r.Cells {
		if c.Status != kernel.StatusOK {
			failed = append(failed, c)
		}
	}
	return failed
}

// CellError is returned by RunNotebook when a cell fails and errors are not
// allowed.
type CellError struct {
	CellReport
}

// Error describes the failed cell and its error.
func (e *CellError) Error() string {
	msg := "failed"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("cell %d (execution count %d): %s", e.Index+1, e.Count, msg)
}

// ErrAbandoned is returned (wrapped) when an interrupted cell did not stop
// within Options.StopGrace: the interpreter may still be running it, so it
// must not be used again.
var ErrAbandoned = errors.New("the cell did not stop after being interrupted; the run was abandoned")

// TimeoutErrorName is the error name recorded for a cell that ran longer
// than Options.CellTimeout.
const TimeoutErrorName = "CellTimeoutError"

// RunNotebook executes the code cells of nb in order in interp, replacing
// their outputs and execution counts with the new ones and recording the
// start and end times of each cell in its metadata under "execution" (the
// keys nbclient uses). Empty code cells are skipped and lose their
// outputs. The notebook's language_info is set from interp.Info.
//
// When a cell fails and opts.AllowErrors is false, the run stops: the
// error is returned as a *CellError, and later code cells are left without
// outputs, so that nb shows what this run did. A cancelled ctx interrupts
// the running cell and stops the run.
//
// The report lists every executed cell, also when an error is returned.
func RunNotebook(ctx context.Context, interp kernel.Interpreter, nb *nbformat.Notebook, opts Options) (*Report, error) {
	if opts.StopGrace <= 0 {
		opts.StopGrace = 10 * time.Second
	}
	if opts.Input == nil {
		opts.Input = noInput
	}
	setLanguageInfo(nb, interp.Info())
	d := newDisplays()
	defer d.close()
	report := &Report{}
	start := time.Now()
	defer func() { report.Duration = time.Since(start) }()
	count := 0
	var runErr error
	for i, cell := range nb.Cells {
		if cell.Type != nbformat.CodeCell {
			continue
		}
		d.mu.Lock()
		cell.Outputs, cell.ExecutionCount = nil, nil
		d.mu.Unlock()
		if runErr != nil || strings.TrimSpace(cell.Source) == "" {
			continue
		}
		if err := ctx.Err(); err != nil {
			runErr = err
			continue
		}
		count++
		cr, err := runCell(ctx, interp, d, cell, i, count, opts)
		report.Cells = append(report.Cells, cr)
		if opts.CellDone != nil {
			opts.CellDone(cr)
		}
		switch {
		case err != nil:
			runErr = err
		case cr.Status != kernel.StatusOK && !opts.AllowErrors:
			runErr = &CellError{cr}
		}
	}
	return report, runErr
}

// runCell executes one cell and records its outputs.
func runCell(ctx context.Context, interp kernel.Interpreter, d *displays, cell *nbformat.Cell, index, count int, opts Options) (CellReport, error) {
	cellCtx, cancel := ctx, context.CancelFunc(func() {})
	if opts.CellTimeout > 0 {
		cellCtx, cancel = context.WithTimeout(ctx, opts.CellTimeout)
	}
	defer cancel()
	rec := &recorder{d: d, cell: cell, count: count, input: opts.Input}
	req := kernel.ExecuteRequest{
		Code:         cell.Source,
		StoreHistory: true,
		AllowStdin:   true,
		StopOnError:  !opts.AllowErrors,
		Count:        count,
	}
	started := time.Now()
	replies := make(chan kernel.ExecuteReply, 1)
	go func() { replies <- interp.Execute(cellCtx, req, rec) }()
	var reply kernel.ExecuteReply
	abandoned := false
	select {
	case reply = <-replies:
	case <-cellCtx.Done():
		select {
		case reply = <-replies:
		case <-time.After(opts.StopGrace):
			// The interpreter may go on running the cell: drop whatever
			// it publishes from now on.
			d.close()
			abandoned = true
			reply = kernel.ExecuteReply{Status: kernel.StatusAborted, Error: &kernel.Error{Name: "Interrupted", Value: ErrAbandoned.Error()}}
		}
	}
	ended := time.Now()
	d.mu.Lock()
	cell.ExecutionCount = &count
	cell.SetTiming(started, ended)
	d.mu.Unlock()
	cr := CellReport{Index: index, Count: count, Duration: ended.Sub(started), Status: reply.Status, Err: reply.Error}
	if cr.Status == "" {
		cr.Status = kernel.StatusOK
	}
	// A cell that failed after its deadline passed was interrupted by
	// the timeout (one that succeeded just then keeps its success).
	if cr.Status != kernel.StatusOK && errors.Is(cellCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil && !abandoned {
		cr.Status = kernel.StatusError
		cr.Err = &kernel.Error{Name: TimeoutErrorName,
			Value: fmt.Sprintf("the cell did not finish within %v and was interrupted", opts.CellTimeout)}
	}
	if cr.Status != kernel.StatusOK && cr.Err == nil {
		cr.Err = &kernel.Error{Name: "Aborted", Value: "the execution was aborted"}
		if ctx.Err() != nil {
			cr.Err = &kernel.Error{Name: "Interrupted", Value: "the run was interrupted"}
		}
	}
	if cr.Err != nil {
		rec.fail(cr.Err)
	}
	if abandoned {
		return cr, fmt.Errorf("cell %d: %w", index+1, ErrAbandoned)
	}
	return cr, nil
}

// setLanguageInfo records the interpreter's language in the notebook
// metadata, as a kernel's kernel_info_reply does in Jupyter.
func setLanguageInfo(nb *nbformat.Notebook, info kernel.Info) {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	l := info.Language
	li := map[string]any{"name": l.Name, "version": l.Version, "mimetype": l.MIMEType, "file_extension": l.FileExtension}
	if l.PygmentsLexer != "" {
		li["pygments_lexer"] = l.PygmentsLexer
	}
	if l.CodeMirrorMode != "" {
		li["codemirror_mode"] = l.CodeMirrorMode
	}
	if l.NBConvertExporter != "" {
		li["nbconvert_exporter"] = l.NBConvertExporter
	}
	nb.Metadata["language_info"] = li
}

func noInput(string, bool) (string, error) { return "", ErrNoInput }
