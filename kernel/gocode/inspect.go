package gocode

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"slices"
	"strings"
)

// Inspect documents the name at the cursor (in code points) of code: the
// identifier under or just before the cursor, with the operand it selects
// from ("m.At" documents (*mat.Dense).At when m is a *mat.Dense), or,
// when the cursor is not on a name (or is in a string), the function whose
// call's parentheses enclose the cursor ("mat.NewDense(2, |" documents
// mat.NewDense).
func Inspect(code string, cursor int, s Scope) (Doc, bool) {
	off := byteOffset(code, cursor)
	r := newResolver(code, s)
	start, end := identStart(code, off), identEnd(code, off)
	if start == end || inStringOrComment(code, start) {
		open := enclosingCall(code, off)
		if open < 0 {
			return Doc{}, false
		}
		end = open
		start = end
	}
	x := parseOperand(code[operandStart(code, end):end])
	if x == nil {
		return Doc{}, false
	}
	return r.document(x, code)
}

// document returns the documentation of the name x denotes.
func (r *resolver) document(x ast.Expr, code string) (Doc, bool) {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return r.document(x.X, code)
	case *ast.CallExpr:
		return r.document(x.Fun, code)
	case *ast.Ident:
		return r.documentName(x.Name, code)
	case *ast.SelectorExpr:
		if o, ok := r.eval(x.X); ok {
			if o.pkg != "" {
				return Lookup(o.pkg, x.Sel.Name)
			}
			if d, ok := memberDoc(o.typ, x.Sel.Name); ok {
				return d, true
			}
			if d, ok := reflectMemberDoc(o.typ, x.Sel.Name, !o.isType); ok {
				return d, true
			}
		}
		// A method of one of the cells' types, which reflect does not
		// see: on the type of the variable when its definition tells.
		recv := ""
		if id, ok := x.X.(*ast.Ident); ok {
			if t, ok := r.userTypeName(id.Name, code); ok {
				recv = t
			} else if r.user[id.Name] == KindType {
				recv = id.Name
			}
		}
		return r.userMethodDoc(recv, x.Sel.Name, code)
	}
	return Doc{}, false
}

// documentName documents an unqualified name: the user's declaration, an
// imported package, a keyword or a builtin.
func (r *resolver) documentName(name, code string) (Doc, bool) {
	if kind, ok := r.user[name]; ok {
		d := Doc{Name: name, Kind: kind}
		r.userDecl(name, code, &d)
		if kind == KindVar || kind == KindConst {
			// Its type, and the documentation of a named type.
			if o, ok := r.eval(ast.NewIdent(name)); ok && o.typ != nil && !o.isType {
				d.Decl = kind + " " + name + " " + o.typ.String()
				if td, ok := typeDoc(o.typ); ok {
					d.Text = strings.TrimLeft(d.Text+"\n"+td.Decl+"\n\n"+td.Text, "\n")
				}
			}
		}
		return d, true
	}
	if p, ok := r.packagePath(name); ok {
		return Lookup(p, "")
	}
	if slices.Contains(keywords, name) {
		return Doc{Name: name, Kind: KindKeyword, Decl: "keyword " + name}, true
	}
	return Lookup("builtin", name)
}

// cellSources returns the sources to search for user declarations, the
// cell being edited first, then the cells run, newest first.
func (r *resolver) cellSources(code string) []string {
	srcs := []string{code}
	if r.scope != nil {
		run := r.scope.Sources()
		for i := len(run) - 1; i >= 0; i-- {
			srcs = append(srcs, run[i])
		}
	}
	return srcs
}

// userDecl fills d with the declaration and doc comment of the user's
// function, type, variable or constant name, from the newest cell
// declaring it.
func (r *resolver) userDecl(name, code string, d *Doc) {
	for _, src := range r.cellSources(code) {
		p, ok := parsePrefix(src)
		if !ok {
			continue
		}
		for _, decl := range p.decls.Decls {
			if decl, text, ok := declarationOf(p, decl, name, ""); ok {
				d.Decl, d.Text = decl, text
				return
			}
		}
	}
}

// userMethodDoc documents the method name declared by the cells on their
// type recv (on any of their types when recv is empty), for values of
// interpreted types, whose methods reflect does not see.
func (r *resolver) userMethodDoc(recv, name, code string) (Doc, bool) {
	for _, src := range r.cellSources(code) {
		p, ok := parsePrefix(src)
		if !ok {
			continue
		}
		for _, decl := range p.decls.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || fd.Name.Name != name {
				continue
			}
			if recv != "" && receiverTypeName(fd.Recv.List[0].Type) != recv {
				continue
			}
			if decl, text, ok := declarationOf(p, decl, "", name); ok {
				return Doc{Name: name, Kind: KindMethod, Decl: decl, Text: text}, true
			}
		}
	}
	return Doc{}, false
}

// maxDroppedLines bounds the lines parsePrefix drops.
const maxDroppedLines = 8

// parsePrefix parses src, or else its longest prefix of whole lines that
// parses, dropping at most maxDroppedLines lines: the cell being edited
// usually ends in an unfinished line.
func parsePrefix(src string) (*parsedCell, bool) {
	for range maxDroppedLines + 1 {
		if p, err := parseCell(src); err == nil {
			return p, true
		}
		nl := strings.LastIndexByte(src, '\n')
		if nl < 0 {
			return nil, false
		}
		src = src[:nl]
	}
	return nil, false
}

// declarationOf returns the source and doc comment of decl when it
// declares the function, type, variable or constant name, or (name empty)
// a method called method.
func declarationOf(p *parsedCell, decl ast.Decl, name, method string) (src, doc string, ok bool) {
	switch decl := decl.(type) {
	case *ast.FuncDecl:
		isMethod := decl.Recv != nil
		if (name != "" && !isMethod && decl.Name.Name == name) || (method != "" && isMethod && decl.Name.Name == method) {
			header := *decl
			header.Body, header.Doc = nil, nil
			return printNode(p.fset, &header), decl.Doc.Text(), true
		}
	case *ast.GenDecl:
		if name == "" {
			return "", "", false
		}
		for _, spec := range decl.Specs {
			var names []*ast.Ident
			var specDoc *ast.CommentGroup
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				names, specDoc = []*ast.Ident{spec.Name}, spec.Doc
			case *ast.ValueSpec:
				names, specDoc = spec.Names, spec.Doc
			}
			for _, n := range names {
				if n.Name != name {
					continue
				}
				text := decl.Doc.Text()
				if specDoc != nil {
					text = specDoc.Text()
				}
				return decl.Tok.String() + " " + printNode(p.fset, spec), text, true
			}
		}
	}
	return "", "", false
}

// printNode prints an AST node as Go source.
func printNode(fset *token.FileSet, node any) string {
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, fset, node); err != nil {
		return ""
	}
	return buf.String()
}

// memberDoc returns the documentation of the field or method name of t
// (or of the type t points to), looking through embedded fields for
// promoted members.
func memberDoc(t reflect.Type, name string) (Doc, bool) {
	seen := map[reflect.Type]bool{}
	queue := []reflect.Type{t}
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		if t.Name() != "" && t.PkgPath() != "" {
			if d, ok := Lookup(t.PkgPath(), t.Name()+"."+name); ok {
				return d, true
			}
		}
		if t.Kind() == reflect.Struct {
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); f.Anonymous {
					queue = append(queue, f.Type)
				}
			}
		}
	}
	return Doc{}, false
}

// reflectMemberDoc describes a field or method of t from reflection alone,
// for types the documentation database does not cover.
func reflectMemberDoc(t reflect.Type, name string, addressable bool) (Doc, bool) {
	if m, ok := findMethod(t, name, addressable); ok {
		return Doc{Name: name, Kind: KindMethod, Decl: "func " + name + methodValueType(m.Type).String()[len("func"):]}, true
	}
	if f, ok := findField(t, name); ok {
		return Doc{Name: name, Kind: KindField, Decl: name + " " + f.Type.String()}, true
	}
	return Doc{}, false
}

// typeDoc returns the documentation of the named type t, or of the type t
// points to.
func typeDoc(t reflect.Type) (Doc, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return Doc{}, false
	}
	return Lookup(t.PkgPath(), t.Name())
}
