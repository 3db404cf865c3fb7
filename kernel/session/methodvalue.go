package session

import (
	"go/ast"
	"go/token"
	"strings"
)

// At a cell's top level the interpreter gets method values wrong when the
// receiver is not a variable: g := pts[0].Norm makes a g that calls Norm
// on a zero Point, although pts[0].Norm() and the same method value inside
// a function are right. hoistMethodValues gives such a receiver a variable
// of its own first,
//
//	_golignR1 := pts[0]
//	g := _golignR1.Norm
//
// which is what the method value holds in Go: a copy of the receiver made
// where it is taken, or its address (_golignR1 := &pts[0]) for a method
// with a pointer receiver.

// hoistMethodValues rewrites the method values of methods cells declared
// in the statements of list and of the blocks nested in them, function
// literals left out, and returns the new list.
func (r *rewriter) hoistMethodValues(list []ast.Stmt) []ast.Stmt {
	if r.methodReceivers == nil {
		return list
	}
	var visit func(stmts []ast.Stmt) []ast.Stmt
	visit = func(stmts []ast.Stmt) []ast.Stmt {
		var out []ast.Stmt
		for _, s := range stmts {
			called := map[*ast.SelectorExpr]bool{}
			ast.Inspect(s, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.BlockStmt:
					n.List = visit(n.List)
					return false
				case *ast.CaseClause:
					n.Body = visit(n.Body)
					return false
				case *ast.CommClause:
					n.Body = visit(n.Body)
					return false
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
						called[sel] = true
					}
				case *ast.SelectorExpr:
					if _, ident := n.X.(*ast.Ident); ident || called[n] {
						return true
					}
					value, pointer := r.methodReceivers(n.Sel.Name)
					if value == pointer {
						// None, or both kinds under one name.
						return true
					}
					receiver := n.X
					if pointer {
						receiver = &ast.UnaryExpr{OpPos: n.X.Pos(), Op: token.AND, X: n.X}
					}
					tmp := r.temp("R")
					tmp.NamePos = n.X.Pos()
					out = append(out, &ast.AssignStmt{Lhs: []ast.Expr{tmp}, TokPos: n.X.Pos(), Tok: token.DEFINE, Rhs: []ast.Expr{receiver}})
					n.X = ast.NewIdent(tmp.Name)
					return false
				}
				return true
			})
			out = append(out, s)
		}
		return out
	}
	return visit(list)
}

// methodReceivers tells whether cells declared methods named name with a
// value receiver and with a pointer receiver.
func (s *Session) methodReceivers(name string) (value, pointer bool) {
	for m := range s.methods {
		if strings.HasSuffix(m, "."+name) {
			if s.pointerMethods[m] {
				pointer = true
			} else {
				value = true
			}
		}
	}
	return value, pointer
}
