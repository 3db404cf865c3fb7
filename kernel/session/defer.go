package session

import (
	"context"
	"go/ast"
	"go/token"
)

// A defer statement at a cell's top level (or in a block there, outside
// any function) defers its call to the end of the cell, as a defer in a
// program's main function runs when main returns. The interpreter would
// keep it in its global frame and run it again at the end of every later
// cell. golign rewrites
//
//	defer f.Close()
//
// into
//
//	_golignD1 := f
//	_golignDeferred = append(_golignDeferred, func() { _golignD1.Close() })
//
// evaluating the receiver and the arguments where the statement stands, as
// Go does, and runs the calls of _golignDeferred, last first, when the
// cell's code (its result included) has run or failed.

// Names of the prelude's list of deferred calls and of its runner.
const (
	deferredList   = "_golignDeferred"
	deferredRunner = "_golignRunDeferred"
)

// deferToCellEnd rewrites the defer statements of the top-level statements
// list, outside function literals, and returns the new list, reporting
// whether there was one.
func (r *rewriter) deferToCellEnd(list []ast.Stmt) ([]ast.Stmt, bool) {
	found := false
	list = rewriteLists(list, func(s ast.Stmt) []ast.Stmt {
		if d, ok := s.(*ast.DeferStmt); ok {
			found = true
			return r.deferredCall(d)
		}
		return []ast.Stmt{s}
	})
	return list, found
}

// rewriteLists returns list with each statement s replaced by the
// statements each(s) returns, after the same is done in the statement
// lists of the blocks and clauses nested in s, function literals left out:
// the statements a cell's top level runs.
func rewriteLists(list []ast.Stmt, each func(s ast.Stmt) []ast.Stmt) []ast.Stmt {
	var out []ast.Stmt
	for _, s := range list {
		ast.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BlockStmt:
				n.List = rewriteLists(n.List, each)
			case *ast.CaseClause:
				n.Body = rewriteLists(n.Body, each)
			case *ast.CommClause:
				n.Body = rewriteLists(n.Body, each)
			default:
				return true
			}
			return false
		})
		out = append(out, each(s)...)
	}
	return out
}

// inspectOwn is ast.Inspect on the statement s without the statement
// lists nested in it and function literals: the expressions s evaluates
// itself.
func inspectOwn(s ast.Stmt, f func(n ast.Node) bool) {
	ast.Inspect(s, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit, *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
			return false
		}
		return f(n)
	})
}

// deferredCall returns the statements that replace d: temporaries holding
// the call's receiver and arguments, and the append of the call to the
// prelude's list.
func (r *rewriter) deferredCall(d *ast.DeferStmt) []ast.Stmt {
	var stmts []ast.Stmt
	hold := func(e ast.Expr) ast.Expr {
		if constantLiteral(e) {
			return e
		}
		tmp := r.temp("D")
		tmp.NamePos = e.Pos()
		stmts = append(stmts, &ast.AssignStmt{Lhs: []ast.Expr{tmp}, TokPos: e.Pos(), Tok: token.DEFINE, Rhs: []ast.Expr{e}})
		return ast.NewIdent(tmp.Name)
	}
	call := d.Call
	if sel, ok := call.Fun.(*ast.SelectorExpr); ok && !r.isPackage(sel.X) {
		call.Fun = &ast.SelectorExpr{X: hold(sel.X), Sel: sel.Sel}
	}
	for i, a := range call.Args {
		call.Args[i] = hold(a)
	}
	list := ast.NewIdent(deferredList)
	lit := &ast.FuncLit{Type: &ast.FuncType{Func: d.Defer, Params: &ast.FieldList{}},
		Body: &ast.BlockStmt{Lbrace: d.Defer, List: []ast.Stmt{&ast.ExprStmt{X: call}}, Rbrace: d.End()}}
	return append(stmts, &ast.AssignStmt{Lhs: []ast.Expr{list}, TokPos: d.Defer, Tok: token.ASSIGN,
		Rhs: []ast.Expr{&ast.CallExpr{Fun: &ast.Ident{NamePos: d.Defer, Name: "append"}, Args: []ast.Expr{ast.NewIdent(deferredList), lit}}}})
}

// isPackage tells whether e names a package the session imported.
func (r *rewriter) isPackage(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && r.shadowed[id.Name] == "" && r.importPath != nil && r.importPath(id.Name) != ""
}

// runDeferred runs the calls a cell deferred, last first, under ctx. A
// cell that was interrupted drops them, as a Go program that is
// interrupted does not run its deferred calls.
func (s *Session) runDeferred(ctx context.Context) error {
	src := deferredRunner + "()"
	if ctx.Err() != nil {
		src, ctx = deferredList+" = nil", context.WithoutCancel(ctx)
	}
	stmts, err := s.parseStmts(piece{src: src, line: 1, col: 1})
	if err != nil {
		return err
	}
	return s.compileRun(ctx, &ast.BlockStmt{Lbrace: stmts[0].Pos(), List: stmts})
}
