package session

import (
	"context"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"strconv"
	"strings"

	"github.com/golign/golign/kernel/gocode"
)

// declaredNames lists the names a top-level declaration declares; a method
// is named Type.Method.
func declaredNames(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil || len(d.Recv.List) == 0 {
			return []string{d.Name.Name}
		}
		return []string{receiverName(d.Recv.List[0].Type) + "." + d.Name.Name}
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				names = append(names, spec.Name.Name)
			case *ast.ValueSpec:
				for _, n := range spec.Names {
					names = append(names, n.Name)
				}
			}
		}
	}
	return names
}

// receiverName returns the type name of a method receiver (T for *T and
// T[P]).
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return "?"
		}
	}
}

// funcVar is the variable holding the body of the function name: see
// declare.
func funcVar(name string) string { return "_golignFn_" + name }

// declare compiles and runs the declarations of f.
//
// The interpreter binds a call to the function declared when the call is
// compiled, so that a function declared again would leave earlier callers
// on the old body. A top-level function f (neither generic nor a method)
// is therefore compiled as a trampoline calling a variable that holds its
// body, assigned after the declarations compiled:
//
//	func f(x int) int { return _golignFn_f(x) }
//	var _golignFn_f func(x int) int
//	_golignFn_f = func(x int) int { ...body... }
//
// (The interpreter misjudges initialization loops when the variable is
// initialized in its declaration.) Variables whose initializers mention a
// function of the same cell are declared after the bodies are assigned.
//
// Declaring f again with the same signature assigns the new body to the
// variable, and every caller sees it; with another signature, f is declared
// anew (earlier callers could not call it anyway). The indirection costs one
// interpreted call per call.
//
// When the declarations fail to compile, the functions they introduced are
// declared as stubs that panic saying so, so that no half-compiled symbol is
// left behind.
func (s *Session) declare(ctx context.Context, f *ast.File) error {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			s.funcTypes[fd.Name.Name] = fd.Type
		}
	}
	if err := s.newRewriter().rewrite(f); err != nil {
		return err
	}
	if err := s.checkTypeRedefinitions(f); err != nil {
		return err
	}
	var fnVars, decls, late []ast.Decl
	var bodies []ast.Stmt
	sigs := map[string]string{}
	funcs := nameSet{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && indirectable(fd) {
			funcs[fd.Name.Name] = true
		}
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !indirectable(fd) {
			if mentions(d, funcs) {
				late = append(late, d)
			} else {
				decls = append(decls, d)
			}
			continue
		}
		name := fd.Name.Name
		sig := signature(fd.Type)
		bodies = append(bodies, &ast.AssignStmt{
			Lhs: []ast.Expr{&ast.Ident{NamePos: fd.Pos(), Name: funcVar(name)}}, Tok: token.ASSIGN,
			Rhs: []ast.Expr{&ast.FuncLit{Type: fd.Type, Body: fd.Body}},
		})
		if s.funcSigs[name] == sig {
			continue
		}
		sigs[name] = sig
		fnVars = append(fnVars, &ast.GenDecl{Tok: token.VAR, TokPos: fd.Pos(), Specs: []ast.Spec{&ast.ValueSpec{
			Names: []*ast.Ident{{NamePos: fd.Pos(), Name: funcVar(name)}}, Type: unnamedType(fd.Type),
		}}})
		decls = append(decls, trampoline(fd))
	}
	if len(fnVars)+len(decls) > 0 {
		file := &ast.File{Package: f.Package, Name: f.Name, Decls: append(fnVars, decls...)}
		if err := s.compileRun(ctx, file); err != nil {
			s.poison(ctx, f)
			return err
		}
	}
	if len(bodies) > 0 {
		if err := s.compileRun(ctx, &ast.BlockStmt{Lbrace: bodies[0].Pos(), List: bodies}); err != nil {
			s.poison(ctx, f)
			return err
		}
	}
	if len(late) > 0 {
		if err := s.compileRun(ctx, &ast.File{Package: f.Package, Name: f.Name, Decls: late}); err != nil {
			return err
		}
	}
	for name, sig := range sigs {
		s.funcSigs[name] = sig
	}
	for _, d := range f.Decls {
		names := declaredNames(d)
		for _, n := range names {
			if kind := declKind(d); kind != "" {
				s.declared[n] = kind
			}
		}
	}
	return nil
}

// mentions tells whether a var declaration's initializers mention one of
// names.
func mentions(d ast.Decl, names nameSet) bool {
	g, ok := d.(*ast.GenDecl)
	if !ok || g.Tok != token.VAR || len(names) == 0 {
		return false
	}
	found := false
	for _, spec := range g.Specs {
		for _, v := range spec.(*ast.ValueSpec).Values {
			ast.Inspect(v, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && names[id.Name] {
					found = true
				}
				return !found
			})
		}
	}
	return found
}

// indirectable tells whether fd is compiled as a trampoline and a body.
func indirectable(fd *ast.FuncDecl) bool {
	return fd.Recv == nil && fd.Type.TypeParams == nil && fd.Body != nil &&
		fd.Name.Name != "init" && fd.Name.Name != "main" && fd.Name.Name != "_"
}

// signature is the text of a function type without parameter names.
func signature(ft *ast.FuncType) string {
	var b strings.Builder
	list := func(fl *ast.FieldList) {
		b.WriteString("(")
		if fl != nil {
			for _, f := range fl.List {
				n := max(len(f.Names), 1)
				for range n {
					printer.Fprint(&b, token.NewFileSet(), f.Type)
					b.WriteString(",")
				}
			}
		}
		b.WriteString(")")
	}
	list(ft.Params)
	list(ft.Results)
	return b.String()
}

// unnamedType returns ft without parameter and result names: in a
// variable's type the interpreter resolves them as identifiers, and fails
// when they name a global variable.
func unnamedType(ft *ast.FuncType) *ast.FuncType {
	strip := func(fl *ast.FieldList) *ast.FieldList {
		if fl == nil {
			return nil
		}
		out := &ast.FieldList{}
		for _, f := range fl.List {
			for range max(len(f.Names), 1) {
				out.List = append(out.List, &ast.Field{Type: f.Type})
			}
		}
		return out
	}
	return &ast.FuncType{Func: ft.Func, Params: strip(ft.Params), Results: strip(ft.Results)}
}

// trampoline returns the declaration of fd calling its body variable, with
// fd's doc comment and signature; parameters without a usable name get one.
func trampoline(fd *ast.FuncDecl) *ast.FuncDecl {
	params := &ast.FieldList{}
	var args []ast.Expr
	var ellipsis token.Pos
	for i, f := range fd.Type.Params.List {
		field := &ast.Field{Type: f.Type}
		names := f.Names
		if len(names) == 0 {
			names = []*ast.Ident{ast.NewIdent("_")}
		}
		for j, n := range names {
			name := n.Name
			if name == "_" {
				name = fmt.Sprintf("_golignP%d_%d", i, j)
			}
			field.Names = append(field.Names, ast.NewIdent(name))
			args = append(args, ast.NewIdent(name))
		}
		if _, ok := f.Type.(*ast.Ellipsis); ok {
			ellipsis = fd.Pos()
		}
		params.List = append(params.List, field)
	}
	call := &ast.CallExpr{Fun: ast.NewIdent(funcVar(fd.Name.Name)), Args: args, Ellipsis: ellipsis}
	var body ast.Stmt = &ast.ExprStmt{X: call}
	if fd.Type.Results != nil && len(fd.Type.Results.List) > 0 {
		body = &ast.ReturnStmt{Results: []ast.Expr{call}}
	}
	return &ast.FuncDecl{
		Doc:  fd.Doc,
		Name: fd.Name,
		Type: &ast.FuncType{Func: fd.Type.Func, Params: params, Results: fd.Type.Results},
		Body: &ast.BlockStmt{Lbrace: fd.Pos(), List: []ast.Stmt{body}},
	}
}

// poison declares the functions that f introduced as stubs panicking with
// the reason, after f failed to compile.
func (s *Session) poison(ctx context.Context, f *ast.File) {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !indirectable(fd) || s.funcSigs[fd.Name.Name] != "" {
			continue
		}
		msg := fmt.Sprintf("%s is not defined: the cell declaring it failed to compile", fd.Name.Name)
		stub := &ast.FuncDecl{Name: fd.Name, Type: fd.Type, Body: &ast.BlockStmt{Lbrace: fd.Pos(), List: []ast.Stmt{
			&ast.ExprStmt{X: &ast.CallExpr{Fun: ast.NewIdent("panic"), Args: []ast.Expr{&ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(msg)}}}},
		}}}
		s.compileRun(ctx, &ast.File{Package: f.Package, Name: f.Name, Decls: []ast.Decl{stub}})
	}
}

// checkTypeRedefinitions refuses to declare a type twice in one cell.
// (Types declared by earlier cells are redefined by rebuild.)
func (s *Session) checkTypeRedefinitions(f *ast.File) error {
	seen := nameSet{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if seen[ts.Name.Name] {
					return &posError{pos: ts.Pos(), msg: ts.Name.Name + " redeclared in this cell"}
				}
				seen[ts.Name.Name] = true
			}
		}
	}
	return nil
}

// declKind is the gocode kind of the names d declares; "" for methods.
func declKind(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return gocode.KindFunc
		}
	case *ast.GenDecl:
		switch d.Tok {
		case token.TYPE:
			return gocode.KindType
		case token.VAR:
			return gocode.KindVar
		case token.CONST:
			return gocode.KindConst
		}
	}
	return ""
}
