package gocode

import "testing"

func TestIsComplete(t *testing.T) {
	tests := []struct {
		name, code  string
		status, ind string
	}{
		{"empty", "", StatusComplete, ""},
		{"expression", "1 + 2", StatusComplete, ""},
		{"statement", "x := 3\nx++", StatusComplete, ""},
		{"declarations and statements mixed", "import \"fmt\"\nfunc f() int { return 1 }\nx := f()\nfmt.Println(x)", StatusComplete, ""},
		{"method declaration", "type P struct{ X float64 }\nfunc (p P) Norm() float64 { return p.X }\np := P{3}\np.Norm()", StatusComplete, ""},
		{"whole program", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(1)\n}\n", StatusComplete, ""},
		{"function literal called", "func() { println(1) }()", StatusComplete, ""},
		{"help request", "mat.NewDense?", StatusComplete, ""},
		{"detailed help request", "m.At??", StatusComplete, ""},
		{"question mark in code", "x := 1 ? 2", StatusInvalid, ""},
		{"open brace", "func f() {", StatusIncomplete, "\t"},
		{"open brace indented", "func f() {\n\tif true {", StatusIncomplete, "\t\t"},
		{"open paren of a call", "fmt.Println(1,", StatusIncomplete, "\t"},
		{"open bracket", "xs := []int{\n\t1,", StatusIncomplete, "\t"},
		{"import group", "import (\n\t\"fmt\"", StatusIncomplete, "\t"},
		{"raw string", "s := `line one\nline two", StatusIncomplete, ""},
		{"block comment", "/* still", StatusIncomplete, ""},
		{"trailing binary operator", "x := 1 +", StatusIncomplete, "\t"},
		{"trailing operator indented", "\ty := a &&", StatusIncomplete, "\t\t"},
		{"trailing comma", "f(a,\n\tb,", StatusIncomplete, "\t"},
		{"trailing dot of a method chain", "p.Add(x).", StatusIncomplete, "\t"},
		{"trailing assignment", "x =", StatusIncomplete, "\t"},
		{"trailing keyword", "return", StatusComplete, ""},
		{"unbalanced close", "x := 1)", StatusInvalid, ""},
		{"mismatched brackets", "f(]", StatusInvalid, ""},
		{"garbage", "x := := 2", StatusInvalid, ""},
		{"unterminated string", "s := \"abc\nt := 1", StatusInvalid, ""},
		{"bad token", "x := 1 @ 2", StatusInvalid, ""},
		{"else on its own line", "if x {\n}\nelse {\n}", StatusInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, indent := IsComplete(tt.code)
			if status != tt.status || indent != tt.ind {
				t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.ind)
			}
		})
	}
}
