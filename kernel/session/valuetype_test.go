package session

import (
	"strings"
	"testing"

	"github.com/golign/golign/kernel"
)

// resultCase is a cell and the text of the result it must give.
type resultCase struct{ code, want string }

// expectResults runs each cell in s and checks its result.
func expectResults(t *testing.T, s *Session, cells []resultCase) {
	t.Helper()
	for _, c := range cells {
		got, ok := mustExec(t, s, c.code).result()
		if !ok || got != c.want {
			t.Errorf("%q: result %q, want %q", c.code, got, c.want)
		}
	}
}

// TestIndexCompiledResults checks that top-level declarations can index,
// slice and select into variables holding what compiled functions
// returned, which the interpreter alone rejects ("definition loop").
func TestIndexCompiledResults(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import (
	"fmt"
	"path/filepath"
	"strings"

	"net/http/httptest"

	"gonum.org/v1/gonum/mat"
)
words := strings.Fields("a b c")
parts, err := filepath.Glob("/")
m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
raw := m.RawMatrix()
byName := map[string][]string{"w": words}
text := strings.Repeat("ab", 2)`)
	tests := []resultCase{
		{"second := words[1]\nsecond", `"b"`},
		{"tail := words[1:]\nlen(tail)", "2"},
		{"var all = words\nlen(all)", "3"},
		{"var n, k int = len(words), 2\nn * k", "6"},
		{"var (\n\tfirst = words[0]\n\tnone []string\n)\nfirst + fmt.Sprint(len(none))", `"a0"`},
		{"var e error\ne == nil", "true"},
		{"root := parts[0]\nroot", `"/"`},
		{"v := raw.Data[3]\nv", "4"},
		{"w := byName[\"w\"][2]\nw", `"c"`},
		{"words := []int{5, 6}\nk := words[1]\nk", "6"},
		{"pts := []struct{ X, Y float64 }{{X: 0, Y: raw.Data[1]}, {X: 1, Y: raw.Data[2]}}\npts[1].Y", "3"},
		// Declared and indexed by the same cell.
		{"fs := strings.Fields(\"p q r\")\nq := fs[1]\nq", `"q"`},
		{"ms, err2 := filepath.Glob(\"/\")\nr := ms[0]\nr + fmt.Sprint(err2)", `"/<nil>"`},
		{"us, n2 := strings.Fields(\"u v\"), 1\nv := us[n2]\nv", `"v"`},
		{"d := mat.NewDense(1, 2, []float64{7, 8})\nx := d.RawMatrix().Data[1]\nx", "8"},
		// Strings, from an earlier cell and from the same one.
		{"c := text[1]\nc", "0x62"},
		{"c1 := text[0] + 1\nc1", "0x62"},
		{"var c2 = (text)[len(text)-1]\nc2", "0x62"},
		{"up := strings.ToUpper(\"xyz\")\nz := up[2]\nstring(z) + up[1:]", `"ZYZ"`},
		// A named type of a package the cell did not import (http.Header).
		{"rec := httptest.NewRecorder()\nrec.Header().Set(\"K\", \"v\")\nhv := rec.Header()[\"K\"][0]\nhv", `"v"`},
	}
	expectResults(t, s, tests)
}

// TestIndexAfterFailedCell checks that a cell the interpreter cannot
// compile, which leaves variables without storage behind, does not keep
// later cells from indexing compiled values.
func TestIndexAfterFailedCell(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import (\n\t\"net/http/httptest\"\n\t\"strings\"\n)\ntext := strings.Repeat(\"ab\", 2)")
	// The element type, *http.Cookie, cannot be written in the cell.
	if reply, _ := runCell(t, s, "rec := httptest.NewRecorder()\nc0 := rec.Result().Cookies()[0]"); reply.Status != kernel.StatusError {
		t.Fatalf("indexing cookies: status %q, want an error", reply.Status)
	}
	expectResults(t, s, []resultCase{{"c := text[1]\nc", "0x62"}})
}

// TestParallelAssignWithCalls checks assignments of several values mixing
// calls and other expressions, which the interpreter alone gets wrong.
func TestParallelAssignWithCalls(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "x := []int{1, 2, 3}\na, b := 0, 0\nfunc two() (int, int) {\n\tvar e, g int\n\te, g = len(x), 2\n\treturn e, g\n}")
	tests := []resultCase{
		{"a, b = len(x), 2\n[]int{a, b}", "[3 2]"},
		{"a, b = 7, len(x)\n[]int{a, b}", "[7 3]"},
		{"a, b = b, a\n[]int{a, b}", "[3 7]"},
		{"e, g := two()\n[]int{e, g}", "[3 2]"},
		{"x[0], a = a, len(x)+1\n[]int{x[0], a}", "[3 4]"},
	}
	expectResults(t, s, tests)
}

// TestCommaOKAtTopLevel checks the two-value forms of map indexes, type
// assertions and channel receives declared at a cell's top level, and type
// switches that bind a variable there, which the interpreter alone cannot
// compile.
func TestCommaOKAtTopLevel(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"fmt\"\nm := map[string]int{\"a\": 1}\nvar x any = 2.5\nq := make(chan string, 1)\nq <- \"s\"")
	tests := []resultCase{
		{"v, ok := m[\"a\"]\nfmt.Sprint(v, ok)", `"1 true"`},
		{"v, ok := m[\"z\"]\nfmt.Sprint(v, ok)", `"0 false"`},
		{"_, found := m[\"a\"]\nfound", "true"},
		{"next := map[string]string{\"a\": \"b\"}\nk := \"a\"\nk, ok := next[k]\nfmt.Sprintf(\"%v %v\", k, ok)", `"b true"`},
		{"keys := []string{\"z\", \"a\"}\nn := 0\nw, ok := m[keys[n+1]]\nfmt.Sprint(w, ok)", `"1 true"`},
		{"var u, present = m[\"a\"]\nfmt.Sprint(u, present)", `"1 true"`},
		{"f, isFloat := x.(float64)\nfmt.Sprint(f, isFloat)", `"2.5 true"`},
		{"i, isInt := x.(int)\nfmt.Sprint(i, isInt)", `"0 false"`},
		{"r, open := <-q\nfmt.Sprintf(\"%v %v\", r, open)", `"s true"`},
		{"c := make(chan int, 1)\nc <- 4\nclose(c)\na, okA := <-c\nb, okB := <-c\nfmt.Sprint(a, okA, b, okB)", `"4 true 0 false"`},
		{"kind := \"\"\nswitch y := x.(type) {\ncase int:\n\tkind = fmt.Sprint(\"int \", y)\ncase float64:\n\tkind = fmt.Sprint(\"float64 \", y)\n}\nkind", `"float64 2.5"`},
	}
	expectResults(t, s, tests)
}

// TestResultsOfCellTypes checks the result of a cell whose value has a type
// a cell declared with methods: its fields, as fmt's %v prints them, or
// the text of its String or Error method, as fmt prints those; the
// interpreter alone shows its own wrapper or fails ("method not found:
// MIMEBundle").
func TestResultsOfCellTypes(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import (
	"fmt"
	"math"
)
type Point struct{ X, Y float64 }
func (p Point) Norm() float64 { return math.Hypot(p.X, p.Y) }
type Celsius float64
func (c Celsius) String() string { return fmt.Sprintf("%.1f°C", float64(c)) }
type failure struct{ code int }
func (f failure) Error() string { return fmt.Sprint("code ", f.code) }
pts := []Point{{3, 4}, {1, 1}}`)
	expectResults(t, s, []resultCase{
		{"Point{1, 2}", "{1 2}"},
		{"pts[0]", "{3 4}"},
		{"p := pts[1]\np", "{1 1}"},
		{"&pts[0]", "&{3 4}"},
		{"pts", "[{3 4} {1 1}]"},
		{"Celsius(21.5)", "21.5°C"},
		{"failure{7}", "error: code 7"},
		{"math.Round(pts[0].Norm())", "5"},
	})
}

// TestMethodValuesAtTopLevel checks method values taken at a cell's top
// level from receivers that are not variables: the interpreter alone binds
// a zero receiver. A value receiver is copied where the method value is
// taken, a pointer receiver is the element's address, as in Go.
func TestMethodValuesAtTopLevel(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `type Point struct{ X, Y float64 }
func (p Point) Sum() float64 { return p.X + p.Y }
func (p *Point) Scale(k float64) { p.X *= k; p.Y *= k }
pts := []Point{{3, 4}, {1, 1}}`)
	expectResults(t, s, []resultCase{
		{"sum := pts[0].Sum\nsum()", "7"},
		{"byKey := map[string]Point{\"a\": {2, 2}}\nf := byKey[\"a\"].Sum\nf()", "4"},
		{"fs := []func() float64{pts[1].Sum}\nfs[0]()", "2"},
		{"copied := pts[0].Sum\npts[0].X = 10\ncopied()", "7"},
		{"scale := pts[1].Scale\nscale(3)\npts[1]", "{3 3}"},
		{"total := 0.0\nfor i := range pts {\n\tf := pts[i].Sum\n\ttotal += f()\n}\ntotal", "20"},
	})
}

// TestMethodExpressions checks method expressions of methods cells
// declared, T.M and (*T).M, which the interpreter alone calls without
// their receiver.
func TestMethodExpressions(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `type Point struct{ X, Y float64 }
func (p Point) Sum() float64 { return p.X + p.Y }
func (p *Point) Scale(k float64) { p.X *= k; p.Y *= k }
func (p Point) Add(qs ...Point) Point {
	for _, q := range qs {
		p.X, p.Y = p.X+q.X, p.Y+q.Y
	}
	return p
}
func apply(ps []Point, f func(Point) float64) (out []float64) {
	for _, p := range ps {
		out = append(out, f(p))
	}
	return out
}`)
	expectResults(t, s, []resultCase{
		{"sum := Point.Sum\nsum(Point{1, 2})", "3"},
		{"Point.Sum(Point{3, 4})", "7"},
		{"scale := (*Point).Scale\nq := Point{1, 2}\nscale(&q, 3)\nq", "{3 6}"},
		{"add := Point.Add\nadd(Point{1, 1}, Point{1, 1}, Point{2, 2})", "{4 4}"},
		{"apply([]Point{{1, 1}, {2, 3}}, Point.Sum)", "[2 5]"},
		{"func viaExpression() float64 {\n\tf := Point.Sum\n\treturn f(Point{5, 6})\n}\nviaExpression()", "11"},
	})
	reply, _ := runCell(t, s, "Point.Scale")
	if reply.Status != kernel.StatusError || !strings.Contains(reply.Error.Value, "needs pointer receiver (*Point).Scale") {
		t.Errorf("Point.Scale: reply %+v, want the error that it needs a pointer receiver", reply.Error)
	}
}
