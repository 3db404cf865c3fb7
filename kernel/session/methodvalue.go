package session

import (
	"go/ast"
	"go/token"
	"strings"

	"github.com/golign/golign/kernel/gocode"
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
	return rewriteLists(list, func(s ast.Stmt) []ast.Stmt {
		var out []ast.Stmt
		called := map[*ast.SelectorExpr]bool{}
		inspectOwn(s, func(n ast.Node) bool {
			switch n := n.(type) {
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
		return append(out, s)
	})
}

// methodReceivers tells whether cells declared methods named name with a
// value receiver and with a pointer receiver.
func (s *Session) methodReceivers(name string) (value, pointer bool) {
	for m, d := range s.methods {
		if strings.HasSuffix(m, "."+name) {
			if pointerReceiver(d) {
				pointer = true
			} else {
				value = true
			}
		}
	}
	return value, pointer
}

// pointerReceiver tells whether the method d has a pointer receiver.
func pointerReceiver(d *ast.FuncDecl) bool {
	_, star := d.Recv.List[0].Type.(*ast.StarExpr)
	return star
}

// methodExpressions replaces, in the tree under root, each method
// expression T.M or (*T).M of a method a cell declared by the function
// literal it stands for,
//
//	func(r T, a A, b ...B) R { return r.M(a, b...) }
//
// The interpreter calls a method expression without its receiver
// ("reflect: Call with too many input arguments").
func (r *rewriter) methodExpressions(root ast.Node) {
	if r.method == nil {
		return
	}
	var parents []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			parents = parents[:len(parents)-1]
			return true
		}
		if sel, ok := n.(*ast.SelectorExpr); ok && len(parents) > 0 {
			if lit := r.methodExpression(sel); lit != nil {
				replaceChild(parents[len(parents)-1], sel, lit)
				return false
			}
		}
		parents = append(parents, n)
		return true
	})
}

// methodExpression returns the function literal for sel when sel is a
// method expression of a method a cell declared, with a receiver type
// that is not generic; nil otherwise.
func (r *rewriter) methodExpression(sel *ast.SelectorExpr) *ast.FuncLit {
	var typ *ast.Ident
	pointer := false
	switch x := sel.X.(type) {
	case *ast.Ident:
		typ = x
	case *ast.ParenExpr:
		if star, ok := x.X.(*ast.StarExpr); ok {
			typ, _ = star.X.(*ast.Ident)
			pointer = true
		}
	}
	if typ == nil || r.shadowed[typ.Name] != gocode.KindType {
		return nil
	}
	d := r.method(typ.Name + "." + sel.Sel.Name)
	if d == nil {
		return nil
	}
	if pointerReceiver(d) && !pointer {
		r.fail(sel.Pos(), "invalid method expression %s.%s (needs pointer receiver (*%s).%s)", typ.Name, sel.Sel.Name, typ.Name, sel.Sel.Name)
		return nil
	}
	recvType := ast.Expr(ast.NewIdent(typ.Name))
	if pointer {
		recvType = &ast.StarExpr{X: recvType}
	}
	recv := r.temp("M")
	params := &ast.FieldList{List: []*ast.Field{{Names: []*ast.Ident{recv}, Type: recvType}}}
	call := &ast.CallExpr{Fun: &ast.SelectorExpr{X: ast.NewIdent(recv.Name), Sel: ast.NewIdent(sel.Sel.Name)}, Lparen: sel.Pos()}
	for _, t := range fieldTypes(d.Type.Params) {
		arg := r.temp("M")
		params.List = append(params.List, &ast.Field{Names: []*ast.Ident{arg}, Type: t})
		call.Args = append(call.Args, ast.NewIdent(arg.Name))
		if _, variadic := t.(*ast.Ellipsis); variadic {
			call.Ellipsis = sel.Pos()
		}
	}
	body := ast.Stmt(&ast.ExprStmt{X: call})
	if d.Type.Results != nil && len(d.Type.Results.List) > 0 {
		body = &ast.ReturnStmt{Return: sel.Pos(), Results: []ast.Expr{call}}
	}
	return &ast.FuncLit{Type: &ast.FuncType{Func: sel.Pos(), Params: params, Results: d.Type.Results},
		Body: &ast.BlockStmt{Lbrace: sel.Pos(), List: []ast.Stmt{body}, Rbrace: sel.End()}}
}
