package session

import (
	"fmt"
	"runtime"
	"testing"
)

// liveHeap returns the bytes of the heap still reachable after a garbage
// collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestTopLevelValuesAreReleased runs cells that each build an 80 KiB slice
// at top level — as a redeclared variable, a reassigned one, a temporary of
// an expression, the cell's result, a variable of a loop body — and checks
// that the live heap does not keep them: without releasing the
// interpreter's global slots it grew by about 85 KiB a cell.
func TestTopLevelValuesAreReleased(t *testing.T) {
	const cells, words = 100, 10000
	big := fmt.Sprintf("make([]int, %d)", words)
	cases := []struct{ name, setup, cell string }{
		{"redeclared variable", "", "x := " + big},
		{"two variables redeclared", "", "a, b := " + big + ", 1"},
		{"reassigned variable", "var y []int", "y = append(" + big + ", 1)"},
		{"temporary", "", "_ = len(" + big + ")"},
		{"printed temporary", `import "fmt"`, "fmt.Println(len(" + big + "))"},
		{"result", "", "len(" + big + ")"},
		{"loop body", "", "for i := 0; i < 2; i++ {\nz := " + big + "\n_ = z\n}"},
		{"closure called at once", "", "func() int { return len(" + big + ") }()"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t)
			if s.releaser == nil {
				t.Fatal("the session cannot reach the interpreter's global frame")
			}
			if c.setup != "" {
				mustExec(t, s, c.setup)
			}
			mustExec(t, s, c.cell)
			before := liveHeap()
			for range cells {
				mustExec(t, s, c.cell)
			}
			perCell := float64(liveHeap()-before) / cells
			// Compiling a cell keeps a few hundred bytes (frame slots,
			// source positions); the slice is 8 bytes a word.
			if limit := float64(words*8) / 16; perCell > limit {
				t.Errorf("the live heap grew by %.0f bytes a cell (limit %.0f): top-level values are kept", perCell, limit)
			}
		})
	}
}

// TestReleaseKeepsWhatIsReachable checks that releasing the global slots
// after each cell leaves alone what later cells can still reach: variables,
// values captured by closures and goroutines created at top level, and
// results; and that a variable declared again with the same type is the
// same variable for the functions compiled before.
func TestReleaseKeepsWhatIsReachable(t *testing.T) {
	s := newSession(t)
	steps := []struct{ code, want string }{
		{"x := []int{1, 2, 3}\nx := append(x, 4)", ""},
		{"len(x)", "4"},
		{"fs := []func() int{}\nfor i := 0; i < 3; i++ {\nv := i * 10\nfs = append(fs, func() int { return v + len(x) })\n}", ""},
		{"fs[0]() + fs[1]() + fs[2]()", "42"},
		{"get := func() []int { return x }", ""},
		{"x := []int{7}", ""},
		{"len(get()) + x[0]", "8"}, // declared again with its type, x is the same variable
		{"n := 1\nnum := func() int { return n }", ""},
		{"n := \"one\"", ""},
		{"num()", "1"}, // declared with another type, n is a new variable
		{"n + \"!\"", `"one!"`},
		{"done := make(chan int)\ngo func(n []int) { done <- len(n) }(make([]int, 5))", ""},
		{"<-done", "5"},
		{"m := map[string][]float64{\"a\": make([]float64, 3)}\nm[\"b\"] = []float64{1}", ""},
		{"len(m[\"a\"]) + len(m[\"b\"])", "4"},
		{"var w = []string{\"a\"}", ""},
		{"var w = []string{\"b\", \"c\"}", ""},
		{"len(w)", "2"},
		{"func total() int { return len(x) + len(w) }", ""},
		{"total()", "3"},
	}
	for _, st := range steps {
		r := mustExec(t, s, st.code)
		got, ok := r.result()
		if st.want != "" && (!ok || got != st.want) {
			t.Fatalf("cell %q: result %q, want %q", st.code, got, st.want)
		}
	}
}

// TestRedefinitionsDoNotAccumulate declares a function again in 100 cells:
// its caller follows each definition, and neither the declarations kept
// for replay nor the live heap grow with the count (each redefinition used
// to keep its piece and parse all the earlier ones again, 26 KiB a cell).
func TestRedefinitionsDoNotAccumulate(t *testing.T) {
	const cells = 100
	s := newSession(t)
	mustExec(t, s, "func f() int { return 0 }\nfunc g() int { return f() + 1 }\ntype T struct{}\nfunc (T) M() int { return 2 }")
	before := liveHeap()
	for i := range cells {
		mustExec(t, s, fmt.Sprintf("func f() int { return %d }", i))
	}
	perCell := float64(liveHeap()-before) / cells
	if got, _ := mustExec(t, s, "g()").result(); got != fmt.Sprint(cells) {
		t.Errorf("g() = %s, want %d", got, cells)
	}
	if len(s.history) > 3 {
		t.Errorf("%d pieces kept for replay after %d redefinitions", len(s.history), cells)
	}
	if perCell > 4096 {
		t.Errorf("the live heap grew by %.0f bytes a redefinition", perCell)
	}
}
