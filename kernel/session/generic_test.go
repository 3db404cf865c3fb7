package session

import (
	"go/ast"
	"go/parser"
	"reflect"
	"testing"

	"github.com/golign/golign/kernel"
)

// TestGenericResultsAtTopLevel checks that a cell's top level can declare
// variables from the results of min, max and the generic functions of
// slices and maps, pass them compiled values, and range over the
// iterators they return, as Go does; the interpreter alone fails on each
// ("nil reflect type", "nil type" or a panic in its analysis).
func TestGenericResultsAtTopLevel(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import (
	"fmt"
	"maps"
	"slices"
	"strings"
)
m := map[string]int{"b": 2, "a": 1, "c": 3}
xs := []float64{2.5, -1, 4}
words := strings.Fields("pear fig apple")
it := maps.Keys(m)`)
	tests := []resultCase{
		{"hi := slices.Max(xs)\nhi", "4"},
		{"lo := min(xs[0], xs[1])\nlo", "-1"},
		{"c := max(1, 2.5)\nc", "2.5"},
		{"k := 3\nbig := max(k, 7, 5)\nbig", "7"},
		{"keys := slices.Sorted(maps.Keys(m))\nkeys", "[a b c]"},
		{"vs := slices.Collect(maps.Values(m))\nslices.Sort(vs)\nvs", "[1 2 3]"},
		{"both, n := slices.Clone(xs), len(xs)\nboth[0] = 0\nfmt.Sprint(both, xs, n)", `"[0 -1 4] [2.5 -1 4] 3"`},
		{"mm := maps.Clone(m)\nlen(mm)", "3"},
		{"first := slices.Min(words)\nfirst", `"apple"`},
		// A generic function a cell declares.
		{"func Sum[T int | float64](xs []T) T {\n\tvar s T\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\ntotal := Sum([]int{1, 2, 3})\ntotal", "6"},
		{"func Pair[K comparable, V any](k K, v V) map[K]V {\n\treturn map[K]V{k: v}\n}\np := Pair(\"a\", xs[0])\np[\"a\"]", "2.5"},
		{"func Map[T, U any](xs []T, f func(T) U) []U {\n\tout := make([]U, 0, len(xs))\n\tfor _, x := range xs {\n\t\tout = append(out, f(x))\n\t}\n\treturn out\n}\nsq := Map([]int{1, 2}, func(x int) int { return x * x })\nsq", "[1 4]"},
		// Compiled values as arguments, from an earlier cell, the same one or a call.
		{"slices.Sort(words)\nwords[0]", `"apple"`},
		{"fs := strings.Fields(\"b a\")\nslices.Sort(fs)\nj := slices.Index(fs, \"b\")\nj", "1"},
		{"slices.Max(strings.Fields(\"x y\"))", `"y"`},
		// Ranges over the iterators: a global, a call, a variable of the same cell.
		{"n := 0\nfor range it {\n\tn++\n}\nn", "3"},
		{"total := 0\nfor _, v := range maps.All(m) {\n\ttotal += v\n}\ntotal", "6"},
		{"back := slices.Backward(words)\nlast := \"\"\nfor _, w := range back {\n\tlast = w\n\tbreak\n}\nlast", `"pear"`},
		{"lines := 0\nfor range strings.Lines(\"a\\nb\\n\") {\n\tlines++\n}\nlines", "2"},
		{"func count() int {\n\tn := 0\n\tfor k := range maps.Keys(m) {\n\t\tif k != \"\" {\n\t\t\tn++\n\t\t}\n\t}\n\treturn n\n}\ncount()", "3"},
		// A block that declares a name of the session's, with another type.
		{"if len(words) > 0 {\n\tm := 5\n\t_ = m\n}\nlen(m)", "3"},
		{"for xs := 0; xs < 1; xs++ {\n}\nlen(xs)", "3"},
	}
	expectResults(t, s, tests)
	// A name nothing defines is named, although the interpreter faults on
	// it, and what the interpreter logs as it faults is not the cell's.
	for _, code := range []string{"ks := slices.Sorted(maps.Keys(missing))", "top := slices.Max(missing)"} {
		reply, r := runCell(t, s, code)
		if reply.Status != kernel.StatusError || reply.Error.Value != "undefined: missing" {
			t.Errorf("%q: reply %+v, want the error undefined: missing", code, reply.Error)
		}
		if out := r.stream("stdout") + r.stream("stderr"); out != "" {
			t.Errorf("%q: output %q, want none", code, out)
		}
	}
}

// TestGenericResultTypes checks the inference of type arguments and
// result types against the types Go gives the same calls.
func TestGenericResultTypes(t *testing.T) {
	globals := map[string]reflect.Type{
		"xs": reflect.TypeFor[[]float64](), "m": reflect.TypeFor[map[string]int](), "n": reflect.TypeFor[int](),
		"words": reflect.TypeFor[[]string](),
	}
	r := &rewriter{
		shadowed:   map[string]string{},
		globalType: func(name string) (reflect.Type, bool) { t, ok := globals[name]; return t, ok },
		importPath: func(name string) string { return map[string]string{"slices": "slices", "maps": "maps"}[name] },
		importName: func(path string) string { return path },
	}
	seq := func(t reflect.Type) reflect.Type {
		return reflect.FuncOf([]reflect.Type{reflect.FuncOf([]reflect.Type{t}, []reflect.Type{reflect.TypeFor[bool]()}, false)}, nil, false)
	}
	tests := []struct {
		expr string
		want []reflect.Type
	}{
		{"slices.Max(xs)", []reflect.Type{reflect.TypeFor[float64]()}},
		{minHelper + "(xs[0], 1)", []reflect.Type{reflect.TypeFor[float64]()}},
		{maxHelper + "(n, 2)", []reflect.Type{reflect.TypeFor[int]()}},
		{maxHelper + "(1, 2)", []reflect.Type{reflect.TypeFor[int]()}},
		{minHelper + "(float64(1), 2.5)", []reflect.Type{reflect.TypeFor[float64]()}},
		{"maps.Keys(m)", []reflect.Type{seq(reflect.TypeFor[string]())}},
		{"slices.Sorted(maps.Values(m))", []reflect.Type{reflect.TypeFor[[]int]()}},
		{"slices.Insert(words, 0, \"x\")", []reflect.Type{reflect.TypeFor[[]string]()}},
		{"slices.BinarySearch(xs, 2)", []reflect.Type{reflect.TypeFor[int](), reflect.TypeFor[bool]()}},
		{"maps.Clone(m)", []reflect.Type{reflect.TypeFor[map[string]int]()}},
		{"slices.Concat(words, words)", []reflect.Type{reflect.TypeFor[[]string]()}},
		{"slices.Clone([]int{1})", []reflect.Type{reflect.TypeFor[[]int]()}},
		{"slices.Insert([]float64{}, 0, 1)", []reflect.Type{reflect.TypeFor[[]float64]()}},
		{maxHelper + "(2, xs[0])", []reflect.Type{reflect.TypeFor[float64]()}},
		// Not determined: an unknown argument, a function that is not generic.
		{"slices.Max(unknown)", nil},
		{"len(xs)", nil},
	}
	for _, tt := range tests {
		e, err := parser.ParseExpr(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		call := e.(*ast.CallExpr)
		if got := r.genericResults(call, nil); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: result types %v, want %v", tt.expr, got, tt.want)
		}
	}
}
