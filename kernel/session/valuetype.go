package session

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// The interpreter types a variable declared at top level that holds the
// result of a compiled function (rows, err := linalign.CompareOnTask(...),
// or ms := strings.Fields(s)) as an opaque compiled value, and its analysis
// of top-level declarations cannot index such a value: a later top-level
// r := rows[2] fails with "constant definition loop", although the same
// expression compiles inside a function. typeTopLevel converts the indexed
// value to its own type in the right-hand sides of top-level declarations,
// r := ([]linalign.Row)(rows)[2], which the analysis types as a slice. The
// conversion changes nothing at run time. The type is the run-time type of
// a variable of an earlier cell, or, for one the same statements declare
// from a call of a compiled package's function, that function's result.

// typeTopLevel types the top-level statements of list for the
// interpreter's analysis. It converts, in place, the results of generic
// functions of source that short variable declarations assign, and the
// compiled values passed to those functions, to their own types (see
// generic.go). It returns the conversions of the index and slice
// expressions on global variables in the values of the declarations, each
// as a function making it: those are made only when the interpreter cannot
// compile list as written, since a conversion to a type of the cell's own
// declaring is not always compiled right.
func (r *rewriter) typeTopLevel(list []ast.Stmt) []func() {
	var edits []func()
	local := map[string]reflect.Type{} // names list declares before the statement at hand, with their types
	for _, s := range list {
		switch s := s.(type) {
		case *ast.ExprStmt:
			r.convertGenericArgs(s.X, local)
		case *ast.AssignStmt:
			for _, e := range s.Rhs {
				r.convertGenericArgs(e, local)
			}
		}
		as, ok := s.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			continue
		}
		edits = append(edits, r.typeIndexedIn(as, local)...)
		generic := make([]bool, len(as.Rhs))
		for i, e := range as.Rhs {
			call, isCall := e.(*ast.CallExpr)
			generic[i] = isCall && r.genericSignature(call, local) != nil
		}
		types := r.noteDefines(as, local)
		if len(types) != len(as.Rhs) {
			continue
		}
		for i, e := range as.Rhs {
			if !generic[i] || types[i] == nil {
				continue
			}
			if te := r.typeExpr(types[i]); te != nil {
				as.Rhs[i] = r.conversion(e, types[i], te)
			}
		}
	}
	return edits
}

// noteDefines records in local the names the short variable declaration as
// declares, with the types of their values where golign can tell them
// (nil otherwise), and returns those types.
func (r *rewriter) noteDefines(as *ast.AssignStmt, local map[string]reflect.Type) []reflect.Type {
	results := r.compiledResults(as.Rhs, local)
	for i, e := range as.Lhs {
		if id, ok := e.(*ast.Ident); ok {
			local[id.Name] = nil
			if len(results) == len(as.Lhs) {
				local[id.Name] = results[i]
			}
		}
	}
	return results
}

// compiledResults returns the types of the values of rhs that golign can
// tell (nil for the others): the results of one call of a compiled
// package's function or of a generic function of source, or the type of
// each expression (see exprType).
func (r *rewriter) compiledResults(rhs []ast.Expr, local map[string]reflect.Type) []reflect.Type {
	if len(rhs) == 1 {
		if t := r.calledFunc(rhs[0], local); t != nil {
			out := make([]reflect.Type, t.NumOut())
			for i := range out {
				out[i] = t.Out(i)
			}
			return out
		}
		if call, ok := rhs[0].(*ast.CallExpr); ok {
			if out := r.genericResults(call, local); len(out) > 1 {
				return out
			}
		}
	}
	out := make([]reflect.Type, len(rhs))
	for i, e := range rhs {
		out[i] = r.exprType(e, local)
	}
	return out
}

// calledFunc returns the type of the function e calls when e calls a
// function of a compiled package, or a method of a value of compiled type
// (its receiver left out of the inputs, not of the results); nil
// otherwise.
func (r *rewriter) calledFunc(e ast.Expr, local map[string]reflect.Type) reflect.Type {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	if pkg, ok := sel.X.(*ast.Ident); ok && r.compiledFunc != nil && r.shadowed[pkg.Name] == "" {
		if _, isLocal := local[pkg.Name]; !isLocal {
			if t, ok := r.compiledFunc(pkg.Name, sel.Sel.Name); ok {
				return t
			}
		}
	}
	recv := r.valueType(sel.X, local)
	if recv == nil {
		return nil
	}
	m, ok := recv.MethodByName(sel.Sel.Name)
	if !ok && recv.Kind() != reflect.Pointer && recv.Kind() != reflect.Interface {
		// A variable's method with a pointer receiver.
		m, ok = reflect.PointerTo(recv).MethodByName(sel.Sel.Name)
	}
	if !ok {
		return nil
	}
	return m.Type
}

// typeIndexedIn returns the conversions of the index and slice expressions
// of the values of as whose operand is a global variable, or a field of one, of a type
// that can be written in the cell; function literals, whose bodies the
// analysis does not type, are left alone. An index into a string s[i]
// becomes byte(s[i]): the analysis cannot type the former, and a
// conversion of s to string does not help it.
func (r *rewriter) typeIndexedIn(as *ast.AssignStmt, local map[string]reflect.Type) []func() {
	var edits []func()
	parents := []ast.Node{as}
	inspect := func(n ast.Node) bool {
		if n == nil {
			parents = parents[:len(parents)-1]
			return true
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.IndexExpr:
			if t := r.valueType(n.X, local); t != nil && t.Kind() == reflect.String && r.shadowed["byte"] == "" {
				parent := parents[len(parents)-1]
				conv := &ast.CallExpr{Fun: &ast.Ident{NamePos: n.Pos(), Name: "byte"}, Lparen: n.Pos(), Args: []ast.Expr{n}, Rparen: n.End()}
				edits = append(edits, func() { replaceChild(parent, n, conv) })
			} else if x := r.convertGlobal(n.X, local, true); x != n.X {
				edits = append(edits, func() { n.X = x })
			}
		case *ast.SliceExpr:
			if x := r.convertGlobal(n.X, local, false); x != n.X {
				edits = append(edits, func() { n.X = x })
			}
		}
		parents = append(parents, n)
		return true
	}
	for _, e := range as.Rhs {
		ast.Inspect(e, inspect)
	}
	return edits
}

// replaceChild puts child in place of old among the expressions parent
// holds directly, in fields or lists.
func replaceChild(parent ast.Node, old, child ast.Expr) {
	v := reflect.ValueOf(parent).Elem()
	exprType := reflect.TypeFor[ast.Expr]()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch {
		case f.Type() == exprType && f.Interface() == old:
			f.Set(reflect.ValueOf(child))
		case f.Kind() == reflect.Slice && f.Type().Elem() == exprType:
			for j := 0; j < f.Len(); j++ {
				if f.Index(j).Interface() == old {
					f.Index(j).Set(reflect.ValueOf(child))
				}
			}
		}
	}
}

// convertGlobal returns (T)(x) when x is a global variable of compiled
// composite type T, or an expression built from one (see valueType), and T
// can be written in the cell; x otherwise. When T is a named type the cell
// cannot name (its package is not imported) and x is indexed (index is
// true), T's underlying type serves: indexing it gives the same element.
func (r *rewriter) convertGlobal(x ast.Expr, local map[string]reflect.Type, index bool) ast.Expr {
	t := r.valueType(x, local)
	if t == nil {
		return x
	}
	var underlying reflect.Type
	switch t.Kind() {
	case reflect.Slice:
		underlying = reflect.SliceOf(t.Elem())
	case reflect.Array:
		underlying = reflect.ArrayOf(t.Len(), t.Elem())
	case reflect.Map:
		underlying = reflect.MapOf(t.Key(), t.Elem())
	case reflect.Pointer:
		underlying = reflect.PointerTo(t.Elem())
	default:
		return x
	}
	te := r.typeExpr(t)
	if te == nil && index {
		te = r.typeExpr(underlying)
	}
	if te == nil {
		return x
	}
	return r.conversion(x, t, te)
}

// conversion returns (te)(x), the conversion of x to its own type t
// written te, and records it for exprType.
func (r *rewriter) conversion(x ast.Expr, t reflect.Type, te ast.Expr) *ast.CallExpr {
	conv := &ast.CallExpr{Fun: &ast.ParenExpr{Lparen: x.Pos(), X: te, Rparen: x.Pos()}, Lparen: x.Pos(),
		Args: []ast.Expr{x}, Rparen: x.End()}
	if r.converted == nil {
		r.converted = map[*ast.CallExpr]reflect.Type{}
	}
	r.converted[conv] = t
	return conv
}

// valueType returns the type of e when e is a global variable of compiled
// type (one of local, the variables the statements at hand declare, if it
// is among them), or an expression built from one by field selections,
// calls of methods or of compiled functions with one result, and index
// expressions; nil otherwise.
func (r *rewriter) valueType(e ast.Expr, local map[string]reflect.Type) reflect.Type {
	switch x := e.(type) {
	case *ast.Ident:
		if t, ok := local[x.Name]; ok {
			return t
		}
		if r.globalType == nil {
			return nil
		}
		t, ok := r.globalType(x.Name)
		if !ok {
			return nil
		}
		return t
	case *ast.ParenExpr:
		return r.valueType(x.X, local)
	case *ast.CallExpr:
		if f := r.calledFunc(x, local); f != nil && f.NumOut() == 1 {
			return f.Out(0)
		}
		if out := r.genericResults(x, local); len(out) == 1 {
			return out[0]
		}
	case *ast.IndexExpr:
		t := r.valueType(x.X, local)
		if t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Array {
			t = t.Elem()
		}
		if t == nil {
			return nil
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			return t.Elem()
		case reflect.String:
			return reflect.TypeFor[byte]()
		}
	case *ast.SelectorExpr:
		t := r.valueType(x.X, local)
		if t == nil {
			return nil
		}
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := t.FieldByName(x.Sel.Name)
		if !ok {
			return nil
		}
		return f.Type
	}
	return nil
}

// typeExpr writes t as a type expression of the cell: predeclared types,
// named types of packages the session imported, and slices, arrays, maps,
// pointers, channels, functions and empty interfaces of those; nil when t cannot be
// written so (a type declared by a cell, a package not imported, a
// generic instance).
func (r *rewriter) typeExpr(t reflect.Type) ast.Expr {
	if name := t.Name(); name != "" {
		if strings.ContainsAny(name, "[]") {
			return nil
		}
		if t.PkgPath() == "" {
			if r.shadowed[name] != "" {
				return nil
			}
			return ast.NewIdent(name)
		}
		pkg := r.importName(t.PkgPath())
		if pkg == "" {
			return nil
		}
		return &ast.SelectorExpr{X: ast.NewIdent(pkg), Sel: ast.NewIdent(name)}
	}
	elem := func() ast.Expr { return r.typeExpr(t.Elem()) }
	switch t.Kind() {
	case reflect.Slice:
		if e := elem(); e != nil {
			return &ast.ArrayType{Elt: e}
		}
	case reflect.Array:
		if e := elem(); e != nil {
			return &ast.ArrayType{Len: &ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(t.Len())}, Elt: e}
		}
	case reflect.Pointer:
		if e := elem(); e != nil {
			return &ast.StarExpr{X: e}
		}
	case reflect.Map:
		k, v := r.typeExpr(t.Key()), elem()
		if k != nil && v != nil {
			return &ast.MapType{Key: k, Value: v}
		}
	case reflect.Chan:
		if e := elem(); e != nil {
			dir := map[reflect.ChanDir]ast.ChanDir{reflect.RecvDir: ast.RECV, reflect.SendDir: ast.SEND,
				reflect.BothDir: ast.SEND | ast.RECV}[t.ChanDir()]
			return &ast.ChanType{Dir: dir, Value: e}
		}
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return &ast.InterfaceType{Methods: &ast.FieldList{}}
		}
	case reflect.Func:
		ft := &ast.FuncType{Params: &ast.FieldList{}, Results: &ast.FieldList{}}
		for i := 0; i < t.NumIn(); i++ {
			var p ast.Expr
			if i == t.NumIn()-1 && t.IsVariadic() {
				if e := r.typeExpr(t.In(i).Elem()); e != nil {
					p = &ast.Ellipsis{Elt: e}
				}
			} else {
				p = r.typeExpr(t.In(i))
			}
			if p == nil {
				return nil
			}
			ft.Params.List = append(ft.Params.List, &ast.Field{Type: p})
		}
		for i := 0; i < t.NumOut(); i++ {
			p := r.typeExpr(t.Out(i))
			if p == nil {
				return nil
			}
			ft.Results.List = append(ft.Results.List, &ast.Field{Type: p})
		}
		return ft
	}
	return nil
}
