package session

import (
	"reflect"
	"testing"
)

func TestSplitCell(t *testing.T) {
	tests := []struct {
		name string
		cell string
		want []piece
	}{
		{"statements", "x := 1\ny := x + 1\n", []piece{{stmtUnit, "x := 1\ny := x + 1", 1, 1}}},
		{"mixed", "import \"fmt\"\nx := 1\nfunc f() int {\n\treturn x\n}\nfmt.Println(f())",
			[]piece{
				{importUnit, "import \"fmt\"", 1, 1},
				{stmtUnit, "x := 1", 2, 1},
				{declUnit, "func f() int {\n\treturn x\n}", 3, 1},
				{stmtUnit, "fmt.Println(f())", 6, 1},
			}},
		{"two imports stay apart", "import \"fmt\"\nimport (\n\t\"os\"\n)\n",
			[]piece{{importUnit, "import \"fmt\"", 1, 1}, {importUnit, "import (\n\t\"os\"\n)", 2, 1}}},
		{"method and literal", "type T int\nfunc (t T) M() int { return 1 }\nfunc() { println() }()\nfunc(x int) int { return x }(2)",
			[]piece{
				{declUnit, "type T int\nfunc (t T) M() int { return 1 }", 1, 1},
				{stmtUnit, "func() { println() }()\nfunc(x int) int { return x }(2)", 3, 1},
			}},
		{"semicolons on one line", "a := 1; var b = 2; a+b",
			[]piece{{stmtUnit, "a := 1", 1, 1}, {declUnit, "var b = 2", 1, 9}, {stmtUnit, "a+b", 1, 20}}},
		{"comments", "// setup\nx := 1 // one\n\n/* block */ func g() {}\n",
			[]piece{{stmtUnit, "x := 1 // one", 2, 1}, {declUnit, "func g() {}", 4, 13}}},
		{"empty", "  \n// nothing\n", nil},
		{"package clause", "package main\n\nimport \"fmt\"\n", []piece{{importUnit, "import \"fmt\"", 3, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitCell(tt.cell)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitCell(%q)\n got %#v\nwant %#v", tt.cell, got, tt.want)
			}
		})
	}
}
