package gocode

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/golign/golign/stdlib"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/vgimg"
)

// fakeScope is a session that ran cells declaring the names of vars
// (with their real types) and funcs, and importing imports.
type fakeScope struct {
	imports map[string]string // name → path
	vars    map[string]reflect.Type
	funcs   map[string]reflect.Type
	types   []string
	sources []string
}

func (s fakeScope) Names() []Name {
	var ns []Name
	for name, p := range s.imports {
		ns = append(ns, Name{Name: name, Kind: KindPackage, Path: p})
	}
	for name := range s.vars {
		ns = append(ns, Name{Name: name, Kind: KindVar})
	}
	for name := range s.funcs {
		ns = append(ns, Name{Name: name, Kind: KindFunc})
	}
	for _, name := range s.types {
		ns = append(ns, Name{Name: name, Kind: KindType})
	}
	return ns
}

func (s fakeScope) TypeOf(name string) (reflect.Type, bool) {
	if t, ok := s.vars[name]; ok {
		return t, true
	}
	t, ok := s.funcs[name]
	return t, ok
}

func (s fakeScope) Packages() map[string]string { return stdlib.Packages() }
func (s fakeScope) Symbols(p string) map[string]reflect.Value {
	t, _ := stdlib.Table(p)
	return t
}
func (s fakeScope) Sources() []string { return s.sources }

var session = fakeScope{
	imports: map[string]string{"fmt": "fmt", "mat": "gonum.org/v1/gonum/mat", "plot": "gonum.org/v1/plot"},
	vars: map[string]reflect.Type{
		"m":      reflect.TypeFor[*mat.Dense](),
		"p":      reflect.TypeFor[*plot.Plot](),
		"canvas": reflect.TypeFor[vgimg.PngCanvas](),
		"xs":     reflect.TypeFor[[]*mat.VecDense](),
		"count":  reflect.TypeFor[int](),
		// A value of the interpreted type point, which yaegi represents
		// by an unnamed struct type without methods.
		"q": reflect.StructOf([]reflect.StructField{{Name: "X", Type: reflect.TypeFor[float64]()}, {Name: "Y", Type: reflect.TypeFor[float64]()}}),
	},
	types: []string{"point"},
	funcs: map[string]reflect.Type{"square": reflect.TypeFor[func(float64) float64]()},
	sources: []string{
		"import \"fmt\"\n// square returns x squared.\nfunc square(x float64) float64 { return x * x }\ncount := 3",
		"type point struct{ X, Y float64 }\n\n// Norm is the squared Euclidean norm of p.\nfunc (p point) Norm() float64 { return p.X*p.X + p.Y*p.Y }",
		"q := point{3, 4}",
		"for i := 0; i < 3; i++ {\n\trate := 0.5\n\t_ = rate\n}\nlearningRate := 0.1",
	},
}

// atEnd returns code and a cursor after its last code point.
func atEnd(code string) (string, int) { return code, len([]rune(code)) }

func TestComplete(t *testing.T) {
	tests := []struct {
		name       string
		code       string
		cursor     int // -1: at the end
		want       []string
		wantType   string // the type of want[0]
		wantSig    string // a substring of the signature of want[0]
		notWant    []string
		start, end int // cursor_start and cursor_end, -1: not checked
	}{
		{name: "package member", code: "fmt.Pri", cursor: -1, want: []string{"Print", "Printf", "Println"}, wantType: KindFunc, wantSig: "func Print(a ...any)", start: 4, end: 7},
		{name: "gonum package member", code: "x := mat.NewD", cursor: -1, want: []string{"NewDense", "NewDiagDense"}, wantType: KindFunc, wantSig: "func NewDense(r, c int, data []float64) *Dense"},
		{name: "package types and constants", code: "mat.Tran", cursor: -1, want: []string{"Transpose"}, wantType: KindType},
		{name: "package of the cell's own import", code: "import \"strings\"\nstrings.Li", cursor: -1, want: []string{"Lines"}, wantType: KindFunc},
		{name: "generic function of a source package", code: "import \"slices\"\nslices.So", cursor: -1, want: []string{"Sort", "SortFunc"}, wantType: KindFunc, wantSig: "func Sort[S ~[]E, E cmp.Ordered](x S)"},
		{name: "keyword", code: "fo", cursor: -1, want: []string{"for"}, wantType: KindKeyword},
		{name: "builtin", code: "x := app", cursor: -1, want: []string{"append"}, wantType: KindBuiltin, wantSig: "func append"},
		{name: "user variable", code: "cou", cursor: -1, want: []string{"count"}, wantType: KindVar, wantSig: "int"},
		{name: "user function", code: "squ", cursor: -1, want: []string{"square"}, wantType: KindFunc},
		{name: "variable declared in the cell", code: "total := 0\nfor i := 0; i < 3; i++ { tot", cursor: -1, want: []string{"total"}, wantType: KindVar},
		{name: "methods of a typed variable", code: "m.Ra", cursor: -1, want: []string{"RawMatrix", "RawRowView"}, wantType: KindMethod, wantSig: "func (m *Dense) RawMatrix() blas64.General"},
		{name: "fields of a typed variable", code: "p.Ti", cursor: -1, want: []string{"Title"}, wantType: KindField},
		{name: "method of a call's result", code: "mat.NewDense(2, 2, nil).Sol", cursor: -1, want: []string{"Solve"}, wantType: KindMethod},
		{name: "method of an indexed element", code: "xs[0].AtV", cursor: -1, want: []string{"AtVec"}, wantType: KindMethod},
		{name: "method expressions of a package type", code: "(*mat.Dense).Mu", cursor: -1, want: []string{"Mul", "MulElem"}, wantType: KindMethod},
		{name: "promoted method of an embedded field", code: "canvas.Siz", cursor: -1, want: []string{"Size"}, wantType: KindMethod},
		{name: "method of an interpreted type", code: "q.No", cursor: -1, want: []string{"Norm"}, wantType: KindMethod, wantSig: "func (p point) Norm() float64"},
		{name: "method of a type declared in the cell", code: "type vec struct{ x float64 }\nfunc (v *vec) Scale(f float64) { v.x *= f }\nv := &vec{1}\nv.Sc", cursor: -1, want: []string{"Scale"}, wantType: KindMethod, wantSig: "func (v *vec) Scale(f float64)"},
		{name: "variable defined in the cell by a package function", code: "m2 := mat.NewDense(2, 2, nil)\nm2.Ra", cursor: -1, want: []string{"RawMatrix", "RawRowView"}, wantType: KindMethod},
		{name: "variable declared with a package type", code: "var d mat.Dense\nd.Ra", cursor: -1, want: []string{"RawMatrix"}, wantType: KindMethod},
		{name: "second result of a call", code: "f, err := os.Open(\"x\")\nerr.Err", cursor: -1, want: []string{"Error"}, wantType: KindMethod},
		{name: "first result of a call", code: "f, err := os.Open(\"x\")\nf.Na", cursor: -1, want: []string{"Name"}, wantType: KindMethod},
		{name: "chain of definitions", code: "a := mat.NewDense(2, 2, nil)\nb := a.T()\nb.Di", cursor: -1, want: []string{"Dims"}, wantType: KindMethod},
		{name: "self-referring definition", code: "z = z.T()\nz.Di", cursor: -1, notWant: []string{"Dims"}},
		{name: "name from an earlier cell's source", code: "lea", cursor: -1, want: []string{"learningRate"}, wantType: KindVar},
		{name: "no block-local name of an earlier cell", code: "ra", cursor: -1, notWant: []string{"rate"}},
		{name: "cursor inside the code", code: "fmt.Pri(1)", cursor: 7, want: []string{"Println"}, start: 4, end: 7},
		{name: "cursor inside an identifier", code: "fmt.Prinln(1)", cursor: 8, want: []string{"Println"}, start: 4, end: 10},
		{name: "cursor counted in code points", code: "s := \"é\"; fmt.Pri", cursor: -1, want: []string{"Println"}, start: 14, end: 17},
		{name: "nothing in a string", code: "s := \"fmt.Pri", cursor: -1, notWant: []string{"Println"}},
		{name: "nothing in a comment", code: "// fo", cursor: -1, notWant: []string{"for"}},
		{name: "unknown operand", code: "nope.X", cursor: -1, notWant: []string{"X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor := tt.cursor
			if cursor < 0 {
				_, cursor = atEnd(tt.code)
			}
			c := Complete(tt.code, cursor, session)
			var texts []string
			for _, m := range c.Matches {
				texts = append(texts, m.Text)
			}
			for _, w := range tt.want {
				if !slices.Contains(texts, w) {
					t.Errorf("matches %v lack %q", texts, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(texts, w) {
					t.Errorf("matches %v contain %q", texts, w)
				}
			}
			if len(tt.want) > 0 {
				i := slices.Index(texts, tt.want[0])
				if i >= 0 && tt.wantType != "" && c.Matches[i].Type != tt.wantType {
					t.Errorf("type of %q = %q, want %q", tt.want[0], c.Matches[i].Type, tt.wantType)
				}
				if i >= 0 && !strings.Contains(c.Matches[i].Signature, tt.wantSig) {
					t.Errorf("signature of %q = %q, want it to contain %q", tt.want[0], c.Matches[i].Signature, tt.wantSig)
				}
			}
			if tt.start != 0 || tt.end != 0 {
				if c.CursorStart != tt.start || c.CursorEnd != tt.end {
					t.Errorf("cursor range = [%d, %d), want [%d, %d)", c.CursorStart, c.CursorEnd, tt.start, tt.end)
				}
			}
		})
	}
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name     string
		code     string
		cursor   int // -1: at the end
		wantKind string
		wantDecl string // a substring of Decl
		wantText string // a substring of Text
	}{
		{name: "stdlib function", code: "fmt.Println", cursor: 6, wantKind: KindFunc, wantDecl: "func Println(a ...any) (n int, err error)", wantText: "Println formats using the default formats"},
		{name: "inside a call's parentheses", code: "m := mat.NewDense(2, ", cursor: -1, wantKind: KindFunc, wantDecl: "func NewDense(r, c int, data []float64) *Dense", wantText: "NewDense creates a new Dense matrix"},
		{name: "inside nested parentheses", code: "mat.NewDense(2, 2, make([]float64, 4)", cursor: -1, wantKind: KindFunc, wantDecl: "func NewDense("},
		{name: "method of a typed variable", code: "m.At", cursor: -1, wantKind: KindMethod, wantDecl: "func (m *Dense) At(i, j int) float64", wantText: "At returns the element at row i, column j"},
		{name: "call with a string holding a parenthesis", code: "fmt.Println(fmt.Sprint(\"a(b\"), ", cursor: -1, wantKind: KindFunc, wantDecl: "func Println("},
		{name: "cursor in a string argument", code: "fmt.Println(\"mat.NewDense\")", cursor: 20, wantKind: KindFunc, wantDecl: "func Println("},
		{name: "call inside a composite literal", code: "xs := []float64{mat.Norm(m, ", cursor: -1, wantKind: KindFunc, wantDecl: "func Norm(a Matrix, norm float64) float64"},
		{name: "method name under the cursor", code: "v := m.At(0, 1)", cursor: 8, wantKind: KindMethod, wantDecl: "func (m *Dense) At("},
		{name: "struct field", code: "p.Title", cursor: -1, wantKind: KindField, wantDecl: "Title struct"},
		{name: "promoted method", code: "canvas.Size()", cursor: 9, wantKind: KindMethod, wantDecl: "func (c *Canvas) Size()"},
		{name: "package type", code: "var d mat.Dense", cursor: -1, wantKind: KindType, wantDecl: "type Dense struct", wantText: "Dense is a dense matrix representation"},
		{name: "package", code: "mat", cursor: 1, wantKind: KindPackage, wantDecl: "package mat", wantText: "Package mat provides implementations of float64 and complex128 matrix"},
		{name: "user function", code: "square(", cursor: -1, wantKind: KindFunc, wantDecl: "func square(x float64) float64", wantText: "square returns x squared."},
		{name: "user method", code: "q.Norm", cursor: -1, wantKind: KindMethod, wantDecl: "func (p point) Norm() float64", wantText: "Norm is the squared Euclidean norm"},
		{name: "user method of a variable defined in the cell", code: "type seg struct{ a, b float64 }\n// Len is b - a.\nfunc (s seg) Len() float64 { return s.b - s.a }\n// Len is the norm.\nfunc (p point) Len() float64 { return 0 }\nsg := seg{0, 1}\nsg.Len", cursor: -1, wantKind: KindMethod, wantDecl: "func (s seg) Len() float64", wantText: "Len is b - a."},
		{name: "user type", code: "point{}", cursor: 2, wantKind: KindType, wantDecl: "type point struct"},
		{name: "user variable", code: "count", cursor: -1, wantKind: KindVar, wantDecl: "var count int"},
		{name: "user variable of a documented type", code: "m", cursor: -1, wantKind: KindVar, wantDecl: "var m *mat.Dense", wantText: "Dense is a dense matrix representation"},
		{name: "variable defined in the cell", code: "v := mat.NewVecDense(3, nil)\nv", cursor: -1, wantKind: KindVar, wantDecl: "var v *mat.VecDense", wantText: "VecDense represents a column vector"},
		{name: "generic function", code: "slices.Sort(xs)", cursor: 9, wantKind: KindFunc, wantDecl: "func Sort[S ~[]E, E cmp.Ordered](x S)"},
		{name: "builtin", code: "append(", cursor: 3, wantKind: KindBuiltin, wantDecl: "func append(slice []Type, elems ...Type) []Type"},
		{name: "declared in the cell", code: "// cube returns x cubed.\nfunc cube(x float64) float64 { return x * x * x }\ncube(", cursor: -1, wantKind: KindFunc, wantDecl: "func cube(x float64) float64", wantText: "cube returns x cubed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor := tt.cursor
			if cursor < 0 {
				_, cursor = atEnd(tt.code)
			}
			d, ok := Inspect(tt.code, cursor, session)
			if !ok {
				t.Fatalf("Inspect(%q, %d) found nothing", tt.code, cursor)
			}
			if d.Kind != tt.wantKind || !strings.Contains(d.Decl, tt.wantDecl) || !strings.Contains(d.Text, tt.wantText) {
				t.Errorf("Inspect(%q, %d) = %+v; want kind %q, decl containing %q, text containing %q", tt.code, cursor, d, tt.wantKind, tt.wantDecl, tt.wantText)
			}
		})
	}
	for _, code := range []string{"", "1 + 2", "nope.X"} {
		if d, ok := Inspect(code, len(code), session); ok {
			t.Errorf("Inspect(%q) = %+v, want nothing", code, d)
		}
	}
}

func TestLookupCoversSymbolTables(t *testing.T) {
	// Every function and type of every package in the symbol tables has
	// an entry in the documentation database.
	var missing []string
	for p := range stdlib.Packages() {
		table, _ := stdlib.Table(p)
		if _, ok := Lookup(p, ""); !ok {
			missing = append(missing, p)
			continue
		}
		for name, v := range table {
			if strings.HasPrefix(name, "_") {
				continue
			}
			if k := symbolKind(v); k != KindFunc && k != KindType {
				continue
			}
			if _, ok := Lookup(p, name); !ok {
				missing = append(missing, p+"."+name)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("no documentation for %d names (run go generate ./kernel/gocode/...): %v", len(missing), missing[:min(len(missing), 20)])
	}
}

func TestIsGeneric(t *testing.T) {
	tests := []struct {
		pkg, name string
		want      bool
	}{
		{"sync", "OnceValue", true},
		{"iter", "Seq", true},
		{"sync/atomic", "Pointer", true},
		{"sync", "OnceFunc", false},
		{"fmt", "Println", false},
		{"gonum.org/v1/gonum/mat", "Dense", false},
		{"fmt", "NoSuchName", false},
	}
	for _, tt := range tests {
		if got := IsGeneric(tt.pkg, tt.name); got != tt.want {
			t.Errorf("IsGeneric(%q, %q) = %v, want %v", tt.pkg, tt.name, got, tt.want)
		}
	}
}
