package gocode

import (
	"go/ast"
	"go/token"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/golign/golign/kernel/gocode/internal/docdb"
)

// Completion is the answer to a complete_request.
type Completion struct {
	// Matches are the completions, sorted by text.
	Matches []Match
	// CursorStart and CursorEnd delimit, in code points, the text the
	// matches replace: the identifier at the cursor. Matches complete
	// its part before the cursor.
	CursorStart, CursorEnd int
}

// Match is one completion.
type Match struct {
	// Text replaces the code between CursorStart and CursorEnd.
	Text string
	// Type is one of the Kind constants.
	Type string
	// Signature is the declaration of a function or method, or the type
	// of a variable, constant or field; empty when unknown.
	Signature string
}

// keywords are Go's keywords.
var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
}

// builtins are the predeclared identifiers: types, constants, nil and
// functions.
var builtins = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable",
	"complex", "complex128", "complex64", "copy", "delete", "error", "false",
	"float32", "float64", "imag", "int", "int16", "int32", "int64", "int8",
	"iota", "len", "make", "max", "min", "new", "nil", "panic", "print",
	"println", "real", "recover", "rune", "string", "true", "uint", "uint16",
	"uint32", "uint64", "uint8", "uintptr",
}

// Complete lists the completions of the identifier ending at cursor (in
// code points) in code: after "pkg." the members of the package; after an
// operand of known type such as "m." (m a *mat.Dense) or
// "mat.NewDense(2, 2, nil)." its fields and methods; after a type such as
// "mat.Dense." its methods; elsewhere the names declared by the cells and
// by code itself, imported packages, keywords and builtins.
func Complete(code string, cursor int, s Scope) Completion {
	end := byteOffset(code, cursor)
	start := identStart(code, end)
	prefix := code[start:end]
	// A match replaces the whole identifier, also the part after the
	// cursor.
	c := Completion{CursorStart: codePoints(code, start), CursorEnd: codePoints(code, identEnd(code, end))}
	if inStringOrComment(code, start) {
		return c
	}
	r := newResolver(code, s)
	var candidates []Match
	if start > 0 && code[start-1] == '.' {
		x := parseOperand(code[operandStart(code, start-1) : start-1])
		if x == nil {
			return c
		}
		if o, ok := r.eval(x); ok {
			if o.pkg != "" {
				candidates = r.packageMembers(o.pkg)
			} else {
				candidates = typeMembers(o.typ, !o.isType, o.isType)
			}
		}
		// Methods of the cells' own types, which reflect does not see.
		if id, ok := x.(*ast.Ident); ok {
			if t, ok := r.userTypeName(id.Name, code); ok {
				candidates = append(candidates, r.userMethods(t, code)...)
			} else if r.user[id.Name] == KindType {
				candidates = append(candidates, r.userMethods(id.Name, code)...)
			}
		}
	} else {
		candidates = r.scopeNames()
	}
	seen := map[string]bool{}
	for _, m := range candidates {
		if strings.HasPrefix(m.Text, prefix) && !seen[m.Text] {
			seen[m.Text] = true
			c.Matches = append(c.Matches, m)
		}
	}
	sort.Slice(c.Matches, func(i, j int) bool { return c.Matches[i].Text < c.Matches[j].Text })
	return c
}

// inStringOrComment reports whether byte offset off of code lies inside a
// string literal or a comment.
func inStringOrComment(code string, off int) bool {
	toks, _ := scan(code[:off])
	// Drop the semicolons the scanner inserts at the end.
	for len(toks) > 0 && toks[len(toks)-1].tok == token.SEMICOLON && toks[len(toks)-1].lit == "\n" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	end := last.off + len(tokenText(last))
	switch last.tok {
	case token.STRING, token.CHAR:
		return end > off || !closedLiteral(last.lit)
	case token.COMMENT:
		return strings.HasPrefix(last.lit, "//") || !strings.HasSuffix(last.lit, "*/") || end > off
	}
	return false
}

// closedLiteral reports whether a scanned string or rune literal has its
// closing quote (the scanner returns unterminated ones too).
func closedLiteral(lit string) bool {
	return len(lit) >= 2 && lit[len(lit)-1] == lit[0] && !strings.HasSuffix(lit, `\`+lit[:1])
}

// scopeNames lists the names usable at the start of an identifier.
func (r *resolver) scopeNames() []Match {
	var ms []Match
	for name, kind := range r.user {
		m := Match{Text: name, Type: kind}
		if r.scope != nil {
			if t, ok := r.scope.TypeOf(name); ok && t != nil {
				m.Signature = t.String()
			}
		}
		ms = append(ms, m)
	}
	for name, p := range r.imports {
		ms = append(ms, Match{Text: name, Type: KindPackage, Signature: p})
	}
	for _, k := range keywords {
		ms = append(ms, Match{Text: k, Type: KindKeyword})
	}
	for _, b := range builtins {
		m := Match{Text: b, Type: KindBuiltin}
		if d, ok := Lookup("builtin", b); ok {
			m.Signature = d.Decl
		}
		ms = append(ms, m)
	}
	return ms
}

// SourcePackages are the generic standard packages that cells get from
// source the interpreter compiles (package stdlib's GenericSources and
// yaegi's own) rather than from symbol tables, which cannot hold generic
// functions: their completions come from the documentation database.
var SourcePackages = []string{"cmp", "maps", "slices"}

// packageMembers lists the exported names of the package at import path p,
// with their declarations from the documentation database.
func (r *resolver) packageMembers(p string) []Match {
	var ms []Match
	if slices.Contains(SourcePackages, p) {
		if pd, ok := database()[p]; ok {
			for name, e := range pd.Entries {
				if e.Kind == docdb.Func || e.Kind == docdb.Type {
					ms = append(ms, Match{Text: name, Type: kindOfEntry[e.Kind], Signature: firstLine(e.Decl)})
				}
			}
		}
	}
	for name, v := range r.table(p) {
		if strings.HasPrefix(name, "_") {
			continue
		}
		m := Match{Text: name, Type: symbolKind(v)}
		if d, ok := Lookup(p, name); ok {
			m.Signature = firstLine(d.Decl)
		} else if m.Type != KindType {
			m.Signature = v.Type().String()
		}
		ms = append(ms, m)
	}
	return ms
}

// typeMembers lists the exported fields and methods of a value of type t
// (addressable: pointer methods count too), or the methods of the type t
// itself (method expressions, isType).
func typeMembers(t reflect.Type, addressable, isType bool) []Match {
	var ms []Match
	methodsOf := func(t reflect.Type) {
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			if !m.IsExported() {
				continue
			}
			ms = append(ms, Match{Text: m.Name, Type: KindMethod, Signature: methodSignature(t, m)})
		}
	}
	methodsOf(t)
	if addressable && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		methodsOf(reflect.PointerTo(t))
	}
	if isType {
		return ms
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for _, f := range reflect.VisibleFields(st) {
			if f.IsExported() {
				ms = append(ms, Match{Text: f.Name, Type: KindField, Signature: f.Type.String()})
			}
		}
	}
	return ms
}

// methodSignature returns the declaration of method m of t from the
// documentation database, or else built from its reflect type.
func methodSignature(t reflect.Type, m reflect.Method) string {
	if d, ok := memberDoc(t, m.Name); ok {
		return firstLine(d.Decl)
	}
	ft := m.Type
	if t.Kind() != reflect.Interface {
		ft = methodValueType(ft)
	}
	return "func " + m.Name + strings.TrimPrefix(ft.String(), "func")
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
