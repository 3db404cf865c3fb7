package session

import (
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// Go features newer than the interpreter (which follows Go 1.21) are
// rewritten on the syntax tree of each piece before it is compiled:
//
//   - min and max call generic helpers of the prelude; clear calls a
//     compiled helper working through reflection on maps and slices; print
//     and println write to standard error, as Go's do (the interpreter's
//     write to standard output).
//   - make of a slice type written []E gets its length through a compiled
//     check (checkedMakeLen in memory.go) that panics with an error when
//     the memory asked for cannot be backed, instead of letting the runtime
//     end the process. A capacity with side effects (a call) is left
//     unchecked, since the check evaluates it a second time; so is a make
//     of a few elements of a basic type given as literals.
//   - range over an integer becomes a three-clause loop over a copy of the
//     bound, with the loop variable copied into the body, when the range
//     expression is recognisably an integer: an integer literal or
//     conversion, len or cap, arithmetic on those, or a variable declared so
//     in the piece or an integer global of the session. Others are left to
//     the interpreter, which reports them.
//   - range over an iterator, a function a cell declared or a value whose
//     iterator type golign can tell (maps.Keys(m), strings.Lines(s)),
//     becomes a call of the iterator with the loop body as its yield
//     function.
//   - loop variables declared by for and range statements get one copy per
//     iteration, as in Go 1.22, when a closure or an address captures them.
//   - at a cell's top level, the results of generic functions, and the
//     compiled values passed to them, are converted to their own types,
//     which golign infers (generic.go).
//   - a defer at a cell's top level runs its call when the cell's code has
//     run, once (defer.go).
//   - a method value at a cell's top level whose receiver is not a variable
//     gets its receiver from a variable of its own (methodvalue.go).
//   - a method expression T.M of a method a cell declared becomes the
//     function literal it stands for (methodvalue.go).
//   - go statements run their call under a recover, so that a panicking
//     goroutine is reported on stderr instead of ending the kernel.
//   - display constructors called as statements (display.HTML(s) on a line
//     of its own) show what they build, as the last expression of a cell
//     does.
//
// One fault of the interpreter is worked around the same way: an
// assignment of several values of which some, not all, are calls
// (a, b = len(x), 2) assigns only the calls' values and leaves the others
// zero. It becomes { t1, t2 := len(x), 2; a, b = t1, t2 }, which the
// interpreter compiles right.
type rewriter struct {
	// shadowed holds the names the user declared at top level, which hide
	// the builtins of the same name.
	shadowed map[string]string
	// displayName is the name the display package is imported under, or "".
	displayName string
	// globalType returns the type of a global variable of the session.
	globalType func(name string) (reflect.Type, bool)
	// funcType returns the type of a function declared by a cell, or nil.
	funcType func(name string) *ast.FuncType
	// importName returns the name a package is imported under, or "";
	// importPath the path of the package imported under a name, or "".
	importName, importPath func(string) string
	// methodReceivers tells whether cells declared methods of the name
	// with a value receiver and with a pointer receiver.
	methodReceivers func(name string) (value, pointer bool)
	// method returns the declaration of the method Type.Method a cell
	// declared, or nil.
	method func(typeAndMethod string) *ast.FuncDecl
	// compiledFunc returns the type of function name of the compiled
	// package imported as pkg.
	compiledFunc func(pkg, name string) (reflect.Type, bool)
	// local holds, while the rewriter goes through a cell's top-level
	// statements, the variables those before the statement at hand
	// declared, with their types where golign can tell them.
	local map[string]reflect.Type
	// converted holds the conversions of values to their own types that
	// the rewriter wrote, with those types.
	converted map[*ast.CallExpr]reflect.Type
	// next numbers temporary names.
	next *int
	err  error
}

// Names of the helpers in the prelude of every session.
const (
	hookPkg      = "golignhook"
	minHelper    = "_golignMin"
	maxHelper    = "_golignMax"
	recoverFunc  = "_golignRecover"
	resultHelper = "_golignResult"
)

// displayConstructors are the functions of package display that build a
// value to show.
var displayConstructors = map[string]bool{
	"Text": true, "HTML": true, "Markdown": true, "SVG": true, "PNG": true, "JPEG": true,
	"Image": true, "JSON": true, "Bundle": true, "Plot": true, "PlotSVG": true, "PlotSized": true,
}

// rewrite applies all rewrites to the tree under root.
func (r *rewriter) rewrite(root ast.Node) error {
	ast.Inspect(root, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			r.builtinCall(call)
		}
		return true
	})
	r.methodExpressions(root)
	var lists []*[]ast.Stmt
	ast.Inspect(root, func(n ast.Node) bool {
		switch b := n.(type) {
		case *ast.BlockStmt:
			lists = append(lists, &b.List)
		case *ast.CaseClause:
			lists = append(lists, &b.Body)
		case *ast.CommClause:
			lists = append(lists, &b.Body)
		}
		return true
	})
	// Innermost lists first: rewriting an outer statement may copy the
	// statements of its body. The statements of a block given as root
	// are a cell's top level, where the types of the variables declared
	// before a statement are known to it (see iterator).
	top, _ := root.(*ast.BlockStmt)
	for k := len(lists) - 1; k >= 0; k-- {
		list := lists[k]
		r.local = nil
		if top != nil && list == &top.List {
			r.local = map[string]reflect.Type{}
		}
		for i, s := range *list {
			(*list)[i] = r.stmt(s, root)
			if as, ok := s.(*ast.AssignStmt); ok && as.Tok == token.DEFINE && r.local != nil {
				r.noteDefines(as, r.local)
			}
		}
	}
	r.local = nil
	return r.err
}

func (r *rewriter) temp(what string) *ast.Ident {
	*r.next++
	return ast.NewIdent(fmt.Sprintf("_golign%s%d", what, *r.next))
}

// builtinCall redirects calls of min, max and clear to the helpers.
func (r *rewriter) builtinCall(call *ast.CallExpr) {
	id, ok := call.Fun.(*ast.Ident)
	if !ok || r.shadowed[id.Name] != "" {
		return
	}
	switch id.Name {
	case "min", "max":
		id.Name = map[string]string{"min": minHelper, "max": maxHelper}[id.Name]
		orderArguments(call)
	case "clear", "print", "println":
		hook := map[string]string{"clear": "Clear", "print": "Print", "println": "Println"}[id.Name]
		call.Fun = &ast.SelectorExpr{X: &ast.Ident{NamePos: id.NamePos, Name: hookPkg}, Sel: ast.NewIdent(hook)}
	case "make":
		r.checkMake(call)
	}
}

// checkMake turns make([]E, n) into
//
//	make([]E, golignhook.MakeLen(([]E)(nil), int(n)))
//
// and make([]E, n, c) into make([]E, golignhook.MakeLenCap(([]E)(nil),
// int(n), int(c)), c) (see the doc of rewriter).
func (r *rewriter) checkMake(call *ast.CallExpr) {
	if len(call.Args) < 2 || len(call.Args) > 3 || call.Ellipsis.IsValid() {
		return
	}
	slice, ok := call.Args[0].(*ast.ArrayType)
	if !ok || slice.Len != nil || r.shadowed["int"] != "" || r.smallMake(slice, call.Args[1:]) {
		return
	}
	if len(call.Args) == 3 && !r.pure(call.Args[2]) {
		return
	}
	pos := call.Args[1].Pos()
	ident := func(name string) *ast.Ident { return &ast.Ident{NamePos: pos, Name: name} }
	args := []ast.Expr{&ast.CallExpr{Fun: &ast.ParenExpr{Lparen: pos, X: slice}, Lparen: pos, Args: []ast.Expr{ident("nil")}}}
	for _, size := range call.Args[1:] {
		args = append(args, &ast.CallExpr{Fun: ident("int"), Lparen: pos, Args: []ast.Expr{size}})
	}
	hook := map[int]string{2: "MakeLen", 3: "MakeLenCap"}[len(call.Args)]
	call.Args[1] = &ast.CallExpr{Fun: &ast.SelectorExpr{X: ident(hookPkg), Sel: ident(hook)}, Lparen: pos, Args: args}
}

// basicSizes are the element types whose values take at most 16 bytes.
var basicSizes = map[string]bool{
	"bool": true, "byte": true, "rune": true, "string": true, "float32": true, "float64": true,
	"complex64": true, "complex128": true, "uintptr": true,
}

// smallMake tells whether a make of slice with sizes certainly asks for
// less than the check's threshold: an element of a basic type and sizes
// that are integer literals.
func (r *rewriter) smallMake(slice *ast.ArrayType, sizes []ast.Expr) bool {
	elem, ok := slice.Elt.(*ast.Ident)
	if !ok || r.shadowed[elem.Name] != "" || !(basicSizes[elem.Name] || integerTypes[elem.Name]) {
		return false
	}
	for _, e := range sizes {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.INT {
			return false
		}
		n, err := strconv.ParseUint(strings.ReplaceAll(lit.Value, "_", ""), 0, 64)
		if err != nil || n > makeCheckThreshold/16 {
			return false
		}
	}
	return true
}

// pure tells whether evaluating e twice has no more effect than once:
// names, literals, selections, indexing and arithmetic on them, and calls
// of len, cap and conversions to integer types.
func (r *rewriter) pure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident, *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return r.pure(e.X)
	case *ast.SelectorExpr:
		return r.pure(e.X)
	case *ast.IndexExpr:
		return r.pure(e.X) && r.pure(e.Index)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && r.pure(e.X)
	case *ast.BinaryExpr:
		return r.pure(e.X) && r.pure(e.Y)
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok || r.shadowed[id.Name] != "" || !(id.Name == "len" || id.Name == "cap" || integerTypes[id.Name]) {
			return false
		}
		for _, a := range e.Args {
			if !r.pure(a) {
				return false
			}
		}
		return true
	}
	return false
}

// orderArguments helps the interpreter infer the type argument of min and
// max, which it takes from the first argument: a typed argument goes first
// (the result does not depend on the order), and when all are constants
// (literals, or expressions of literals such as -3.0) including a
// floating-point one, the first becomes float64.
func orderArguments(call *ast.CallExpr) {
	args := call.Args
	for i, a := range args {
		if !constantLiteral(a) {
			args[0], args[i] = args[i], args[0]
			return
		}
	}
	for _, a := range args {
		floating := false
		ast.Inspect(a, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.FLOAT {
				floating = true
			}
			return !floating
		})
		if floating {
			args[0] = &ast.CallExpr{Fun: ast.NewIdent("float64"), Args: []ast.Expr{args[0]}}
			return
		}
	}
}

// constantLiteral tells whether e is a constant written with literals
// only: 2, -3.5, (1 << 4) + 1.
func constantLiteral(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return constantLiteral(x.X)
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && x.Op != token.AND && constantLiteral(x.X)
	case *ast.BinaryExpr:
		return constantLiteral(x.X) && constantLiteral(x.Y)
	}
	return false
}

// stmt returns the rewrite of one statement (its nested blocks are
// rewritten separately).
func (r *rewriter) stmt(s ast.Stmt, root ast.Node) ast.Stmt {
	switch s := s.(type) {
	case *ast.LabeledStmt:
		if rs, ok := s.Stmt.(*ast.RangeStmt); ok && r.isInteger(rs.X, root, 0) {
			return r.rangeInt(rs, s)
		}
		s.Stmt = r.stmt(s.Stmt, root)
	case *ast.RangeStmt:
		if r.isInteger(s.X, root, 0) {
			return r.rangeInt(s, nil)
		}
		if yield := r.iterator(s.X); yield != nil {
			return r.rangeFunc(s, yield)
		}
		if s.Tok == token.DEFINE {
			r.copyVars(s.Body, capturedNames(s.Body, exprNames(s.Key, s.Value)))
		}
	case *ast.AssignStmt:
		return r.parallelAssign(s)
	case *ast.ForStmt:
		r.forLoopVars(s)
	case *ast.GoStmt:
		return r.goStmt(s)
	case *ast.ExprStmt:
		if call, ok := s.X.(*ast.CallExpr); ok && r.isDisplayConstructor(call) {
			s.X = &ast.CallExpr{Fun: &ast.SelectorExpr{X: ast.NewIdent(r.displayName), Sel: ast.NewIdent("Show")}, Args: []ast.Expr{call}}
		}
	}
	return s
}

func (r *rewriter) isDisplayConstructor(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || r.displayName == "" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == r.displayName && displayConstructors[sel.Sel.Name]
}

// rangeInt turns `for k := range n { body }` into
//
//	{ N := n; for I := N - N; I < N; I++ { k := I; body } }
//
// where N - N gives the counter the type of n. label, if not nil, labels
// the loop.
func (r *rewriter) rangeInt(rs *ast.RangeStmt, label *ast.LabeledStmt) ast.Stmt {
	if rs.Value != nil {
		r.fail(rs.Value.Pos(), "range over an integer permits only one iteration variable")
		return rs
	}
	n, i := r.temp("N"), r.temp("I")
	body := rs.Body
	if rs.Key != nil && rs.Tok != token.ILLEGAL {
		set := &ast.AssignStmt{Lhs: []ast.Expr{rs.Key}, Tok: rs.Tok, Rhs: []ast.Expr{i}}
		body = &ast.BlockStmt{Lbrace: body.Lbrace, List: []ast.Stmt{
			&ast.BlockStmt{Lbrace: body.Lbrace, List: append([]ast.Stmt{set}, body.List...), Rbrace: body.Rbrace},
		}, Rbrace: body.Rbrace}
	}
	loop := &ast.ForStmt{
		For:  rs.For,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{i}, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.BinaryExpr{X: n, Op: token.SUB, Y: n}}},
		Cond: &ast.BinaryExpr{X: i, Op: token.LSS, Y: n},
		Post: &ast.IncDecStmt{X: i, Tok: token.INC},
		Body: body,
	}
	var inner ast.Stmt = loop
	if label != nil {
		label.Stmt = loop
		inner = label
	}
	return &ast.BlockStmt{Lbrace: rs.For, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{n}, Tok: token.DEFINE, Rhs: []ast.Expr{rs.X}},
		inner,
	}}
}

// forLoopVars gives a three-clause loop one copy of its variables per
// iteration when the body captures them. Go 1.22 also carries changes the
// body makes to the copy into the next iteration; a body that both captures
// and assigns its loop variable is refused rather than run differently.
func (r *rewriter) forLoopVars(s *ast.ForStmt) {
	init, ok := s.Init.(*ast.AssignStmt)
	if !ok || init.Tok != token.DEFINE {
		return
	}
	names := exprNames(init.Lhs...)
	captured := capturedNames(s.Body, names)
	if len(captured) == 0 {
		return
	}
	for _, name := range captured {
		if pos := assignedIn(s.Body, name); pos.IsValid() {
			r.fail(pos, "loop variable %s is both captured by a closure and assigned in the loop body; "+
				"golign cannot give this loop Go 1.22 per-iteration semantics: copy the variable explicitly", name)
			return
		}
	}
	r.copyVars(s.Body, captured)
}

// copyVars gives each of names a fresh copy per iteration of the loop whose
// body is body: the body refers to a copy, declared in a block of its own,
// under a new name (the interpreter does not tell a loop body's scope from
// the loop's, and at top level shadowing the loop variable breaks the
// loop).
func (r *rewriter) copyVars(body *ast.BlockStmt, names []string) {
	if len(names) == 0 {
		return
	}
	var copies []ast.Stmt
	for _, name := range names {
		fresh := r.temp("V")
		renameIdent(body, name, fresh.Name)
		copies = append(copies, &ast.AssignStmt{
			Lhs: []ast.Expr{fresh}, Tok: token.DEFINE, Rhs: []ast.Expr{ast.NewIdent(name)},
		})
	}
	body.List = []ast.Stmt{&ast.BlockStmt{Lbrace: body.Lbrace, List: append(copies, body.List...), Rbrace: body.Rbrace}}
}

// renameIdent renames the identifier from to to in n, except where it names
// a field or method (x.from, T{from: ...}) or a label.
func renameIdent(n ast.Node, from, to string) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			renameIdent(n.X, from, to)
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.Ident); !ok {
				renameIdent(n.Key, from, to)
			}
			renameIdent(n.Value, from, to)
			return false
		case *ast.BranchStmt, *ast.LabeledStmt:
			if l, ok := n.(*ast.LabeledStmt); ok {
				renameIdent(l.Stmt, from, to)
			}
			return false
		case *ast.Ident:
			if n.Name == from {
				n.Name = to
			}
		}
		return true
	})
}

func exprNames(exprs ...ast.Expr) []string {
	var names []string
	for _, e := range exprs {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			names = append(names, id.Name)
		}
	}
	return names
}

// capturedNames returns those of names that a function literal mentions or
// whose address is taken in body.
func capturedNames(body *ast.BlockStmt, names []string) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	found := map[string]bool{}
	mark := func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && want[id.Name] {
			found[id.Name] = true
		}
		return true
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			ast.Inspect(n.Body, mark)
			return false
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				ast.Inspect(n.X, mark)
			}
		}
		return true
	})
	var out []string
	for _, n := range names {
		if found[n] {
			out = append(out, n)
		}
	}
	return out
}

// assignedIn returns the position of an assignment to name in body, or
// NoPos.
func assignedIn(body *ast.BlockStmt, name string) token.Pos {
	pos := token.NoPos
	is := func(e ast.Expr) bool { id, ok := e.(*ast.Ident); return ok && id.Name == name }
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if is(l) && !pos.IsValid() {
						pos = n.Pos()
					}
				}
			}
		case *ast.IncDecStmt:
			if is(n.X) && !pos.IsValid() {
				pos = n.Pos()
			}
		}
		return !pos.IsValid()
	})
	return pos
}

var builtins = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true,
	"delete": true, "imag": true, "len": true, "make": true, "max": true, "min": true, "new": true,
	"panic": true, "print": true, "println": true, "real": true, "recover": true,
}

// goStmt makes `go f(a, b)` recover from panics: the function and its
// arguments are evaluated first, as the go statement does, into temporaries
// that a recovering function literal then calls. A go statement calling a
// function literal gets the deferred recover at the top of its body.
func (r *rewriter) goStmt(s *ast.GoStmt) ast.Stmt {
	deferRecover := &ast.DeferStmt{Defer: s.Go, Call: &ast.CallExpr{Fun: ast.NewIdent(recoverFunc)}}
	if lit, ok := s.Call.Fun.(*ast.FuncLit); ok {
		lit.Body.List = append([]ast.Stmt{deferRecover}, lit.Body.List...)
		return s
	}
	var prep []ast.Stmt
	bind := func(e ast.Expr, what string) ast.Expr {
		t := r.temp(what)
		prep = append(prep, &ast.AssignStmt{Lhs: []ast.Expr{t}, Tok: token.DEFINE, Rhs: []ast.Expr{e}})
		return t
	}
	fun := s.Call.Fun
	if id, ok := fun.(*ast.Ident); !ok || !builtins[id.Name] || r.shadowed[id.Name] != "" {
		fun = bind(fun, "F")
	}
	args := make([]ast.Expr, len(s.Call.Args))
	for i, a := range s.Call.Args {
		args[i] = bind(a, "A")
	}
	call := &ast.CallExpr{Fun: fun, Args: args, Ellipsis: s.Call.Ellipsis}
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: s.Go, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{List: []ast.Stmt{deferRecover, &ast.ExprStmt{X: call}}},
	}
	s.Call = &ast.CallExpr{Fun: lit}
	return &ast.BlockStmt{Lbrace: s.Go, List: append(prep, s)}
}

// iterator returns the yield function type of x when x is an iterator
// (func(yield func(K[, V]) bool)): a function a cell declared, or a value
// whose type golign can tell and the cell can write, such as the result of
// maps.Keys(m), a global variable holding one (or, at a cell's top level,
// a variable an earlier statement declared from one), or the iterator a
// compiled function returns; nil otherwise.
func (r *rewriter) iterator(x ast.Expr) *ast.FuncType {
	if id, ok := x.(*ast.Ident); ok && r.funcType != nil {
		if ft := r.funcType(id.Name); ft != nil {
			return yieldType(ft)
		}
	}
	t := r.exprType(x, r.local)
	if t == nil || t.Kind() != reflect.Func || t.NumIn() != 1 || t.NumOut() != 0 || t.IsVariadic() {
		return nil
	}
	// The iterator's own type may be a named generic instance (iter.Seq[K]).
	if ft, ok := r.typeExpr(reflect.FuncOf([]reflect.Type{t.In(0)}, nil, false)).(*ast.FuncType); ok {
		return yieldType(ft)
	}
	return nil
}

// yieldType returns the yield function type of the iterator type ft, or
// nil when ft is not one.
func yieldType(ft *ast.FuncType) *ast.FuncType {
	if ft.Params == nil || len(ft.Params.List) != 1 || len(ft.Params.List[0].Names) > 1 || (ft.Results != nil && len(ft.Results.List) > 0) {
		return nil
	}
	yield, ok := ft.Params.List[0].Type.(*ast.FuncType)
	if !ok || yield.Results == nil || len(yield.Results.List) != 1 {
		return nil
	}
	if b, ok := yield.Results.List[0].Type.(*ast.Ident); !ok || b.Name != "bool" {
		return nil
	}
	return yield
}

// rangeFunc turns `for k, v := range seq { body }` over an iterator (see
// iterator) into
//
//	seq(func(k K, v V) bool { body; return true })
//
// where continue becomes return true and break return false. A body that
// returns, uses goto or labels, or defers cannot move into a function
// literal and is refused.
func (r *rewriter) rangeFunc(s *ast.RangeStmt, yield *ast.FuncType) ast.Stmt {
	var bad string
	var badPos token.Pos
	ast.Inspect(s.Body, func(n ast.Node) bool {
		if bad != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			bad, badPos = "return", n.Pos()
		case *ast.DeferStmt:
			bad, badPos = "defer", n.Pos()
		case *ast.LabeledStmt:
			bad, badPos = "a label", n.Pos()
		case *ast.BranchStmt:
			if n.Label != nil || n.Tok == token.GOTO {
				bad, badPos = n.Tok.String()+" with a label", n.Pos()
			}
		}
		return true
	})
	if bad != "" {
		r.fail(badPos, "range over the function %s: golign runs the loop body as a function, where %s would not mean the same; write the loop with an explicit yield function",
			exprString(s.X), bad)
		return s
	}
	branches(s.Body, false, false)
	vars := []ast.Expr{s.Key, s.Value}
	params := &ast.FieldList{}
	var assigns []ast.Stmt
	for i, f := range yield.Params.List {
		for range max(len(f.Names), 1) {
			name := ast.NewIdent("_")
			if i < len(vars) && vars[i] != nil {
				if id, ok := vars[i].(*ast.Ident); ok && s.Tok == token.DEFINE {
					name = ast.NewIdent(id.Name)
				} else if s.Tok == token.ASSIGN {
					name = r.temp("Y")
					assigns = append(assigns, &ast.AssignStmt{Lhs: []ast.Expr{vars[i]}, Tok: token.ASSIGN, Rhs: []ast.Expr{name}})
				}
			}
			params.List = append(params.List, &ast.Field{Names: []*ast.Ident{name}, Type: f.Type})
		}
	}
	body := append(assigns, s.Body.List...)
	body = append(body, &ast.ReturnStmt{Results: []ast.Expr{ast.NewIdent("true")}})
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: s.For, Params: params, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}},
		Body: &ast.BlockStmt{Lbrace: s.Body.Lbrace, List: body, Rbrace: s.Body.Rbrace},
	}
	return &ast.ExprStmt{X: &ast.CallExpr{Fun: s.X, Lparen: s.For, Args: []ast.Expr{lit}}}
}

// branches replaces, in a range-over-function body, the break and continue
// statements that leave the loop by returns from the yield function. It
// does not enter function literals, nor nested loops (for break and
// continue) or switches and selects (for break).
func branches(n ast.Node, inLoop, inSwitch bool) {
	list := func(stmts []ast.Stmt) {
		for i, st := range stmts {
			if b, ok := st.(*ast.BranchStmt); ok && b.Label == nil {
				if b.Tok == token.CONTINUE && !inLoop {
					stmts[i] = &ast.ReturnStmt{Return: b.Pos(), Results: []ast.Expr{ast.NewIdent("true")}}
				}
				if b.Tok == token.BREAK && !inLoop && !inSwitch {
					stmts[i] = &ast.ReturnStmt{Return: b.Pos(), Results: []ast.Expr{ast.NewIdent("false")}}
				}
				continue
			}
			branches(st, inLoop, inSwitch)
		}
	}
	switch n := n.(type) {
	case *ast.BlockStmt:
		list(n.List)
	case *ast.IfStmt:
		branches(n.Body, inLoop, inSwitch)
		if n.Else != nil {
			branches(n.Else, inLoop, inSwitch)
		}
	case *ast.ForStmt:
		branches(n.Body, true, inSwitch)
	case *ast.RangeStmt:
		branches(n.Body, true, inSwitch)
	case *ast.SwitchStmt:
		branches(n.Body, inLoop, true)
	case *ast.TypeSwitchStmt:
		branches(n.Body, inLoop, true)
	case *ast.SelectStmt:
		branches(n.Body, inLoop, true)
	case *ast.CaseClause:
		list(n.Body)
	case *ast.CommClause:
		list(n.Body)
	case *ast.LabeledStmt:
		branches(n.Stmt, inLoop, inSwitch)
	}
}

var integerTypes = map[string]bool{
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true, "rune": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true, "byte": true,
}

// isInteger tells whether e is recognisably of an integer type (see the
// doc of rewriter), looking declarations up in root and then among the
// session's globals.
func (r *rewriter) isInteger(e ast.Expr, root ast.Node, depth int) bool {
	if depth > 8 {
		return false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.INT
	case *ast.ParenExpr:
		return r.isInteger(e.X, root, depth+1)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && r.isInteger(e.X, root, depth+1)
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.SHL, token.SHR, token.AND, token.OR, token.XOR, token.AND_NOT:
			return r.isInteger(e.X, root, depth+1) || r.isInteger(e.Y, root, depth+1)
		}
	case *ast.CallExpr:
		id, ok := e.Fun.(*ast.Ident)
		if !ok {
			return false
		}
		if r.shadowed[id.Name] == "" {
			return id.Name == "len" || id.Name == "cap" || integerTypes[id.Name]
		}
		if ft := r.funcType(id.Name); ft != nil && ft.Results != nil && len(ft.Results.List) == 1 {
			res := ft.Results.List[0]
			t, ok := res.Type.(*ast.Ident)
			return ok && len(res.Names) <= 1 && integerTypes[t.Name]
		}
	case *ast.Ident:
		if found, integer := r.localInteger(e.Name, root, depth); found {
			return integer
		}
		if t, ok := r.globalType(e.Name); ok {
			switch t.Kind() {
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
				return true
			}
		}
	}
	return false
}

// localInteger looks for a declaration of name in root: a parameter, a var
// or const spec, or a short variable declaration. found is false when there
// is none.
func (r *rewriter) localInteger(name string, root ast.Node, depth int) (found, integer bool) {
	isIntType := func(t ast.Expr) bool { id, ok := t.(*ast.Ident); return ok && integerTypes[id.Name] }
	ast.Inspect(root, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.Field:
			for _, id := range n.Names {
				if id.Name == name {
					found, integer = true, isIntType(n.Type)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Name != name {
					continue
				}
				found = true
				switch {
				case n.Type != nil:
					integer = isIntType(n.Type)
				case i < len(n.Values) && len(n.Values) == len(n.Names):
					integer = r.isInteger(n.Values[i], root, depth+1)
				}
			}
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE || len(n.Lhs) != len(n.Rhs) {
				return true
			}
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					found, integer = true, r.isInteger(n.Rhs[i], root, depth+1)
				}
			}
		}
		return true
	})
	return found, integer
}

// fail records the first error of the rewrite.
func (r *rewriter) fail(pos token.Pos, format string, args ...any) {
	if r.err == nil {
		r.err = &posError{pos: pos, msg: fmt.Sprintf(format, args...)}
	}
}

// posError is an error at a position of a piece.
type posError struct {
	pos token.Pos
	msg string
}

func (e *posError) Error() string { return e.msg }

// scopeCompound runs each compound statement at a cell's top level that
// declares several variables at once in its body (v, err := f(),
// var a, b = g(), or switch t := x.(type), which declares a t in each
// clause), or a variable of the name of one of the session's or of one the
// cell declared before it (if ok { b := 3 } with a global b), inside a
// function literal called on the spot: the interpreter loses the first
// kind of declaration in blocks nested at top level, and gives the second
// the global's slot, failing when the types differ; a function gives them
// a scope it keeps. What the statement declares is local to it either way,
// and assignments to the session's variables still reach them.
func (r *rewriter) scopeCompound(list []ast.Stmt) {
	declared := map[string]bool{}
	for i, s := range list {
		switch s := s.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, e := range s.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
			continue
		case *ast.DeclStmt:
			ast.Inspect(s, func(n ast.Node) bool {
				if v, ok := n.(*ast.ValueSpec); ok {
					for _, id := range v.Names {
						declared[id.Name] = true
					}
				}
				return true
			})
			continue
		case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt,
			*ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
		default:
			continue
		}
		if !r.needsScope(s, declared) {
			continue
		}
		list[i] = &ast.ExprStmt{X: &ast.CallExpr{
			Fun: &ast.FuncLit{
				Type: &ast.FuncType{Func: s.Pos(), Params: &ast.FieldList{}},
				Body: &ast.BlockStmt{Lbrace: s.Pos(), List: []ast.Stmt{s}, Rbrace: s.End()},
			},
			Lparen: s.End(), Rparen: s.End(),
		}}
	}
}

// needsScope tells whether s declares, outside any function literal, two
// or more variables in one statement, or a variable named as one of
// declared or as a global of the session.
func (r *rewriter) needsScope(s ast.Stmt, declared map[string]bool) bool {
	found := false
	shadows := func(id ast.Expr) {
		if id, ok := id.(*ast.Ident); ok && id.Name != "_" {
			if declared[id.Name] {
				found = true
			} else if r.globalType != nil {
				_, global := r.globalType(id.Name)
				found = found || global
			}
		}
	}
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			found = found || n.Tok == token.DEFINE && len(n.Lhs) > 1
			if n.Tok == token.DEFINE {
				for _, e := range n.Lhs {
					shadows(e)
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				shadows(n.Key)
				shadows(n.Value)
			}
		case *ast.ValueSpec:
			found = found || len(n.Names) > 1
			for _, id := range n.Names {
				shadows(id)
			}
		case *ast.TypeSwitchStmt:
			as, ok := n.Assign.(*ast.AssignStmt)
			found = found || ok && as.Tok == token.DEFINE
		}
		return !found
	})
	return found
}

// parallelAssign returns the rewrite of an assignment of several values
// when some but not all of them contain a call (see the doc of rewriter).
func (r *rewriter) parallelAssign(s *ast.AssignStmt) ast.Stmt {
	if s.Tok != token.ASSIGN || len(s.Lhs) < 2 || len(s.Lhs) != len(s.Rhs) {
		return s
	}
	calls := 0
	for _, e := range s.Rhs {
		if hasCall(e) {
			calls++
		}
	}
	if calls == 0 || calls == len(s.Rhs) {
		return s
	}
	temps := make([]ast.Expr, len(s.Rhs))
	for i := range temps {
		temps[i] = r.temp("A")
	}
	define := &ast.AssignStmt{Lhs: temps, TokPos: s.TokPos, Tok: token.DEFINE, Rhs: s.Rhs}
	assign := &ast.AssignStmt{Lhs: s.Lhs, TokPos: s.TokPos, Tok: token.ASSIGN, Rhs: temps}
	return &ast.BlockStmt{Lbrace: s.Pos(), List: []ast.Stmt{define, assign}, Rbrace: s.End()}
}

// hasCall tells whether e calls something outside the function literals
// it contains.
func hasCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			found = true
		}
		return !found
	})
	return found
}

// exprString writes e as Go source.
func exprString(e ast.Expr) string {
	var b strings.Builder
	if err := printer.Fprint(&b, token.NewFileSet(), e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return b.String()
}
