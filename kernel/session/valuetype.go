package session

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// The interpreter types a global variable that holds the result of a
// compiled function (rows, err := linalign.CompareOnTask(...), or
// ms := strings.Fields(s)) as an opaque compiled value, and its analysis of
// top-level declarations cannot index such a value: a later top-level
// r := rows[2] fails with "constant definition loop", although the same
// expression compiles inside a function. typeIndexed converts the indexed
// value to its own type in the right-hand sides of top-level declarations,
// r := ([]linalign.Row)(rows)[2], which the analysis types as a slice. The
// conversion changes nothing at run time.

// typeIndexed returns the conversions of the index and slice expressions
// on global variables in the values of the top-level short variable
// declarations of list, each as a function making it. They are made only
// when the interpreter cannot compile list as written: a conversion to a
// type of the cell's own declaring is not always compiled right.
func (r *rewriter) typeIndexed(list []ast.Stmt) []func() {
	var edits []func()
	local := nameSet{} // names this list declares before the statement at hand
	for _, s := range list {
		as, ok := s.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE {
			continue
		}
		for _, e := range as.Rhs {
			edits = append(edits, r.typeIndexedIn(e, local)...)
		}
		for _, e := range as.Lhs {
			if id, ok := e.(*ast.Ident); ok {
				local[id.Name] = true
			}
		}
	}
	return edits
}

// typeIndexedIn returns the conversions of the index and slice expressions of e whose
// operand is a global variable, or a field of one, of a type that can be
// written in the cell; function literals, whose bodies the analysis does
// not type, are left alone.
func (r *rewriter) typeIndexedIn(e ast.Expr, local nameSet) []func() {
	var edits []func()
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.IndexExpr:
			if x := r.convertGlobal(n.X, local); x != n.X {
				edits = append(edits, func() { n.X = x })
			}
		case *ast.SliceExpr:
			if x := r.convertGlobal(n.X, local); x != n.X {
				edits = append(edits, func() { n.X = x })
			}
		}
		return true
	})
	return edits
}

// convertGlobal returns (T)(x) when x is a global variable of compiled
// composite type T, or a field of one, and T can be written in the cell;
// x otherwise.
func (r *rewriter) convertGlobal(x ast.Expr, local nameSet) ast.Expr {
	t := r.globalFieldType(x, local)
	if t == nil {
		return x
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer:
	default:
		return x
	}
	te := r.typeExpr(t)
	if te == nil {
		return x
	}
	return &ast.CallExpr{Fun: &ast.ParenExpr{Lparen: x.Pos(), X: te, Rparen: x.Pos()}, Lparen: x.Pos(),
		Args: []ast.Expr{x}, Rparen: x.End()}
}

// globalFieldType returns the type of e when e is a global variable of
// compiled composite type, or a chain of field selections from one; nil
// otherwise.
func (r *rewriter) globalFieldType(e ast.Expr, local nameSet) reflect.Type {
	switch x := e.(type) {
	case *ast.Ident:
		if local[x.Name] || r.globalType == nil {
			return nil
		}
		t, ok := r.globalType(x.Name)
		if !ok {
			return nil
		}
		return t
	case *ast.SelectorExpr:
		t := r.globalFieldType(x.X, local)
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
// pointers, channels and empty interfaces of those; nil when t cannot be
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
	}
	return nil
}
