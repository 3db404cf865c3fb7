package session

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"reflect"
	"strings"
	"testing"
)

// FuzzSplitAndRewrite checks, for any cell, that splitting never panics and
// keeps each piece's text at the position it names, and that the rewrites
// applied to statements before they run never panic and always produce Go
// that parses again.
func FuzzSplitAndRewrite(f *testing.F) {
	for _, seed := range []string{
		"x := 1\ny := x + 1\n",
		"import \"fmt\"\nx := 1\nfunc f() int {\n\treturn x\n}\nfmt.Println(f())",
		"for i := range 3 {\n\tfmt.Print(i)\n}",
		"var fs []func() int\nfor _, v := range []int{1, 2} {\n\tfs = append(fs, func() int { return v })\n}",
		"for i := 0; i < 3; i++ {\n\tgo func() { println(i, min(i, 2), max(1, 2.5)) }()\n}",
		"m := map[string]int{}\nclear(m)\nfor k, v := range seq {\n\tv, err := f(k)\n\t_ = err\n}",
		"outer:\nfor i := range len(xs) {\n\tswitch {\n\tcase i > 1:\n\t\tbreak outer\n\t}\n}",
		"a := 1; var b = 2; a+b",
		"type T int\nfunc (t T) M() int { return 1 }\nfunc() { println() }()",
		"if a, b := 1, 2; a < b {\n\tvar c, d = a, b\n\t_, _ = c, d\n}",
		"`unterminated",
		"func (",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		lines := strings.Split(cell, "\n")
		for _, p := range splitCell(cell) {
			if p.line < 1 || p.line > len(lines) || p.col < 1 || p.col > len(lines[p.line-1])+1 {
				t.Fatalf("piece %q at %d:%d is outside the cell", p.src, p.line, p.col)
			}
			first := strings.SplitN(p.src, "\n", 2)[0]
			if !strings.HasPrefix(lines[p.line-1][p.col-1:], first) {
				t.Fatalf("piece %q does not start at %d:%d of the cell", p.src, p.line, p.col)
			}
			if p.kind == stmtUnit {
				rewriteParses(t, p.src)
			}
		}
	})
}

// rewriteParses rewrites the statements of src, when they parse, as a
// session does, and fails unless the result parses again.
func rewriteParses(t *testing.T, src string) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "cell.go", "package p\nfunc _() {\n"+src+"\n}\n", 0)
	if err != nil {
		return
	}
	body := file.Decls[0].(*ast.FuncDecl).Body
	next := 0
	r := &rewriter{
		shadowed:   map[string]string{},
		globalType: func(string) (reflect.Type, bool) { return nil, false },
		funcType:   func(string) *ast.FuncType { return nil },
		next:       &next,
	}
	if r.rewrite(body) != nil {
		return
	}
	r.typeTopLevel(body.List)
	body.List, _ = r.deferToCellEnd(body.List)
	r.scopeCompound(body.List)
	var out bytes.Buffer
	if err := printer.Fprint(&out, token.NewFileSet(), file); err != nil {
		t.Fatalf("printing the rewrite of %q: %v", src, err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "rewritten.go", out.Bytes(), 0); err != nil {
		t.Fatalf("the rewrite of %q does not parse: %v\n%s", src, err, out.Bytes())
	}
}
