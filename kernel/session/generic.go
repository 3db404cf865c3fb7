package session

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sync"

	"github.com/golign/golign/stdlib"
)

// The generic functions cells call are interpreted from source: the min
// and max helpers of the prelude, the packages slices and maps of
// stdlib.GenericSources and the generic functions cells declare. The interpreter instantiates them inside function
// bodies, but its analysis of top-level statements cannot type their
// results: mx := slices.Max(s), lo := min(a, b) or
// ks := slices.Sorted(maps.Keys(m)) at a cell's top level fail with "nil
// reflect type", and a range over an iterator one returns fails with "nil
// type" wherever it is. golign infers the type arguments itself, the way
// Go does for these signatures: by matching each parameter's type against
// its argument's ([]E against []float64 gives E = float64; func(yield
// func(K) bool) against the type of maps.Keys(m)'s result gives K), with
// constants taking their default types. From the bindings it builds the
// result types, which let a top-level x := f(...) become x := (T)(f(...))
// and a range over an iterator become a call with a yield function
// of written types.

// genericSignatures returns the signatures of the generic functions cells
// get from source, by import path; the prelude's helpers are under "".
var genericSignatures = sync.OnceValue(func() map[string]map[string]*ast.FuncType {
	out := map[string]map[string]*ast.FuncType{}
	sources := map[string]string{"": "package main\n" + prelude}
	for _, src := range stdlib.GenericSources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
		if err == nil {
			sources[f.Name.Name] = src
		}
	}
	for path, src := range sources {
		// The sources are embedded and compiled by their packages' tests
		// (the prelude by every session): they parse.
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		funcs := map[string]*ast.FuncType{}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams != nil {
				funcs[fd.Name.Name] = fd.Type
			}
		}
		out[path] = funcs
	}
	return out
})

// predeclaredTypes are the types the generic signatures name without a
// package.
var predeclaredTypes = map[string]reflect.Type{
	"bool": reflect.TypeFor[bool](), "string": reflect.TypeFor[string](), "int": reflect.TypeFor[int](),
	"int8": reflect.TypeFor[int8](), "int16": reflect.TypeFor[int16](), "int32": reflect.TypeFor[int32](),
	"int64": reflect.TypeFor[int64](), "uint": reflect.TypeFor[uint](), "uint8": reflect.TypeFor[uint8](),
	"uint16": reflect.TypeFor[uint16](), "uint32": reflect.TypeFor[uint32](), "uint64": reflect.TypeFor[uint64](),
	"uintptr": reflect.TypeFor[uintptr](), "float32": reflect.TypeFor[float32](), "float64": reflect.TypeFor[float64](),
	"complex64": reflect.TypeFor[complex64](), "complex128": reflect.TypeFor[complex128](),
	"byte": reflect.TypeFor[byte](), "rune": reflect.TypeFor[rune](), "any": reflect.TypeFor[any](),
}

// constantTypes are the default types of constants by literal kind.
var constantTypes = map[token.Token]reflect.Type{
	token.INT: reflect.TypeFor[int](), token.FLOAT: reflect.TypeFor[float64](), token.CHAR: reflect.TypeFor[rune](),
	token.STRING: reflect.TypeFor[string](), token.IMAG: reflect.TypeFor[complex128](),
}

// genericSignature returns the signature of the generic function call
// calls (of source, or declared by a cell), or nil when it calls something
// else.
func (r *rewriter) genericSignature(call *ast.CallExpr, local map[string]reflect.Type) *ast.FuncType {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		if f.Name == minHelper || f.Name == maxHelper {
			return genericSignatures()[""][f.Name]
		}
		if _, isLocal := local[f.Name]; !isLocal && r.funcType != nil {
			if ft := r.funcType(f.Name); ft != nil && ft.TypeParams != nil {
				return ft
			}
		}
	case *ast.SelectorExpr:
		pkg, ok := f.X.(*ast.Ident)
		if !ok || !r.isPackage(pkg) {
			return nil
		}
		if _, isLocal := local[pkg.Name]; isLocal {
			return nil
		}
		return genericSignatures()[r.importPath(pkg.Name)][f.Sel.Name]
	}
	return nil
}

// genericResults returns the result types of call when it calls a generic
// function of source whose type arguments its arguments' types determine;
// nil otherwise.
func (r *rewriter) genericResults(call *ast.CallExpr, local map[string]reflect.Type) []reflect.Type {
	sig := r.genericSignature(call, local)
	if sig == nil || call.Ellipsis.IsValid() {
		return nil
	}
	params := map[string]bool{}
	for _, f := range sig.TypeParams.List {
		for _, n := range f.Names {
			params[n.Name] = true
		}
	}
	types := fieldTypes(sig.Params)
	bound := map[string]reflect.Type{}
	// Typed arguments first, then constants with their default types, as
	// Go infers.
	for _, constants := range []bool{false, true} {
		for i, arg := range call.Args {
			var pt ast.Expr
			switch {
			case len(types) == 0:
				return nil
			case i < len(types)-1:
				pt = types[i]
			default:
				pt = types[len(types)-1]
				if e, ok := pt.(*ast.Ellipsis); ok {
					pt = e.Elt
				} else if i >= len(types) {
					return nil
				}
			}
			if constantLiteral(arg) != constants {
				continue
			}
			if t := r.exprType(arg, local); t != nil {
				unify(pt, t, params, bound)
			}
		}
	}
	var out []reflect.Type
	for _, rt := range fieldTypes(sig.Results) {
		t := buildType(rt, bound, params)
		if t == nil {
			return nil
		}
		out = append(out, t)
	}
	return out
}

// fieldTypes lists the type of each entry of fields, a type per name.
func fieldTypes(fields *ast.FieldList) []ast.Expr {
	if fields == nil {
		return nil
	}
	var out []ast.Expr
	for _, f := range fields.List {
		for range max(len(f.Names), 1) {
			out = append(out, f.Type)
		}
	}
	return out
}

// unify matches the type expression pt of a generic signature against
// the type t of an argument and binds the type parameters it meets that
// are not bound yet.
func unify(pt ast.Expr, t reflect.Type, params map[string]bool, bound map[string]reflect.Type) {
	switch p := pt.(type) {
	case *ast.Ident:
		if params[p.Name] && bound[p.Name] == nil {
			bound[p.Name] = t
		}
	case *ast.ParenExpr:
		unify(p.X, t, params, bound)
	case *ast.ArrayType:
		if p.Len == nil && t.Kind() == reflect.Slice {
			unify(p.Elt, t.Elem(), params, bound)
		}
	case *ast.MapType:
		if t.Kind() == reflect.Map {
			unify(p.Key, t.Key(), params, bound)
			unify(p.Value, t.Elem(), params, bound)
		}
	case *ast.FuncType:
		in, out := fieldTypes(p.Params), fieldTypes(p.Results)
		if t.Kind() != reflect.Func || t.NumIn() != len(in) || t.NumOut() != len(out) {
			return
		}
		for i, e := range in {
			unify(e, t.In(i), params, bound)
		}
		for i, e := range out {
			unify(e, t.Out(i), params, bound)
		}
	}
}

// buildType returns the type the type expression e of a generic signature
// stands for with the type parameters bound, or nil when a parameter is
// unbound or e has a form the signatures do not use.
func buildType(e ast.Expr, bound map[string]reflect.Type, params map[string]bool) reflect.Type {
	switch x := e.(type) {
	case *ast.Ident:
		if params[x.Name] {
			return bound[x.Name]
		}
		return predeclaredTypes[x.Name]
	case *ast.ParenExpr:
		return buildType(x.X, bound, params)
	case *ast.ArrayType:
		if x.Len == nil {
			if elem := buildType(x.Elt, bound, params); elem != nil {
				return reflect.SliceOf(elem)
			}
		}
	case *ast.MapType:
		k, v := buildType(x.Key, bound, params), buildType(x.Value, bound, params)
		if k != nil && v != nil && k.Comparable() {
			return reflect.MapOf(k, v)
		}
	case *ast.FuncType:
		var in, out []reflect.Type
		variadic := false
		for _, p := range fieldTypes(x.Params) {
			if el, ok := p.(*ast.Ellipsis); ok {
				p, variadic = &ast.ArrayType{Elt: el.Elt}, true
			}
			t := buildType(p, bound, params)
			if t == nil {
				return nil
			}
			in = append(in, t)
		}
		for _, p := range fieldTypes(x.Results) {
			t := buildType(p, bound, params)
			if t == nil {
				return nil
			}
			out = append(out, t)
		}
		return reflect.FuncOf(in, out, variadic)
	}
	return nil
}

// exprType returns the type of e when golign can tell it: a constant's
// default type, a conversion to a predeclared type, a composite or
// function literal written in predeclared types, the result of a generic
// function of source, or what valueType tells; nil otherwise.
func (r *rewriter) exprType(e ast.Expr, local map[string]reflect.Type) reflect.Type {
	switch x := e.(type) {
	case *ast.BasicLit:
		return constantTypes[x.Kind]
	case *ast.ParenExpr:
		return r.exprType(x.X, local)
	case *ast.CompositeLit:
		if x.Type != nil && r.writtenInPredeclared(x.Type) {
			return buildType(x.Type, nil, nil)
		}
	case *ast.FuncLit:
		if r.writtenInPredeclared(x.Type) {
			return buildType(x.Type, nil, nil)
		}
	case *ast.CallExpr:
		if t, ok := r.converted[x]; ok {
			return t
		}
		if id, ok := x.Fun.(*ast.Ident); ok && len(x.Args) == 1 && r.shadowed[id.Name] == "" {
			if t := predeclaredTypes[id.Name]; t != nil && id.Name != "any" {
				if _, isLocal := local[id.Name]; !isLocal {
					return t
				}
			}
		}
	}
	return r.valueType(e, local)
}

// writtenInPredeclared tells whether the type expression e names only
// predeclared types the cell does not shadow (the names of a function
// type's parameters aside).
func (r *rewriter) writtenInPredeclared(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Field:
			ok = ok && r.writtenInPredeclared(n.Type)
			return false
		case *ast.Ident:
			ok = ok && predeclaredTypes[n.Name] != nil && r.shadowed[n.Name] == ""
		}
		return ok
	})
	return ok
}

// convertGenericArgs converts, in the calls of generic functions of source
// in e (function literals left out), each argument that is a global
// variable of compiled composite type, or the result of a compiled
// function, to its own type (see convertGlobal): the interpreter cannot
// instantiate a generic function from a compiled value's type, and
// slices.Sort(words) with words := strings.Fields(s) fails as written.
// local holds the types of the variables the statements at hand declared,
// nil outside a cell's top level.
func (r *rewriter) convertGenericArgs(e ast.Expr, local map[string]reflect.Type) {
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if r.genericSignature(x, local) != nil {
				for i, a := range x.Args {
					x.Args[i] = r.convertGlobal(a, local, false)
				}
			}
		}
		return true
	})
}
