package headless

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golign/golign/kernel"
)

// ScriptOptions configure RunScript. The zero value writes images next to
// the script, uses the process's standard streams and has no input.
type ScriptOptions struct {
	// OutDir is the directory images are written to. If OutDir is empty,
	// it is the script's directory.
	OutDir string
	// Stdout and Stderr receive the script's output and the lines telling
	// where images went. If nil, they are os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Input answers input requests (Console.ReadLine is the usual one).
	// If Input is nil, they fail with ErrNoInput.
	Input func(prompt string, password bool) (string, error)
}

// ScriptError is the error of a script that failed: its file and the
// interpreter's error, whose positions ("cell line 12, column 5") are
// positions in the file.
type ScriptError struct {
	Path string
	Err  *kernel.Error
	// callLine is the line, after the file's end, where RunScript calls
	// main; traceback entries there are not the program's.
	callLine int
}

// cellPosition matches a position in the interpreter's tracebacks.
var cellPosition = regexp.MustCompile(`^cell line (\d+)(?:, column (\d+))?:? ?`)

// Error returns "path:line:col: name: message", with the first position
// of the traceback, or "path: name: message" when there is none.
func (e *ScriptError) Error() string {
	for _, line := range e.Err.Traceback {
		if m := cellPosition.FindStringSubmatch(line); m != nil {
			return e.place(m) + ": " + e.Err.Error()
		}
	}
	return e.Path + ": " + e.Err.Error()
}

// place returns path:line or path:line:col for a matched position.
func (e *ScriptError) place(m []string) string {
	if m[2] == "" {
		return e.Path + ":" + m[1]
	}
	return e.Path + ":" + m[1] + ":" + m[2]
}

// sourceLine matches the lines of a traceback that quote the source under
// a position ("   12 | x := y" and the caret line under it).
var sourceLine = regexp.MustCompile(`^\s*\d*\s\|`)

// Traceback returns the interpreter's traceback with its positions written
// as path:line:col, without its first line, which repeats the error, and
// without the call of main that RunScript added.
func (e *ScriptError) Traceback() []string {
	var tb []string
	skipping := false
	for i, line := range e.Err.Traceback {
		if i == 0 && line == e.Err.Error() {
			continue
		}
		if m := cellPosition.FindStringSubmatch(line); m != nil {
			skipping = m[1] == strconv.Itoa(e.callLine)
			line = e.place(m) + ": " + line[len(m[0]):]
		} else if !sourceLine.MatchString(line) {
			skipping = false
		}
		if !skipping {
			tb = append(tb, line)
		}
	}
	return tb
}

// ExitError is returned by RunScript when the program called os.Exit: the
// process running it should exit with Code.
type ExitError struct{ Code int }

// Error returns "exit status N".
func (e *ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// exitPanic is the panic value by which the session's os.Exit ends a cell
// (see stdlib/restricted.go).
var exitPanic = regexp.MustCompile(`^os\.Exit\((-?\d+)\)$`)

// RunScript runs the Go program in the file at path — package main with a
// func main — in interp, whose os.Args the caller sets when creating it.
// What it prints goes to opts.Stdout and opts.Stderr; what it displays
// degrades to the terminal: images are written to files (a line on Stderr
// says where), Markdown and plain text are printed as they are, HTML
// without a text form is printed with its tags removed. Updates of a
// display are printed at most once every two seconds, and the last one when
// the script ends.
//
// A script that calls os.Exit returns an *ExitError, one that fails a
// *ScriptError; a file that is not a Go program returns an error located
// in the file.
func RunScript(ctx context.Context, interp kernel.Interpreter, path string, opts ScriptOptions) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	code, callLine, err := scriptBody(path, src)
	if err != nil {
		return err
	}
	term := newTerminal(path, opts)
	defer term.flush()
	reply := interp.Execute(ctx, kernel.ExecuteRequest{Code: code, AllowStdin: true, StopOnError: true, Count: 1}, term)
	if reply.Status == kernel.StatusOK || reply.Status == "" {
		return nil
	}
	e := reply.Error
	if e == nil {
		e = &kernel.Error{Name: "Aborted", Value: "the script was aborted"}
	}
	if m := exitPanic.FindStringSubmatch(e.Value); m != nil {
		code, _ := strconv.Atoi(m[1])
		return &ExitError{Code: code}
	}
	return &ScriptError{Path: path, Err: e, callLine: callLine}
}

// scriptMain is the name func main of a script gets in the session, where
// a function named main would run as soon as it is declared and clash with
// the session's own wrapper of statements.
const scriptMain = "main_"

// scriptBody checks that src is a Go program and returns it as one cell
// that declares everything and then calls main: the package clause is
// blanked out, so that lines and columns stay those of the file, func main
// is renamed scriptMain (which moves the rest of its line by one column),
// and the call is appended after the last line; callLine is its line.
func scriptBody(path string, src []byte) (code string, callLine int, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return "", 0, err
	}
	if f.Name.Name != "main" {
		return "", 0, fmt.Errorf("%s: package %s: a script must be package main", fset.Position(f.Name.Pos()), f.Name.Name)
	}
	mainFunc := findMain(f)
	if mainFunc == nil {
		return "", 0, fmt.Errorf("%s: no func main: a script is a Go program with a func main", path)
	}
	body := bytes.Clone(src)
	start, end := fset.Position(f.Package).Offset, fset.Position(f.Name.End()).Offset
	for i := start; i < end; i++ {
		body[i] = ' '
	}
	name := fset.Position(mainFunc.Name.Pos()).Offset
	code = string(body[:name]) + scriptMain + string(body[name+len("main"):]) + "\n"
	return code + scriptMain + "()\n", strings.Count(code, "\n") + 1, nil
}

// findMain returns the declaration of func main in f, nil if there is
// none.
func findMain(f *ast.File) *ast.FuncDecl {
	for _, decl := range f.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
			return fn
		}
	}
	return nil
}

// terminal is the Publisher of a script: it prints outputs and writes
// images to files.
type terminal struct {
	mu             sync.Mutex
	stdout, stderr io.Writer
	input          func(prompt string, password bool) (string, error)
	dir, base      string
	images         int
	// files maps display ids to the image file shown under them.
	files map[string]string
	// printed is when the text of a display id was last printed, and
	// pending its latest update not printed yet.
	printed map[string]time.Time
	pending map[string]string
	order   []string
}

// updateInterval is the shortest time between two printed updates of one
// display.
const updateInterval = 2 * time.Second

func newTerminal(path string, opts ScriptOptions) *terminal {
	t := &terminal{stdout: opts.Stdout, stderr: opts.Stderr, input: opts.Input, dir: opts.OutDir,
		base:  strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)),
		files: map[string]string{}, printed: map[string]time.Time{}, pending: map[string]string{}}
	if t.stdout == nil {
		t.stdout = os.Stdout
	}
	if t.stderr == nil {
		t.stderr = os.Stderr
	}
	if t.input == nil {
		t.input = noInput
	}
	if t.dir == "" {
		t.dir = filepath.Dir(path)
	}
	return t
}

var _ kernel.Publisher = (*terminal)(nil)

// Stream writes text to standard output or standard error.
func (t *terminal) Stream(name, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if name == "stderr" {
		io.WriteString(t.stderr, text)
		return
	}
	io.WriteString(t.stdout, text)
}

// Display writes images to files and prints text forms.
func (t *terminal) Display(data kernel.MIMEBundle, _ map[string]any, displayID string, update bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.writeImage(data, displayID) {
		return
	}
	text, ok := textForm(data)
	if !ok {
		return
	}
	now := time.Now()
	if update && displayID != "" && now.Sub(t.printed[displayID]) < updateInterval {
		if _, seen := t.pending[displayID]; !seen {
			t.order = append(t.order, displayID)
		}
		t.pending[displayID] = text
		return
	}
	if displayID != "" {
		t.printed[displayID] = now
		delete(t.pending, displayID)
	}
	printLine(t.stdout, text)
}

// Result prints the result like a display.
func (t *terminal) Result(data kernel.MIMEBundle, metadata map[string]any) {
	t.Display(data, metadata, "", false)
}

// ClearOutput has no effect on a terminal.
func (t *terminal) ClearOutput(bool) {}

// Input asks for a line through the script's input function.
func (t *terminal) Input(prompt string, password bool) (string, error) {
	return t.input(prompt, password)
}

// flush prints the updates that were held back.
func (t *terminal) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range t.order {
		if text, ok := t.pending[id]; ok {
			printLine(t.stdout, text)
		}
	}
	t.order, t.pending = nil, map[string]string{}
}

// imageTypes are the image MIME types written to files, in order of
// preference, with their file extensions.
var imageTypes = []struct{ mime, ext string }{
	{"image/png", ".png"}, {"image/jpeg", ".jpg"}, {"image/svg+xml", ".svg"},
}

// writeImage writes the image of data, if it has one, to a file: a new
// one, or the one shown earlier under displayID. It reports whether data
// was an image.
func (t *terminal) writeImage(data kernel.MIMEBundle, displayID string) bool {
	for _, it := range imageTypes {
		s, ok := data[it.mime].(string)
		if !ok {
			continue
		}
		content := []byte(s)
		if it.mime != "image/svg+xml" {
			var err error
			if content, err = base64.StdEncoding.DecodeString(s); err != nil {
				fmt.Fprintf(t.stderr, "[%s image not shown: %v]\n", it.mime, err)
				return true
			}
		}
		path, known := t.files[displayID]
		if !known || displayID == "" {
			t.images++
			path = filepath.Join(t.dir, fmt.Sprintf("%s-%d%s", t.base, t.images, it.ext))
			if displayID != "" {
				t.files[displayID] = path
			}
		}
		err := os.MkdirAll(filepath.Dir(path), 0o755)
		if err == nil {
			err = os.WriteFile(path, content, 0o644)
		}
		if err != nil {
			fmt.Fprintf(t.stderr, "[image not written: %v]\n", err)
			return true
		}
		if !known {
			fmt.Fprintf(t.stderr, "[image written to %s]\n", path)
		}
		return true
	}
	return false
}

// htmlTag matches an HTML tag or comment.
var htmlTag = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)

// textForm returns the form of data a terminal shows: Markdown as it is,
// then plain text, unless it is only the HTML source repeated, in which
// case the HTML is shown without its tags.
func textForm(data kernel.MIMEBundle) (string, bool) {
	if s, ok := data["text/markdown"].(string); ok {
		return s, true
	}
	plain, hasPlain := data["text/plain"].(string)
	if h, ok := data["text/html"].(string); ok && (!hasPlain || plain == h) {
		return strings.TrimSpace(html.UnescapeString(htmlTag.ReplaceAllString(h, ""))), true
	}
	return plain, hasPlain
}

func printLine(w io.Writer, text string) {
	io.WriteString(w, text)
	if !strings.HasSuffix(text, "\n") {
		io.WriteString(w, "\n")
	}
}
