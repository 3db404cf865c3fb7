package gocode

import (
	"go/ast"
	"go/parser"
	"go/token"
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

// scanBefore returns the tokens of code[:end] without comments and
// without the semicolon the scanner inserts at the end, and for each
// closing bracket the index of the token opening it.
func scanBefore(code string, end int) ([]scannedToken, map[int]int) {
	all, _ := scan(code[:end])
	var toks []scannedToken
	for _, t := range all {
		if t.tok != token.COMMENT {
			toks = append(toks, t)
		}
	}
	if n := len(toks); n > 0 && toks[n-1].tok == token.SEMICOLON && toks[n-1].lit == "\n" {
		toks = toks[:n-1]
	}
	opening := map[int]int{}
	var open []int
	for i, t := range toks {
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			open = append(open, i)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(open) > 0 {
				opening[i] = open[len(open)-1]
				open = open[:len(open)-1]
			}
		}
	}
	return toks, opening
}

// operandStart returns the start of the primary expression ending at end:
// identifiers joined by dots, with calls, index expressions and
// parentheses, such as mat.NewDense(2, 2, nil).T, xs[i].Name or
// (*mat.Dense). It returns end when there is none.
func operandStart(code string, end int) int {
	toks, opening := scanBefore(code, end)
	start := end
	i := len(toks) - 1
	for i >= 0 {
		switch t := toks[i]; t.tok {
		case token.IDENT:
			start, i = t.off, i-1
			if i < 0 || toks[i].tok != token.PERIOD {
				return start
			}
			i-- // the dot before the identifier
		case token.RPAREN, token.RBRACK:
			j, ok := opening[i]
			if !ok {
				return start
			}
			start, i = toks[j].off, j-1
			// A call or index continues with its operand; a
			// parenthesised expression may start the operand.
			if i < 0 {
				return start
			}
			switch toks[i].tok {
			case token.IDENT, token.RPAREN, token.RBRACK:
			default:
				return start
			}
		default:
			return start
		}
	}
	return start
}

// enclosingCall returns the offset of the '(' of the innermost call still
// open at byte offset off, or -1 when the innermost open bracket is not a
// parenthesis.
func enclosingCall(code string, off int) int {
	toks, opening := scanBefore(code, off)
	closed := map[int]bool{}
	for _, j := range opening {
		closed[j] = true
	}
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			if closed[i] {
				continue
			}
			if toks[i].tok == token.LPAREN {
				return toks[i].off
			}
			return -1
		}
	}
	return -1
}

// resolver finds what names and expressions denote, from the session's
// scope and the cell being edited.
type resolver struct {
	scope Scope
	// packages maps the import paths of the compiled packages to their
	// names.
	packages map[string]string
	// tables holds the symbol tables asked of the scope so far.
	tables map[string]map[string]reflect.Value
	// imports maps the package names cells use to import paths.
	imports map[string]string
	// byName maps package names to the import paths in the symbol
	// tables with that name, for packages not imported yet.
	byName map[string][]string
	// user maps the names declared by cells (and by the cell being
	// edited) to their kinds.
	user map[string]string
	// code is the cell being edited.
	code string
	// depth counts the variable definitions eval is following.
	depth int
}

func newResolver(code string, s Scope) *resolver {
	r := &resolver{scope: s, code: code, imports: map[string]string{}, byName: map[string][]string{}, user: map[string]string{},
		tables: map[string]map[string]reflect.Value{}}
	if s != nil {
		r.packages = s.Packages()
		for _, n := range s.Names() {
			if n.Kind == KindPackage {
				r.imports[n.Name] = n.Path
			} else {
				r.user[n.Name] = n.Kind
			}
		}
	}
	for p, name := range r.packages {
		r.byName[name] = append(r.byName[name], p)
	}
	for _, paths := range r.byName {
		sort.Strings(paths)
	}
	// The cells' sources, oldest first, then the cell being edited: the
	// session's names come first, but what it could not tell (a name
	// defined inside a statement, say) is read from source.
	if s != nil {
		for _, src := range s.Sources() {
			declaredIn(src, true, r.packageName, r.imports, r.user)
		}
	}
	declaredIn(code, false, r.packageName, r.imports, r.user)
	return r
}

// packageName returns the name of the package at import path p.
func (r *resolver) packageName(p string) string {
	if name, ok := r.packages[p]; ok {
		return name
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
	t, ok := r.tables[p]
	if !ok && r.scope != nil {
		t = r.scope.Symbols(p)
		r.tables[p] = t
	}
	return t
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
		return r.evalDefinition(x.Name)
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

// maxEvalDepth bounds how many variable definitions eval follows, which
// also stops it on definitions that refer to themselves (x = x.T()).
const maxEvalDepth = 8

// evalDefinition infers the type of a variable the interpreter does not
// know yet (defined in the cell being edited, say) from its definition.
func (r *resolver) evalDefinition(name string) (operand, bool) {
	if r.depth >= maxEvalDepth {
		return operand{}, false
	}
	def, ok := r.definitionOf(name, r.code)
	if !ok {
		return operand{}, false
	}
	r.depth++
	defer func() { r.depth-- }()
	if def.typ != nil {
		o, ok := r.eval(def.typ)
		if !ok || !o.isType {
			return operand{}, false
		}
		return operand{typ: o.typ}, true
	}
	if call, ok := def.value.(*ast.CallExpr); ok && def.index > 0 {
		f, ok := r.eval(call.Fun)
		if !ok || f.typ == nil || f.isType || f.typ.Kind() != reflect.Func || f.typ.NumOut() <= def.index {
			return operand{}, false
		}
		return operand{typ: f.typ.Out(def.index)}, true
	}
	o, ok := r.eval(def.value)
	if !ok || o.isType || o.pkg != "" {
		return operand{}, false
	}
	return o, true
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
