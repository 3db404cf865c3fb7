package session

import (
	"go/ast"
	"strings"
)

// universe are Go's predeclared identifiers.
var universe = nameSet{}

func init() {
	for _, n := range strings.Fields(`any bool byte comparable complex64 complex128 error float32 float64
		int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr
		true false iota nil append cap clear close complex copy delete imag len make max min new
		panic print println real recover _`) {
		universe[n] = true
	}
}

// undefinedIn returns an error naming the first identifier of n that
// nothing defines: the interpreter reports some of them as a "definition
// loop" instead.
func (s *Session) undefinedIn(n ast.Node) error {
	defined := nameSet{}
	def := func(ids ...*ast.Ident) {
		for _, id := range ids {
			defined[id.Name] = true
		}
	}
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					def(id)
				}
			}
		case *ast.ValueSpec:
			def(n.Names...)
		case *ast.Field:
			def(n.Names...)
		case *ast.TypeSpec:
			def(n.Name)
		case *ast.FuncDecl:
			def(n.Name)
		case *ast.LabeledStmt:
			def(n.Label)
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok {
					def(id)
				}
			}
		case *ast.ImportSpec:
			if n.Name != nil {
				def(n.Name)
			}
		}
		return true
	})
	globals := s.globals()
	known := func(name string) bool {
		_, global := globals[name]
		_, imported := s.imports[name]
		_, declared := s.declared[name]
		return defined[name] || universe[name] || global || imported || declared || strings.HasPrefix(name, "_golign")
	}
	var missing *ast.Ident
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if missing != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.SelectorExpr:
			ast.Inspect(n.X, visit)
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.Ident); !ok {
				ast.Inspect(n.Key, visit)
			}
			ast.Inspect(n.Value, visit)
			return false
		case *ast.BranchStmt:
			return false
		case *ast.Ident:
			if !known(n.Name) {
				missing = n
			}
		}
		return true
	}
	ast.Inspect(n, visit)
	if missing == nil {
		return nil
	}
	return &posError{pos: missing.Pos(), msg: "undefined: " + missing.Name}
}
