package gocode

import (
	"go/ast"
	"go/token"
)

// definition is where the cells define a variable: its declared type, or
// the expression assigned to it (result index of a multi-value call).
type definition struct {
	typ, value ast.Expr
	index      int
}

// definitionOf finds the newest definition of the variable name in the
// cell being edited, then in the cells run, newest first: var name T,
// var name = x, name := x, name = x or a, name := f().
func (r *resolver) definitionOf(name, code string) (definition, bool) {
	for _, src := range r.cellSources(code) {
		p, ok := parsePrefix(src)
		if !ok {
			continue
		}
		var def definition
		found := false
		visit := func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok != token.DEFINE && n.Tok != token.ASSIGN {
					return true
				}
				for i, lhs := range n.Lhs {
					if id, ok := lhs.(*ast.Ident); ok && id.Name == name {
						switch {
						case len(n.Lhs) == len(n.Rhs):
							def, found = definition{value: n.Rhs[i]}, true
						case len(n.Rhs) == 1:
							def, found = definition{value: n.Rhs[0], index: i}, true
						}
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if id.Name != name {
						continue
					}
					switch {
					case n.Type != nil:
						def, found = definition{typ: n.Type}, true
					case len(n.Values) == len(n.Names):
						def, found = definition{value: n.Values[i]}, true
					case len(n.Values) == 1:
						def, found = definition{value: n.Values[0], index: i}, true
					}
				}
			}
			return true
		}
		ast.Inspect(p.decls, visit)
		ast.Inspect(p.stmts, visit)
		if found {
			return def, true
		}
	}
	return definition{}, false
}

// userTypeName returns the name of the type of the cells' variable name
// when its definition names one of the cells' types: var name T,
// name := T{...} or name := &T{...}. It serves values of interpreted types,
// whose methods reflect does not see.
func (r *resolver) userTypeName(name, code string) (string, bool) {
	def, ok := r.definitionOf(name, code)
	if !ok {
		return "", false
	}
	t := typeName(def.typ)
	if t == "" && def.value != nil {
		t = literalTypeName(def.value)
	}
	return t, t != ""
}

// literalTypeName returns the type name of a composite literal T{...} or
// &T{...}.
func literalTypeName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return literalTypeName(x.X)
		}
	case *ast.CompositeLit:
		return typeName(x.Type)
	}
	return ""
}

// typeName returns the name of a type expression T or *T naming a type of
// the cells.
func typeName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.StarExpr:
		return typeName(x.X)
	}
	return ""
}

// userMethods lists the methods the cells declared on the type typeName.
func (r *resolver) userMethods(typeName, code string) []Match {
	var ms []Match
	seen := map[string]bool{}
	for _, src := range r.cellSources(code) {
		p, ok := parsePrefix(src)
		if !ok {
			continue
		}
		for _, d := range p.decls.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || seen[fd.Name.Name] {
				continue
			}
			if receiverTypeName(fd.Recv.List[0].Type) != typeName {
				continue
			}
			seen[fd.Name.Name] = true
			header := *fd
			header.Body, header.Doc = nil, nil
			ms = append(ms, Match{Text: fd.Name.Name, Type: KindMethod, Signature: printNode(p.fset, &header)})
		}
	}
	return ms
}

// receiverTypeName returns the base type name of a receiver type: T, *T,
// T[P] or *T[P].
func receiverTypeName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.StarExpr:
		return receiverTypeName(x.X)
	case *ast.IndexExpr:
		return receiverTypeName(x.X)
	case *ast.IndexListExpr:
		return receiverTypeName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}
