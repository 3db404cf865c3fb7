package display

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// Sink receives what this package shows. Runtimes hosting notebook code (the
// golign kernel, notebook runners) install one with SetSink; programs do
// not need to.
type Sink interface {
	// Display shows a bundle (display_data), or replaces the bundle shown
	// earlier under displayID when update is true (update_display_data).
	// displayID is empty for displays that are never updated.
	Display(data, metadata map[string]any, displayID string, update bool)
	// ClearOutput clears the output of the running cell, when the next
	// output arrives if wait is true.
	ClearOutput(wait bool)
	// Input asks the user for a line of text, hidden while typed when
	// password is true, and returns it without its newline.
	Input(prompt string, password bool) (string, error)
}

var sink atomic.Pointer[sinkBox]

type sinkBox struct{ s Sink }

// SetSink routes everything shown from now on to s, and returns the Sink it
// replaces (nil when it was the default). A nil s restores the default,
// which prints text/plain forms on standard output and reads standard input.
// It is meant for runtimes, not for notebook code.
func SetSink(s Sink) (previous Sink) {
	var box *sinkBox
	if s != nil {
		box = &sinkBox{s}
	}
	if old := sink.Swap(box); old != nil {
		return old.s
	}
	return nil
}

// attached reports whether a runtime installed a Sink.
func attached() bool { return sink.Load() != nil }

func current() Sink {
	if b := sink.Load(); b != nil {
		return b.s
	}
	return textSink{}
}

// textSink is the Sink of programs that run outside a notebook.
type textSink struct{}

var stdinLines = sync.OnceValue(func() *bufio.Reader { return bufio.NewReader(os.Stdin) })

func (textSink) Display(data, _ map[string]any, _ string, _ bool) {
	if s, ok := data[MIMEText].(string); ok {
		fmt.Fprintln(os.Stdout, s)
	}
}

func (textSink) ClearOutput(bool) {}

func (textSink) Input(prompt string, _ bool) (string, error) {
	fmt.Fprint(os.Stdout, prompt)
	line, err := stdinLines().ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// Show displays each value at once: a string as plain text, a Data as it
// is, and any other value as Render makes it.
func Show(values ...any) {
	s := current()
	for _, v := range values {
		d := showable(v)
		s.Display(d.MIME, d.Metadata, "", false)
	}
}

// showable is Render, except that strings show as they are.
func showable(v any) Data {
	if s, ok := v.(string); ok {
		return Text(s)
	}
	return Render(v)
}

// ClearOutput clears the output of the running cell; with wait true the
// output is cleared only when new output arrives, which avoids flicker in
// animations.
func ClearOutput(wait bool) { current().ClearOutput(wait) }

// Input asks the notebook user for a line of text, showing prompt, and
// returns it without its newline. It fails when the frontend cannot send
// input.
func Input(prompt string) (string, error) { return current().Input(prompt, false) }

// ReadPassword is Input with the typed text hidden, for passwords and API
// keys.
func ReadPassword(prompt string) (string, error) { return current().Input(prompt, true) }

var areaCount atomic.Int64

// Area is a place in the output of a cell whose content can be replaced
// later, even from another cell: a display_data with a display ID, updated
// by update_display_data.
type Area struct {
	id    string
	shown atomic.Bool
}

// New returns an Area with a fresh display ID; nothing appears until Show or
// Update.
func New() *Area {
	return &Area{id: fmt.Sprintf("golign-%d-%d", os.Getpid(), areaCount.Add(1))}
}

// ID is the display ID of the area.
func (a *Area) ID() string { return a.id }

// Show displays v (as Show does) in a new output of the running cell
// under a's display ID. Showing an area twice makes two places that later
// updates change together.
func (a *Area) Show(v any) {
	d := showable(v)
	a.shown.Store(true)
	current().Display(d.MIME, d.Metadata, a.id, false)
}

// Update replaces what a shows with v, everywhere a was shown. An area never
// shown is shown instead.
func (a *Area) Update(v any) {
	if !a.shown.Load() {
		a.Show(v)
		return
	}
	d := showable(v)
	current().Display(d.MIME, d.Metadata, a.id, true)
}
