package session

import (
	"go/ast"
	"go/token"
	"reflect"
)

// The interpreter cannot compile, at top level, a short variable
// declaration of the two values of a map index, a type assertion or a
// channel receive (v, ok := m[k] fails with "nil type"), though it
// compiles the assignment of the same two values to variables declared
// before (v, ok = m[k]). commaOK declares the variables first:
//
//	v, ok := x.(T)   →  var v T; var ok bool; v, ok = x.(T)
//	v, ok := <-ch    →  var v E; var ok bool; v, ok = <-ch
//
// (E, the channel's element type, when it can be told: from the cell's
// make(chan E) or the run-time type of a variable of an earlier cell).
//	v, ok := m[k]    →  v := m[k]; var ok bool; v, ok = m[k]
//
// In the last form m and k are first copied to temporaries unless they are
// names, literals or selections that the declaration of v cannot change,
// so that each is evaluated once, as written.

// commaOK returns list with its top-level comma-ok declarations rewritten.
func (r *rewriter) commaOK(list []ast.Stmt) []ast.Stmt {
	out := make([]ast.Stmt, 0, len(list))
	chans := map[string]ast.Expr{} // element types of the channels list makes
	for _, s := range list {
		out = append(out, r.commaOKStmt(s, chans)...)
		if as, ok := s.(*ast.AssignStmt); ok && as.Tok == token.DEFINE && len(as.Lhs) == len(as.Rhs) {
			for i, e := range as.Rhs {
				if id, ok := as.Lhs[i].(*ast.Ident); ok {
					delete(chans, id.Name)
					if elem := madeChan(e); elem != nil {
						chans[id.Name] = elem
					}
				}
			}
		}
	}
	return out
}

// madeChan returns E when e is make(chan E, ...), nil otherwise.
func madeChan(e ast.Expr) ast.Expr {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return nil
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "make" {
		return nil
	}
	if ct, ok := call.Args[0].(*ast.ChanType); ok {
		return ct.Value
	}
	return nil
}

// commaOKStmt returns the statements that replace s; chans holds the
// element types of channels made earlier in the cell.
func (r *rewriter) commaOKStmt(s ast.Stmt, chans map[string]ast.Expr) []ast.Stmt {
	as, ok := s.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE || len(as.Lhs) != 2 || len(as.Rhs) != 1 || r.shadowed["bool"] != "" {
		return []ast.Stmt{s}
	}
	v, ok1 := as.Lhs[0].(*ast.Ident)
	okVar, ok2 := as.Lhs[1].(*ast.Ident)
	if !ok1 || !ok2 {
		return []ast.Stmt{s}
	}
	pos := as.Pos()
	var decls []ast.Stmt
	declare := func(name *ast.Ident, typ ast.Expr) {
		if name.Name != "_" {
			decls = append(decls, varDecl(pos, name, typ))
		}
	}
	assign := &ast.AssignStmt{Lhs: as.Lhs, TokPos: as.TokPos, Tok: token.ASSIGN, Rhs: as.Rhs}
	switch x := ast.Unparen(as.Rhs[0]).(type) {
	case *ast.TypeAssertExpr:
		if x.Type == nil {
			return []ast.Stmt{s}
		}
		declare(v, x.Type)
	case *ast.UnaryExpr:
		if x.Op != token.ARROW {
			return []ast.Stmt{s}
		}
		var elem ast.Expr
		if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
			elem = chans[id.Name]
		}
		if t := r.valueType(x.X, nil); elem == nil && t != nil && t.Kind() == reflect.Chan {
			elem = r.typeExpr(t.Elem())
		}
		if elem == nil {
			return []ast.Stmt{s}
		}
		declare(v, elem)
	case *ast.IndexExpr:
		names := nameSet{v.Name: true, okVar.Name: true}
		for _, e := range []*ast.Expr{&x.X, &x.Index} {
			if !stableExpr(*e, names) {
				t := r.temp("K")
				decls = append(decls, &ast.AssignStmt{Lhs: []ast.Expr{t}, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{*e}})
				*e = t
			}
		}
		if v.Name != "_" {
			decls = append(decls, &ast.AssignStmt{Lhs: []ast.Expr{v}, TokPos: pos, Tok: token.DEFINE,
				Rhs: []ast.Expr{&ast.IndexExpr{X: x.X, Lbrack: x.Lbrack, Index: x.Index, Rbrack: x.Rbrack}}})
		}
	default:
		return []ast.Stmt{s}
	}
	declare(okVar, ast.NewIdent("bool"))
	return append(decls, assign)
}

// varDecl returns the statement var name T.
func varDecl(pos token.Pos, name *ast.Ident, typ ast.Expr) ast.Stmt {
	return &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: pos, Tok: token.VAR, Specs: []ast.Spec{
		&ast.ValueSpec{Names: []*ast.Ident{ast.NewIdent(name.Name)}, Type: typ},
	}}}
}

// stableExpr tells whether e evaluates to the same value before and after
// a declaration of the variables names: it is made of literals, names not
// among them and selections of those.
func stableExpr(e ast.Expr, names nameSet) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return !names[e.Name]
	case *ast.SelectorExpr:
		return stableExpr(e.X, names)
	}
	return false
}
