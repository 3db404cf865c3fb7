package session

import (
	"context"
	"go/ast"
	"go/token"
)

// record is a piece of the session's history of declarations: either
// imports or one top-level declaration.
type record struct {
	importSpecs []*ast.ImportSpec
	decl        ast.Decl
	names       []string
}

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

// declare compiles and runs the declarations of f.
func (s *Session) declare(ctx context.Context, f *ast.File) error {
	if err := s.newRewriter().rewrite(f); err != nil {
		return err
	}
	if err := s.compileRun(ctx, f); err != nil {
		return err
	}
	for _, d := range f.Decls {
		names := declaredNames(d)
		if fd, ok := d.(*ast.FuncDecl); !ok || fd.Recv == nil {
			for _, n := range names {
				s.declared[n] = true
			}
		}
		s.history = append(s.history, record{decl: d, names: names})
	}
	return nil
}

var _ = token.NoPos
