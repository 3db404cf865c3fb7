package session

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"os"
	"slices"
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

// declare compiles and runs the declarations of f, then compiles again
// the functions and methods of earlier cells that call a function or method
// f declares anew (see recompileCallers).
//
// When the declarations fail to compile, the functions they introduced are
// declared as stubs that panic saying so, so that no half-compiled symbol is
// left behind.
func (s *Session) declare(ctx context.Context, f *ast.File) error {
	redefined := nameSet{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			for _, n := range declaredNames(fd) {
				if s.declared[n] == gocode.KindFunc || s.methods[n] != nil {
					redefined[n] = true
				}
			}
		}
	}
	if err := s.compileDecls(ctx, f, true); err != nil {
		return err
	}
	latest := nameSet{}
	for _, d := range f.Decls {
		for _, n := range declaredNames(d) {
			latest[n] = true
		}
	}
	if len(redefined) > 0 {
		s.recompileCallers(ctx, redefined, latest)
	}
	s.forgetReplaced(latest)
	return nil
}

// forgetReplaced drops from the history the declaration pieces all of whose
// names names or a later piece declares again: replaying, recompiling and
// restoring skip such declarations, and a session redefining a function in
// every cell would otherwise keep, and parse again, every version of it.
func (s *Session) forgetReplaced(names nameSet) {
	later := maps.Clone(names)
	kept := make([]piece, 0, len(s.history))
	for i := len(s.history) - 1; i >= 0; i-- {
		p := s.history[i]
		if p.kind == declUnit {
			defines := namesOf(p).defines
			if len(defines) > 0 && later.all(defines) {
				continue
			}
			maps.Copy(later, defines)
		}
		kept = append(kept, p)
	}
	slices.Reverse(kept)
	s.history = kept
}

// compileDecls rewrites, compiles and runs the declarations of f, and
// records the names they declare; when poison is true, the functions of f
// that fail are declared as stubs (see declare).
func (s *Session) compileDecls(ctx context.Context, f *ast.File, poison bool) error {
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
	if err := s.compileRun(ctx, f); err != nil {
		if poison {
			s.poison(ctx, f)
			s.restore(ctx, f)
		}
		return err
	}
	for _, d := range f.Decls {
		for _, n := range declaredNames(d) {
			if kind := declKind(d); kind != "" {
				s.declared[n] = kind
			} else {
				s.methods[n] = d.(*ast.FuncDecl)
			}
		}
	}
	return nil
}

// recompileCallers compiles again, from the source of the earlier cells,
// the functions and methods that mention a name of changed, and then those
// that mention them, and so on: the interpreter binds a call to the
// function declared when the call is compiled, so that without this a
// function declared again would leave its earlier callers on the old body.
// Declarations that latest or a later cell replaced are left alone. Function
// values stored in variables before the change keep the old code.
func (s *Session) recompileCallers(ctx context.Context, changed, latest nameSet) {
	done := nameSet{}
	for len(changed) > 0 {
		next := nameSet{}
		for i, p := range s.history {
			redoable := func(d ast.Decl) bool {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					return false
				}
				name := declaredNames(fd)[0]
				return !done[name] && !s.replacedAfter(i, name, latest) && mentionsAny(fd, changed)
			}
			// Look on a file set of its own first: parsing with the
			// interpreter's adds a file to it for good.
			if p.kind != declUnit || !slices.ContainsFunc(parseDecls(p), redoable) {
				continue
			}
			f, err := s.parseFile(p)
			if err != nil {
				continue
			}
			redo := slices.DeleteFunc(slices.Clone(f.Decls), func(d ast.Decl) bool { return !redoable(d) })
			if len(redo) == 0 {
				continue
			}
			g := &ast.File{Package: f.Package, Name: f.Name, Decls: redo}
			if err := s.compileDecls(ctx, g, true); err != nil {
				s.capture.sync()
				fmt.Fprintf(os.Stderr, "warning: a function calling a redefined one no longer compiles and keeps its old code: %v\n", err)
				continue
			}
			for _, d := range redo {
				name := declaredNames(d)[0]
				done[name], next[name] = true, true
				if _, method, ok := strings.Cut(name, "."); ok {
					next[method] = true
				}
			}
		}
		changed = next
	}
}

// replacedAfter tells whether name, declared by history piece i, was
// declared again by a later piece or by latest.
func (s *Session) replacedAfter(i int, name string, latest nameSet) bool {
	if latest[name] {
		return true
	}
	for _, q := range s.history[i+1:] {
		if q.kind == declUnit && namesOf(q).defines[name] {
			return true
		}
	}
	return false
}

// mentionsAny tells whether an identifier of fd (a method's name counts as
// Type.Method and Method) is in names.
func mentionsAny(fd *ast.FuncDecl, names nameSet) bool {
	found := false
	ast.Inspect(fd, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] && id != fd.Name {
			found = true
		}
		return !found
	})
	return found
}

// poison declares the functions that f introduced as stubs panicking with
// the reason, after f failed to compile.
func (s *Session) poison(ctx context.Context, f *ast.File) {
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Type.TypeParams != nil || s.declared[fd.Name.Name] != "" {
			continue
		}
		msg := fmt.Sprintf("%s is not defined: the cell declaring it failed to compile", fd.Name.Name)
		stub := &ast.FuncDecl{Name: fd.Name, Type: fd.Type, Body: &ast.BlockStmt{Lbrace: fd.Pos(), List: []ast.Stmt{
			&ast.ExprStmt{X: &ast.CallExpr{Fun: ast.NewIdent("panic"), Args: []ast.Expr{&ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(msg)}}}},
		}}}
		s.compileRun(ctx, &ast.File{Package: f.Package, Name: f.Name, Decls: []ast.Decl{stub}})
	}
}

// restore compiles again, from the cells that last declared them, the
// functions of f that existed before f failed to compile: the interpreter
// leaves a function whose new declaration failed half replaced, and the
// earlier definition must stay in force.
func (s *Session) restore(ctx context.Context, f *ast.File) {
	lost := nameSet{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && s.declared[fd.Name.Name] == gocode.KindFunc {
			lost[fd.Name.Name] = true
		}
	}
	for i := len(s.history) - 1; i >= 0 && len(lost) > 0; i-- {
		if s.history[i].kind != declUnit {
			continue
		}
		g, err := s.parseFile(s.history[i])
		if err != nil {
			continue
		}
		var redo []ast.Decl
		for _, d := range g.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && lost[fd.Name.Name] {
				redo = append(redo, d)
				delete(lost, fd.Name.Name)
			}
		}
		if len(redo) > 0 {
			s.compileDecls(ctx, &ast.File{Package: g.Package, Name: g.Name, Decls: redo}, false)
		}
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

// varStatements returns the statements that declare what f declares when f
// holds var declarations only, nil otherwise. The interpreter cannot
// compile a var declaration whose value refers to a variable of an earlier
// cell (var total = n + 1 fails with "variable definition loop") but
// compiles the short declaration total := n + 1; so var x = v runs as
// x := v, and var x T = v as var x T then x = v.
func varStatements(f *ast.File) []ast.Stmt {
	var stmts []ast.Stmt
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			return nil
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			lhs := make([]ast.Expr, len(vs.Names))
			for i, n := range vs.Names {
				lhs[i] = n
			}
			switch {
			case len(vs.Values) == 0 || vs.Type != nil:
				decl := &ast.ValueSpec{Names: vs.Names, Type: vs.Type}
				stmts = append(stmts, &ast.DeclStmt{Decl: &ast.GenDecl{TokPos: g.TokPos, Tok: token.VAR, Specs: []ast.Spec{decl}}})
				if len(vs.Values) > 0 {
					stmts = append(stmts, &ast.AssignStmt{Lhs: lhs, TokPos: vs.Names[0].End(), Tok: token.ASSIGN, Rhs: vs.Values})
				}
			default:
				stmts = append(stmts, &ast.AssignStmt{Lhs: lhs, TokPos: vs.Names[0].End(), Tok: token.DEFINE, Rhs: vs.Values})
			}
		}
	}
	return stmts
}
