package gocode

import (
	"go/ast"
	"go/parser"
	"path"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// byteOffset converts a cursor counted in code points to a byte offset of
// code, clamped to the code.
func byteOffset(code string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	n := 0
	for i := range code {
		if n == cursor {
			return i
		}
		n++
	}
	return len(code)
}

// codePoints converts a byte offset of code to a count of code points.
func codePoints(code string, off int) int {
	return utf8.RuneCountInString(code[:off])
}

func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// identStart returns the start of the identifier characters ending at off.
func identStart(code string, off int) int {
	for off > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:off])
		if !isIdentRune(r) {
			break
		}
		off -= size
	}
	return off
}

// identEnd returns the end of the identifier characters starting at off.
func identEnd(code string, off int) int {
	for off < len(code) {
		r, size := utf8.DecodeRuneInString(code[off:])
		if !isIdentRune(r) {
			break
		}
		off += size
	}
	return off
}

// operandStart returns the start of the primary expression ending at end:
// identifiers joined by dots, with calls and index expressions, such as
// mat.NewDense(2, 2, nil).T or xs[i].Name. It returns end when there is
// none.
func operandStart(code string, end int) int {
	i := end
	for i > 0 {
		c := code[i-1]
		switch {
		case c == ')' || c == ']':
			open := matchingOpen(code, i-1)
			if open < 0 {
				return i
			}
			i = open
		case c == '.':
			i--
		case c < utf8.RuneSelf && !isIdentRune(rune(c)):
			return i
		default:
			j := identStart(code, i)
			if j == i {
				return i
			}
			i = j
		}
	}
	return i
}

// matchingOpen returns the offset of the bracket opening the one closed at
// code[close], skipping string and rune literals, or -1.
func matchingOpen(code string, close int) int {
	depth := 0
	for i := close; i >= 0; i-- {
		switch code[i] {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return i
			}
		case '"', '\'', '`':
			q := code[i]
			j := strings.LastIndexByte(code[:i], q)
			if j < 0 {
				return -1
			}
			i = j
		}
	}
	return -1
}

// enclosingCall returns the offset of the innermost '(' before off that is
// still open at off, or -1.
func enclosingCall(code string, off int) int {
	depth := 0
	for i := off - 1; i >= 0; i-- {
		switch code[i] {
		case ')', ']', '}':
			depth++
		case '[', '{':
			if depth == 0 {
				return -1
			}
			depth--
		case '(':
			if depth == 0 {
				return i
			}
			depth--
		case '\n':
			if depth == 0 && i > 0 && strings.TrimSpace(code[:i]) == "" {
				return -1
			}
		}
	}
	return -1
}

// resolver finds what names and expressions denote, from the session's
// scope and the cell being edited.
type resolver struct {
	scope   Scope
	symbols map[string]map[string]reflect.Value
	// imports maps the package names cells use to import paths.
	imports map[string]string
	// byName maps package names to the import paths in the symbol
	// tables with that name, for packages not imported yet.
	byName map[string][]string
	// user maps the names declared by cells (and by the cell being
	// edited) to their kinds.
	user map[string]string
}

func newResolver(code string, s Scope) *resolver {
	r := &resolver{scope: s, imports: map[string]string{}, byName: map[string][]string{}, user: map[string]string{}}
	if s != nil {
		r.symbols = s.Symbols()
		for _, n := range s.Names() {
			if n.Kind == KindPackage {
				r.imports[n.Name] = n.Path
			} else {
				r.user[n.Name] = n.Kind
			}
		}
	}
	for key := range r.symbols {
		if p, name := path.Dir(key), path.Base(key); p != "." {
			r.byName[name] = append(r.byName[name], p)
		}
	}
	for _, paths := range r.byName {
		sort.Strings(paths)
	}
	declaredIn(code, r.packageName, r.imports, r.user)
	return r
}

// packageName returns the name of the package at import path p.
func (r *resolver) packageName(p string) string {
	for key := range r.symbols {
		if path.Dir(key) == p {
			return path.Base(key)
		}
	}
	return defaultPackageName(p)
}

// packagePath returns the import path a package name denotes: an import
// of the cells, or else the only package of the symbol tables with that
// name.
func (r *resolver) packagePath(name string) (string, bool) {
	if _, shadowed := r.user[name]; shadowed {
		return "", false
	}
	if p, ok := r.imports[name]; ok {
		return p, true
	}
	if paths := r.byName[name]; len(paths) == 1 {
		return paths[0], true
	}
	return "", false
}

// table returns the symbol table of the package at import path p.
func (r *resolver) table(p string) map[string]reflect.Value {
	for key, t := range r.symbols {
		if path.Dir(key) == p {
			return t
		}
	}
	return nil
}

// symbolKind tells what a symbol table entry is: yaegi stores types as nil
// pointers to them, variables as addressable values, functions as func
// values and constants as other values.
func symbolKind(v reflect.Value) string {
	switch {
	case !v.IsValid():
		return ""
	case v.CanAddr():
		return KindVar
	case v.Kind() == reflect.Func:
		return KindFunc
	case v.Kind() == reflect.Pointer && v.IsNil():
		return KindType
	}
	return KindConst
}

// operand is what an expression denotes.
type operand struct {
	pkg    string       // a package: its import path
	typ    reflect.Type // the type of a value, or the type named (isType)
	isType bool
}

// eval resolves a primary expression to the package, type or value type it
// denotes.
func (r *resolver) eval(x ast.Expr) (operand, bool) {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return r.eval(x.X)
	case *ast.Ident:
		if p, ok := r.packagePath(x.Name); ok {
			return operand{pkg: p}, true
		}
		if r.scope != nil {
			if t, ok := r.scope.TypeOf(x.Name); ok && t != nil {
				return operand{typ: t}, true
			}
		}
	case *ast.StarExpr:
		o, ok := r.eval(x.X)
		if !ok || o.typ == nil {
			return operand{}, false
		}
		if o.isType {
			return operand{typ: reflect.PointerTo(o.typ), isType: true}, true
		}
		if o.typ.Kind() == reflect.Pointer {
			return operand{typ: o.typ.Elem()}, true
		}
	case *ast.SelectorExpr:
		o, ok := r.eval(x.X)
		if !ok {
			return operand{}, false
		}
		if o.pkg != "" {
			v, ok := r.table(o.pkg)[x.Sel.Name]
			if !ok {
				return operand{}, false
			}
			if symbolKind(v) == KindType {
				return operand{typ: v.Type().Elem(), isType: true}, true
			}
			return operand{typ: v.Type()}, true
		}
		if o.typ == nil {
			return operand{}, false
		}
		if m, ok := findMethod(o.typ, x.Sel.Name, !o.isType); ok {
			if o.isType {
				return operand{typ: m.Type}, true
			}
			return operand{typ: methodValueType(m.Type)}, true
		}
		if f, ok := findField(o.typ, x.Sel.Name); ok && !o.isType {
			return operand{typ: f.Type}, true
		}
	case *ast.CallExpr:
		o, ok := r.eval(x.Fun)
		if !ok || o.typ == nil {
			return operand{}, false
		}
		if o.isType { // a conversion
			return operand{typ: o.typ}, true
		}
		if o.typ.Kind() == reflect.Func && o.typ.NumOut() > 0 {
			return operand{typ: o.typ.Out(0)}, true
		}
	case *ast.IndexExpr:
		o, ok := r.eval(x.X)
		if !ok || o.typ == nil || o.isType {
			return operand{}, false
		}
		t := o.typ
		if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Array {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			return operand{typ: t.Elem()}, true
		case reflect.String:
			return operand{typ: reflect.TypeFor[byte]()}, true
		}
	case *ast.CompositeLit:
		if x.Type == nil {
			return operand{}, false
		}
		o, ok := r.eval(x.Type)
		if ok && o.isType {
			return operand{typ: o.typ}, true
		}
	}
	return operand{}, false
}

// parseOperand parses the primary expression text; it returns nil for text
// that is not one.
func parseOperand(text string) ast.Expr {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	x, err := parser.ParseExpr(text)
	if err != nil {
		return nil
	}
	return x
}

// methodValueType returns the type of a method value given the type of the
// method as reflect.Type.Method returns it for a concrete type (receiver
// first).
func methodValueType(t reflect.Type) reflect.Type {
	return reflect.FuncOf(inTypes(t)[1:], outTypes(t), t.IsVariadic())
}

// findMethod looks up the exported method name of t, and of *t when
// addressable (a variable of type t can call pointer methods).
func findMethod(t reflect.Type, name string, addressable bool) (reflect.Method, bool) {
	if m, ok := t.MethodByName(name); ok {
		if t.Kind() == reflect.Interface {
			// Interface methods have no receiver in their type.
			m.Type = reflect.FuncOf(append([]reflect.Type{t}, inTypes(m.Type)...), outTypes(m.Type), m.Type.IsVariadic())
		}
		return m, true
	}
	if addressable && t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		return reflect.PointerTo(t).MethodByName(name)
	}
	return reflect.Method{}, false
}

func inTypes(t reflect.Type) []reflect.Type {
	in := make([]reflect.Type, t.NumIn())
	for i := range in {
		in[i] = t.In(i)
	}
	return in
}

func outTypes(t reflect.Type) []reflect.Type {
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return out
}

// findField looks up the exported field name of the struct t or *t,
// promoted fields included.
func findField(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	f, ok := t.FieldByName(name)
	if !ok || !f.IsExported() {
		return reflect.StructField{}, false
	}
	return f, true
}
