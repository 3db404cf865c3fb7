// Package session is the Go language side of the golign kernel: a Session
// runs notebook cells with the yaegi interpreter and implements
// kernel.Interpreter.
//
// # Cells
//
// A cell may mix imports, declarations (func, methods, type, var, const) and
// statements in any order; it is cut into pieces of each kind (splitCell)
// that run one after the other, in the global scope, so that everything a
// cell defines stays defined for the next ones. Importing a package again is
// allowed and does nothing. When the last statement of a cell is an
// expression with a value, that value is the cell's result: text/plain as
// %#v prints it for numbers, booleans and strings (%v otherwise), and a rich
// bundle for display.Data, images, plots and values with a
// MIMEBundle() (data, metadata map[string]any) method. Calls of fmt's and
// log's print functions have no result.
//
// # Output, input and interrupts
//
// Everything written to standard output and error, by interpreted or
// compiled code, goroutines or child processes, reaches the frontend while
// the cell runs (see capture.go). Reading standard input asks the frontend
// for a line (see stdin.go). An interrupt stops interpreted code at once and
// the alignment library's loops at their next step (job.Bind); definitions
// survive it. A goroutine that panics is reported on stderr, and the kernel
// goes on.
//
// # Newer Go
//
// The interpreter follows Go 1.21; min, max, clear, print and println,
// range over integers, range over iterator functions declared by cells, and
// per-iteration loop variables are rewritten before compiling (see
// rewrite.go). What cannot be rewritten — range over an iterator that is not
// a function declared by a cell, a range-over-function body that returns,
// a three-clause loop whose body both captures and assigns its variable —
// fails with an error naming the construct.
//
// # Magic commands
//
// Lines starting with % or ! are magic commands (%help lists them): %time,
// %env, %who, %reset, !shell commands, and ?name or name? for documentation
// in the pager (see magic.go).
//
// # Redefinitions
//
// Variables may be declared again (x := 1, then x := "a"). Declared again
// with the same type, a variable stays one variable for the functions using
// it; with another type it is a new one, and functions compiled before keep
// the old. The values top-level statements compute are released once the
// cell ran (release.go). A function declared again replaces
// the old one everywhere: the functions of earlier cells that call it are
// compiled again from their source (declare.go); function values stored in
// variables keep the old code. A type declared
// again, like a method declared again or a function that a method calls,
// rebuilds the interpreter from the earlier cells' declarations, keeping
// variables whose values still fit (rebuild.go).
package session

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/display"
	"github.com/golign/golign/stdlib"
)

// Version is the version of golign reported in kernel_info.
const Version = "0.1.0"

// Options configures a Session. The zero value works.
type Options struct {
	// Symbols are the compiled packages cells can import, as symbol tables
	// extracted by yaegi ("importpath/name" → symbol → value), all used by
	// every interpreter. If nil, the tables of package stdlib are used (Go's
	// standard library, gonum, gonum/plot, kernel/display and the
	// alignment library), each loaded when a cell first imports its
	// package.
	Symbols map[string]map[string]reflect.Value
	// Args is os.Args as cells see it; if nil it is {"golign"}.
	Args []string
}

// Session runs Go cells. It is safe for concurrent use: calls are
// serialised.
type Session struct {
	opts Options
	// symbols are Options.Symbols, or nil for the tables of stdlib.
	symbols interp.Exports
	// pkgNames maps the import paths of the compiled packages to their
	// package names.
	pkgNames map[string]string
	// loader gives the interpreter the tables of stdlib as cells import
	// their packages; nil with Options.Symbols.
	loader *stdlib.Loader

	mu        sync.Mutex
	in        *interp.Interpreter
	releaser  *frameReleaser           // nil when the interpreter's frame could not be reached
	imports   map[string]string        // name → path of the packages imported so far
	declared  map[string]string        // top-level names the cells declared → gocode kind
	sources   []string                 // the cells that ran without error, oldest first
	history   []piece                  // the import and declaration pieces run, oldest first
	methods   map[string]*ast.FuncDecl // methods the cells declared, by Type.Method
	funcTypes map[string]*ast.FuncType // types of the functions cells declared
	declPiece map[string]piece         // the piece that declared each function and method (Type.Method)
	temps     int
	deferred  bool // the code running deferred calls to its end
	results   *cellResult
	closed    bool

	capture *capture
	stdin   *stdinFeeder
	frames  *panicFrames

	pubMu sync.Mutex
	pub   kernel.Publisher // the running cell's, or the last one's
}

// New starts a session: an interpreter with the compiled packages of opts,
// and the capture of the process's standard streams (shared by all sessions
// of the process and given back by Shutdown).
func New(opts Options) (*Session, error) {
	limitMemory(systemMemory)
	s := &Session{opts: opts, frames: &panicFrames{}}
	s.symbols, s.pkgNames = opts.Symbols, packageNames(opts.Symbols)
	stdin, err := newStdinFeeder()
	if err != nil {
		return nil, err
	}
	c, err := acquireCapture(s.forward)
	if err != nil {
		stdin.close()
		return nil, err
	}
	s.capture, s.stdin = c, stdin
	// The standard logger is the interpreter's own (it logs a fault
	// before panicking with it, as log.Panic does): its lines are the
	// kernel's log, not output of the cell the fault is reported in.
	// Cells' package log is an instance of their own.
	log.SetOutput(LogWriter())
	if err := s.reset(); err != nil {
		s.Shutdown(false)
		return nil, err
	}
	display.SetSink(sink{s})
	return s, nil
}

// reset gives the session a fresh interpreter with the prelude and nothing
// else.
func (s *Session) reset() error {
	args := s.opts.Args
	if args == nil {
		args = []string{"golign"}
	}
	in := interp.New(interp.Options{
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       panicFilter{s.frames},
		Args:         args,
		Env:          os.Environ(),
		Unrestricted: true,
	})
	if err := s.useSymbols(in); err != nil {
		return err
	}
	if err := in.Use(s.hooks()); err != nil {
		return fmt.Errorf("loading the session's hooks: %w", err)
	}
	s.in = in
	releaser, err := newFrameReleaser(in)
	if err != nil {
		fmt.Fprintf(LogWriter(), "warning: %v; the values computed by top-level statements stay in memory\n", err)
	}
	s.releaser = releaser
	s.imports = map[string]string{}
	s.declared = map[string]string{}
	s.sources = nil
	s.history = nil
	s.methods = map[string]*ast.FuncDecl{}
	s.funcTypes = map[string]*ast.FuncType{}
	s.declPiece = map[string]piece{}
	if err := s.evalPrelude(); err != nil {
		return fmt.Errorf("compiling the prelude: %w", err)
	}
	return nil
}

// forward sends captured output to the current publisher, or to the
// original standard error when no cell ran yet.
func (s *Session) forward(name, text string) {
	s.pubMu.Lock()
	pub := s.pub
	s.pubMu.Unlock()
	if pub == nil {
		LogWriter().Write([]byte(text))
		return
	}
	pub.Stream(name, text)
}

func (s *Session) publisher() kernel.Publisher {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	return s.pub
}

func (s *Session) setPublisher(p kernel.Publisher) {
	s.pubMu.Lock()
	s.pub = p
	s.pubMu.Unlock()
}

// sink is the display.Sink of a session: it sends to the current
// publisher, after the output written before.
type sink struct{ s *Session }

func (k sink) Display(data, metadata map[string]any, displayID string, update bool) {
	k.s.capture.sync()
	if p := k.s.publisher(); p != nil {
		p.Display(kernel.MIMEBundle(data), metadata, displayID, update)
	}
}

func (k sink) ClearOutput(wait bool) {
	k.s.capture.sync()
	if p := k.s.publisher(); p != nil {
		p.ClearOutput(wait)
	}
}

func (k sink) Input(prompt string, password bool) (string, error) {
	k.s.capture.sync()
	p := k.s.publisher()
	if p == nil {
		return "", kernel.ErrStdinNotAllowed
	}
	return p.Input(prompt, password)
}

// Info implements kernel.Interpreter.
func (s *Session) Info() kernel.Info {
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	return kernel.Info{
		Implementation:        "golign",
		ImplementationVersion: Version,
		Banner: "golign " + Version + " — Go " + goVersion + " notebooks for alignment research\n" +
			"Cells are interpreted by yaegi; the alignment library, gonum and gonum/plot run compiled.\n" +
			"Type %help for the magic commands.",
		Language: kernel.LanguageInfo{
			Name:              "go",
			Version:           goVersion,
			MIMEType:          "text/x-go",
			FileExtension:     ".go",
			PygmentsLexer:     "go",
			CodeMirrorMode:    "go",
			NBConvertExporter: "script",
		},
		HelpLinks: []kernel.HelpLink{
			{Text: "Go documentation", URL: "https://go.dev/doc/"},
			{Text: "Go standard library", URL: "https://pkg.go.dev/std"},
			{Text: "gonum", URL: "https://pkg.go.dev/gonum.org/v1/gonum"},
			{Text: "gonum/plot", URL: "https://pkg.go.dev/gonum.org/v1/plot"},
			{Text: "golign", URL: "https://github.com/golign/golign#readme"},
		},
	}
}

// Execute implements kernel.Interpreter.
func (s *Session) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Publisher) kernel.ExecuteReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errorReply(&kernel.Error{Name: "SessionClosed", Value: "the session was shut down"})
	}
	s.setPublisher(out)
	defer s.capture.sync()

	if err := s.stdin.renew(); err != nil {
		return errorReply(&kernel.Error{Name: "StdinError", Value: err.Error()})
	}
	stop := make(chan struct{})
	defer close(stop)
	go s.stdin.watch(stop, func() (string, error) {
		s.capture.sync()
		line, err := out.Input("", false)
		if err != nil {
			fmt.Fprintf(os.Stderr, "reading standard input: %v; the read gets end of file\n", err)
		}
		return line, err
	})
	unbind := job.Bind(ctx, display.JobReporter{})
	defer unbind()

	reply := kernel.ExecuteReply{Status: kernel.StatusOK}
	if kerr := s.executeCell(ctx, req.Code, req.Silent, &reply); kerr != nil {
		return errorReply(kerr)
	}
	if len(req.UserExpressions) > 0 {
		reply.UserExpressions = s.userExpressions(ctx, req.UserExpressions)
	}
	return reply
}

func errorReply(e *kernel.Error) kernel.ExecuteReply {
	return kernel.ExecuteReply{Status: kernel.StatusError, Error: e}
}

// run runs Go code and returns its result, if any, then the calls the
// code deferred at its top level.
func (s *Session) run(ctx context.Context, code string) (res *bundle, kerr *kernel.Error) {
	defer func() {
		if !s.deferred {
			return
		}
		s.deferred = false
		if err := s.runDeferred(ctx); err != nil && kerr == nil {
			res, kerr = nil, s.describe(ctx, err, code)
		}
	}()
	pieces := orderPieces(splitCell(code))
	for i, p := range pieces {
		r, err := s.runPiece(ctx, p, i == len(pieces)-1)
		if err != nil {
			return nil, s.describe(ctx, err, code)
		}
		res = r
	}
	return res, nil
}

// userExpressions evaluates the user_expressions of a request, each to a
// text/plain bundle or an error.
func (s *Session) userExpressions(ctx context.Context, exprs map[string]string) map[string]any {
	out := map[string]any{}
	for name, expr := range exprs {
		res, kerr := s.run(ctx, expr)
		switch {
		case kerr != nil:
			out[name] = map[string]any{"status": "error", "ename": kerr.Name, "evalue": kerr.Value, "traceback": kerr.Traceback}
		case res == nil:
			out[name] = map[string]any{"status": "ok", "data": map[string]any{}, "metadata": map[string]any{}}
		default:
			out[name] = map[string]any{"status": "ok", "data": map[string]any(res.data), "metadata": res.metadata}
		}
	}
	return out
}

// cellFile is the file name of cells in positions.
const cellFile = "cell"

// parseMode is how cells are parsed. The interpreter and the session find
// identifiers by name in their own scopes, so the parser's object
// resolution, a walk of every tree, is skipped.
const parseMode = parser.SkipObjectResolution

// parseStmts parses statements found at line:col of the cell.
func (s *Session) parseStmts(p piece) ([]ast.Stmt, error) {
	src := fmt.Sprintf("package main; func main() {\n//line %s:%d:%d\n%s\n}", cellFile, p.line, p.col, p.src)
	f, err := parser.ParseFile(s.in.FileSet(), cellFile, src, parseMode)
	if err != nil {
		return nil, err
	}
	return f.Decls[0].(*ast.FuncDecl).Body.List, nil
}

// parseFile parses declarations or imports found at line:col of the cell.
func (s *Session) parseFile(p piece) (*ast.File, error) { return s.parseFileAs(p, cellFile) }

// parseFileAs is parseFile with positions reported in file name (the
// interpreter's scope of imports stays that of cells).
func (s *Session) parseFileAs(p piece, name string) (*ast.File, error) {
	src := fmt.Sprintf("package main\n//line %s:%d:%d\n%s\n", name, p.line, p.col, p.src)
	return parser.ParseFile(s.in.FileSet(), cellFile, src, parseMode|parser.ParseComments)
}

// runPiece compiles and runs one piece; last tells whether it ends the cell.
func (s *Session) runPiece(ctx context.Context, p piece, last bool) (*bundle, error) {
	switch p.kind {
	case importUnit, declUnit:
		if p.kind == declUnit && s.needsRebuild(p) {
			err := s.rebuild(ctx, p)
			if err == nil {
				s.history = append(s.history, p)
			}
			return nil, err
		}
		f, err := s.parseFile(p)
		if err != nil {
			return nil, err
		}
		if stmts := varStatements(f); p.kind == declUnit && stmts != nil {
			return s.runStmts(ctx, stmts, false)
		}
		if p.kind == importUnit {
			err = s.importDecls(ctx, f)
		} else {
			err = s.declare(ctx, f)
		}
		if err == nil {
			s.history = append(s.history, p)
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					for _, n := range declaredNames(fd) {
						s.declPiece[n] = p
					}
				}
			}
		}
		return nil, err
	}
	stmts, err := s.parseStmts(p)
	if err != nil {
		return nil, err
	}
	return s.runStmts(ctx, stmts, last)
}

// runStmts compiles and runs top-level statements; when last, a final
// expression is the cell's result.
func (s *Session) runStmts(ctx context.Context, stmts []ast.Stmt, last bool) (*bundle, error) {
	var final *ast.ExprStmt
	if n := len(stmts); last && n > 0 {
		if e, ok := stmts[n-1].(*ast.ExprStmt); ok && !s.isPrintCall(e.X) {
			final, stmts = e, stmts[:n-1]
		}
	}
	if len(stmts) > 0 {
		block := &ast.BlockStmt{Lbrace: stmts[0].Pos(), List: stmts}
		r := s.newRewriter()
		if err := r.rewrite(block); err != nil {
			return nil, err
		}
		block.List = r.commaOK(block.List)
		retype := r.typeTopLevel(block.List)
		block.List = r.hoistMethodValues(block.List)
		var deferred bool
		if block.List, deferred = r.deferToCellEnd(block.List); deferred {
			s.deferred = true
		}
		r.scopeCompound(block.List)
		if err := s.compileRun(ctx, block, retype...); err != nil {
			return nil, err
		}
	}
	if final == nil {
		return nil, nil
	}
	return s.evalResult(ctx, final)
}

// evalResult evaluates the last expression of a cell through the result
// helper, or as a plain statement when it has no value.
func (s *Session) evalResult(ctx context.Context, final *ast.ExprStmt) (*bundle, error) {
	// The position of a compiled block names its file, which scopes imports
	// in the interpreter: every block compiled starts at its first statement.
	r := s.newRewriter()
	if err := r.rewrite(final); err != nil {
		return nil, err
	}
	r.convertGenericArgs(final.X, nil)
	plain := &ast.BlockStmt{Lbrace: final.Pos(), List: []ast.Stmt{final}}
	wrapped := &ast.BlockStmt{Lbrace: final.Pos(), List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{
		Fun: &ast.Ident{NamePos: final.Pos(), Name: resultHelper}, Args: []ast.Expr{final.X},
	}}}}
	prog, err := s.compile(wrapped)
	if err != nil {
		if !isNoValue(err) {
			return nil, err
		}
		return nil, s.compileRun(ctx, plain)
	}
	s.results = &cellResult{}
	defer func() { s.results = nil }()
	if err := s.execute(ctx, prog); err != nil {
		return nil, err
	}
	return s.results.bundle(), nil
}

// isNoValue tells whether err is the compiler's complaint that an
// expression has no value.
func isNoValue(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "no value") || strings.Contains(msg, "used as value") ||
		strings.Contains(msg, "not enough arguments") || strings.Contains(msg, "as type (...")
}

// isPrintCall tells whether e calls one of fmt's or log's print functions,
// whose results (bytes written, error) are not worth showing.
func (s *Session) isPrintCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	p := s.imports[x.Name]
	return (p == "fmt" || p == "log") && (strings.HasPrefix(sel.Sel.Name, "Print") || strings.HasPrefix(sel.Sel.Name, "Fprint"))
}

func (s *Session) newRewriter() *rewriter {
	r := &rewriter{shadowed: s.declared, next: &s.temps, globalType: s.globalType,
		funcType:   func(name string) *ast.FuncType { return s.funcTypes[name] },
		importName: s.importName, importPath: func(name string) string { return s.imports[name] },
		compiledFunc: s.compiledFunc, methodReceivers: s.methodReceivers,
		method: func(name string) *ast.FuncDecl { return s.methods[name] }}
	for name, p := range s.imports {
		if p == "github.com/golign/golign/kernel/display" {
			r.displayName = name
		}
	}
	return r
}

// compiledFunc returns the type of function name of the compiled package
// the session imported as pkg.
func (s *Session) compiledFunc(pkg, name string) (reflect.Type, bool) {
	p, ok := s.imports[pkg]
	if !ok {
		return nil, false
	}
	v, ok := s.table(p)[name]
	if !ok || v.Kind() != reflect.Func {
		return nil, false
	}
	return v.Type(), true
}

// importName returns the name the session imported path under, or "".
func (s *Session) importName(path string) string {
	for name, p := range s.imports {
		if p == path && name != "_" && name != "." {
			return name
		}
	}
	return ""
}

// globals returns the global variables of the interpreter; the
// interpreter's listing panics while a failed compilation left variables
// without storage, which then count as absent.
func (s *Session) globals() (g map[string]reflect.Value) {
	defer func() {
		if recover() != nil {
			g = nil
		}
	}()
	return s.in.Globals()
}

// globalType returns the type of a global variable. When a failed
// compilation left the interpreter unable to list its variables, the
// variable is looked up in the slots the last program that ran left.
func (s *Session) globalType(name string) (reflect.Type, bool) {
	g := s.globals()
	v, ok := g[name]
	if g == nil && s.releaser != nil {
		v, ok = s.releaser.global(name)
	}
	if !ok || !v.IsValid() {
		return nil, false
	}
	return v.Type(), true
}

// compile compiles a syntax tree parsed with the interpreter's file set; an
// interpreter fault is returned as an error.
func (s *Session) compile(n ast.Node) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalFault(r)
		}
	}()
	return s.in.CompileAST(n)
}

// execute runs a compiled program under ctx.
func (s *Session) execute(ctx context.Context, prog *interp.Program) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalFault(r)
		}
	}()
	s.frames.take()
	_, err = s.in.ExecuteWithContext(ctx, prog)
	if ctx.Err() != nil {
		// The program may still be in a compiled call: its slots are
		// released after a later program.
		return ctx.Err()
	}
	if s.releaser != nil {
		s.releaser.release()
	}
	return err
}

// compileRun compiles and runs n. When the interpreter's analysis of
// top-level declarations cannot type n ("definition loop", or a fault of
// the interpreter as it compiles) and retype is given, n is compiled again
// after the edits of retype (see typeTopLevel). When it still fails so and
// n uses a name nothing defines, the error names it: the interpreter
// reports some of those as such failures.
func (s *Session) compileRun(ctx context.Context, n ast.Node, retype ...func()) error {
	prog, err := s.compile(n)
	var fault *faultError
	if err != nil && len(retype) > 0 && (strings.Contains(err.Error(), "definition loop") || errors.As(err, &fault)) {
		for _, edit := range retype {
			edit()
		}
		prog, err = s.compile(n)
	}
	if err != nil {
		if strings.Contains(err.Error(), "definition loop") || errors.As(err, &fault) {
			if u := s.undefinedIn(n); u != nil {
				return u
			}
		}
		return err
	}
	return s.execute(ctx, prog)
}

// faultError is an internal fault of the interpreter, which panicked
// instead of returning an error.
type faultError struct{ value any }

func (e *faultError) Error() string { return fmt.Sprint(e.value) }

func internalFault(r any) error {
	if p, ok := r.(interp.Panic); ok {
		return p
	}
	return &faultError{r}
}

// imported is a package a cell imports: the name it goes by and its path.
type imported struct{ name, path string }

// importDecls imports the packages of f not imported yet.
func (s *Session) importDecls(ctx context.Context, f *ast.File) error {
	var added []imported
	fresh := f.Imports[:0]
	for _, spec := range f.Imports {
		p := strings.Trim(spec.Path.Value, "\"`")
		name, known := s.pkgNames[p]
		if !known {
			return &posError{pos: spec.Path.Pos(), msg: fmt.Sprintf("package %q is not available: cells can import the packages compiled into golign "+
				"(Go's standard library, gonum, gonum/plot, golign's display and alignment packages)", p)}
		}
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if name == "_" {
			continue
		}
		if old, ok := s.imports[name]; ok {
			if old == p {
				continue
			}
			return &posError{pos: spec.Pos(), msg: fmt.Sprintf("%s is already the name of package %q, imported earlier; import %q under another name (import name2 %q)", name, old, p, p)}
		}
		fresh = append(fresh, spec)
		added = append(added, imported{name, p})
	}
	if len(fresh) == 0 {
		return nil
	}
	if err := s.loadPackages(added); err != nil {
		return err
	}
	gen := &ast.GenDecl{Tok: token.IMPORT, TokPos: fresh[0].Pos(), Lparen: 1, Rparen: 1}
	for _, spec := range fresh {
		gen.Specs = append(gen.Specs, spec)
	}
	file := &ast.File{Package: f.Package, Name: f.Name, Decls: []ast.Decl{gen}, Imports: fresh}
	if err := s.compileRun(ctx, file); err != nil {
		return err
	}
	for _, a := range added {
		s.imports[a.name] = a.path
	}
	return nil
}

// sortedGlobals returns the names of the variables defined by cells.
func (s *Session) sortedGlobals() []string {
	var names []string
	for name := range s.globals() {
		if !strings.HasPrefix(name, "_golign") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Shutdown implements kernel.Interpreter: it gives back the process's
// standard streams.
func (s *Session) Shutdown(restart bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if prev := display.SetSink(nil); prev != (sink{s}) {
		display.SetSink(prev) // another session's
	}
	if s.capture != nil {
		s.capture.release()
	}
	if s.stdin != nil {
		s.stdin.close()
	}
}
