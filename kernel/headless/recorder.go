package headless

import (
	"strings"
	"sync"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/nbformat"
)

// displays tracks, for a whole notebook run, the outputs shown under each
// display id, so that an update reaches them in whichever cell they are.
// All recorders of a run share it and its lock.
type displays struct {
	mu   sync.Mutex
	byID map[string][]*nbformat.Output
	// closed is set when the run is over: later outputs (from goroutines
	// a cell left running) are dropped.
	closed bool
}

func newDisplays() *displays { return &displays{byID: map[string][]*nbformat.Output{}} }

// close stops all recording.
func (d *displays) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}

// update replaces data and metadata of every output shown under id.
func (d *displays) update(id string, data nbformat.MIMEBundle, metadata map[string]any) {
	for _, o := range d.byID[id] {
		o.Data, o.Metadata = data, metadata
	}
}

// recorder is the Publisher of one cell of a notebook run: it builds the
// cell's outputs the way Jupyter's nbclient stores them.
type recorder struct {
	d     *displays
	cell  *nbformat.Cell
	count int
	input func(prompt string, password bool) (string, error)
	// clearPending is set by ClearOutput(true): the outputs are cleared
	// when the next output arrives.
	clearPending bool
	// ids lists the display ids of this cell's outputs, to forget them
	// when the outputs are cleared.
	ids []string
}

var _ kernel.Publisher = (*recorder)(nil)

// add appends o to the cell's outputs, first clearing them when a clear
// is pending. d.mu is held.
func (r *recorder) add(o *nbformat.Output) {
	if r.clearPending {
		r.clear()
	}
	r.cell.Outputs = append(r.cell.Outputs, o)
}

// clear removes the cell's outputs and forgets their display ids. d.mu is
// held.
func (r *recorder) clear() {
	r.clearPending = false
	for _, id := range r.ids {
		kept := r.d.byID[id][:0]
		for _, o := range r.d.byID[id] {
			if !r.owns(o) {
				kept = append(kept, o)
			}
		}
		if len(kept) == 0 {
			delete(r.d.byID, id)
		} else {
			r.d.byID[id] = kept
		}
	}
	r.ids = nil
	r.cell.Outputs = nil
}

func (r *recorder) owns(o *nbformat.Output) bool {
	for _, mine := range r.cell.Outputs {
		if mine == o {
			return true
		}
	}
	return false
}

// Stream appends text to the last output when it is the same stream, as
// Jupyter merges consecutive stream messages, and otherwise starts a new
// stream output. Carriage returns overwrite the current line.
func (r *recorder) Stream(name, text string) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if r.d.closed {
		return
	}
	if r.clearPending {
		r.clear()
	}
	if n := len(r.cell.Outputs); n > 0 {
		last := r.cell.Outputs[n-1]
		if last.Type == nbformat.StreamOutput && last.Name == name {
			last.Text = collapseCarriageReturns(last.Text + text)
			return
		}
	}
	r.add(&nbformat.Output{Type: nbformat.StreamOutput, Name: name, Text: collapseCarriageReturns(text)})
}

// Display records display_data, or applies update_display_data to the
// outputs shown earlier under displayID. As in Jupyter, a new display_data
// with a known display id also updates the earlier outputs, and an update
// does not trigger a pending clear.
func (r *recorder) Display(data kernel.MIMEBundle, metadata map[string]any, displayID string, update bool) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if r.d.closed {
		return
	}
	bundle, md := copyBundle(data), copyMetadata(metadata)
	if displayID != "" {
		r.d.update(displayID, bundle, md)
	}
	if update {
		return
	}
	o := &nbformat.Output{Type: nbformat.DisplayDataOutput, Data: bundle, Metadata: md}
	r.add(o)
	if displayID != "" {
		r.d.byID[displayID] = append(r.d.byID[displayID], o)
		r.ids = append(r.ids, displayID)
	}
}

// Result records the execute_result of the cell.
func (r *recorder) Result(data kernel.MIMEBundle, metadata map[string]any) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if r.d.closed {
		return
	}
	count := r.count
	r.add(&nbformat.Output{Type: nbformat.ExecuteResultOutput, Data: copyBundle(data), Metadata: copyMetadata(metadata), ExecutionCount: &count})
}

// ClearOutput clears the cell's outputs now, or when the next output
// arrives if wait is true.
func (r *recorder) ClearOutput(wait bool) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if r.d.closed {
		return
	}
	if wait {
		r.clearPending = true
		return
	}
	r.clear()
}

// Input asks for a line through the run's input function. When there is
// no answer, the interpreter explains it on the cell's stderr, since code
// reading standard input sees only an end of file.
func (r *recorder) Input(prompt string, password bool) (string, error) {
	return r.input(prompt, password)
}

// fail records an error output.
func (r *recorder) fail(e *kernel.Error) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	r.add(&nbformat.Output{Type: nbformat.ErrorOutput, EName: e.Name, EValue: e.Value, Traceback: append([]string{}, e.Traceback...)})
}

func copyBundle(data kernel.MIMEBundle) nbformat.MIMEBundle {
	b := make(nbformat.MIMEBundle, len(data))
	for k, v := range data {
		b[k] = v
	}
	return b
}

func copyMetadata(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// collapseCarriageReturns applies the carriage returns of terminal output
// (progress counters): on each line, a \r followed by more text erases
// what came before it. A \r ending the text is kept, since the text that
// overwrites the line may still arrive, and \r\n is a line ending.
func collapseCarriageReturns(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		body, end := line, ""
		if strings.HasSuffix(body, "\r\n") {
			body, end = body[:len(body)-2], "\r\n"
		} else if strings.HasSuffix(body, "\n") {
			body, end = body[:len(body)-1], "\n"
		}
		trailing := ""
		if strings.HasSuffix(body, "\r") {
			body, trailing = strings.TrimRight(body, "\r"), "\r"
		}
		if i := strings.LastIndexByte(body, '\r'); i >= 0 {
			body = body[i+1:]
		}
		b.WriteString(body + trailing + end)
	}
	return b.String()
}
