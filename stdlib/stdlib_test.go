package stdlib_test

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/golign/golign/stdlib"
	"github.com/golign/golign/stdlib/internal/symgen"
	"github.com/traefik/yaegi/interp"
)

var fullCheck = flag.Bool("full", false, "regenerate every symbol table, not only those of this module, when checking that generated files are up to date")

// interpreter is a yaegi interpreter with the symbol tables: all of them
// (Load), or those of the packages its cells import, as they import them
// (a Loader).
type interpreter struct {
	*interp.Interpreter
	loader *stdlib.Loader // nil when every table is loaded
}

// modes are the two ways of giving an interpreter the tables.
var modes = []struct {
	name     string
	onDemand bool
}{{"all tables", false}, {"tables on import", true}}

// newInterpreter returns an interpreter with standard output captured in
// out, loading the tables on demand or all at once.
func newInterpreter(t *testing.T, out *bytes.Buffer, onDemand bool) interpreter {
	t.Helper()
	i := interpreter{Interpreter: interp.New(interp.Options{Stdout: out, Stderr: out})}
	var err error
	if onDemand {
		i.loader = stdlib.NewLoader(i.Interpreter)
	} else {
		err = stdlib.Load(i.Interpreter)
	}
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// eval evaluates a cell, first giving the interpreter the tables of the
// packages the cell imports.
func (i interpreter) eval(cell string) (reflect.Value, error) {
	if i.loader != nil {
		f, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+cell, parser.ImportsOnly)
		if err == nil {
			var paths []string
			for _, spec := range f.Imports {
				paths = append(paths, strings.Trim(spec.Path.Value, `"`))
			}
			if err := i.loader.Import(paths...); err != nil {
				return reflect.Value{}, err
			}
		}
	}
	return i.Eval(cell)
}

// evalCells evaluates cells in order in i, turning interpreter panics into
// errors, and returns the last value printed with %v.
func evalCells(i interpreter, cells []string) (last string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError{r}
		}
	}()
	for _, c := range cells {
		v, err := i.eval(c)
		if err != nil {
			return "", err
		}
		if v.IsValid() && v.CanInterface() {
			last = strings.TrimSpace(sprint(v.Interface()))
		}
	}
	return last, nil
}

func TestCellsUseSymbols(t *testing.T) {
	tests := []struct {
		name    string
		cells   []string
		want    string // the last cell's value, printed with %v
		wantOut string // what the cells print
		wantErr string // a substring of the error, when one is expected
	}{
		{name: "Go 1.24 strings.Lines", cells: []string{`import "strings"`, `n := 0`, `next := strings.Lines("a\nb\nc")`, `next(func(string) bool { n++; return true })`, `n`}, want: "3"},
		{name: "math/rand/v2 seeded", cells: []string{`import "math/rand/v2"`, `r := rand.New(rand.NewPCG(1, 2))`, `r.IntN(1000) < 1000`}, want: "true"},
		{name: "gonum mat", cells: []string{`import ("gonum.org/v1/gonum/mat"; "math")`, `m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})`, `math.Abs(mat.Det(m)+2) < 1e-12`}, want: "true"},
		{name: "plot colour map", cells: []string{`import "gonum.org/v1/plot/palette/moreland"`, `cm := moreland.SmoothBlueRed()`, `cm.SetMax(1)`, `_, err := cm.At(0.5)`, `err == nil`}, want: "true"},
		{name: "interpreted Stringer printed by fmt", cells: []string{`import "fmt"`, `type celsius float64`, `func (c celsius) String() string { return fmt.Sprintf("%.1f°C", float64(c)) }`, `fmt.Println(celsius(21.5))`}, wantOut: "21.5°C\n"},
		{name: "interpreted Bundler rendered by display", cells: []string{`import "github.com/golign/golign/kernel/display"`, `type card struct{ title string }`, `func (c card) MIMEBundle() (map[string]any, map[string]any) { return map[string]any{"text/html": "<b>" + c.title + "</b>"}, nil }`, `display.Render(card{"hi"}).MIME["text/html"]`}, want: "<b>hi</b>"},
		{name: "os.Exit ends the cell, not the process", cells: []string{`import "os"`, `os.Exit(3)`}, wantErr: "os.Exit(3)"},
		{name: "log.Fatal panics", cells: []string{`import "log"`, `log.Fatal("stop")`}, wantErr: "stop"},
		{name: "log.New gives a logger whose Fatal panics", cells: []string{`import ("log"; "io")`, `l := log.New(io.Discard, "", 0)`, `l.Fatalf("bad %d", 7)`}, wantErr: "bad 7"},
		{name: "slices.Contains", cells: []string{`import "slices"`, `slices.Contains([]string{"a", "b"}, "b")`}, want: "true"},
		{name: "slices.Sort of float64", cells: []string{`import "slices"`, `x := []float64{3, 1, 2}`, `slices.Sort(x)`, `x`}, want: "[1 2 3]"},
		{name: "slices.Sort of int8 by heap sort", cells: []string{`import "slices"`, `x := []int8{5, -1, 3, 3, 0}`, `slices.Sort(x)`, `x`}, want: "[-1 0 3 3 5]"},
		{name: "slices.SortFunc of interpreted structs", cells: []string{`import "slices"`, `type item struct{ k int }`, `x := []item{{3}, {1}, {2}}`, `slices.SortFunc(x, func(a, b item) int { return a.k - b.k })`, `x`}, want: "[{1} {2} {3}]"},
		{name: "slices.Clone", cells: []string{`import "slices"`, `slices.Clone([]int{1, 2})`}, want: "[1 2]"},
		{name: "slices.Equal", cells: []string{`import "slices"`, `slices.Equal([]string{"a"}, []string{"a"})`}, want: "true"},
		{name: "slices.Max", cells: []string{`import "slices"`, `slices.Max([]float64{1, 3, 2})`}, want: "3"},
		{name: "slices.Insert", cells: []string{`import "slices"`, `slices.Insert([]int{1, 4}, 1, 2, 3)`}, want: "[1 2 3 4]"},
		{name: "slices.Reverse", cells: []string{`import "slices"`, `x := []int{1, 2, 3}`, `slices.Reverse(x)`, `x`}, want: "[3 2 1]"},
		{name: "slices.BinarySearch", cells: []string{`import "slices"`, `i, found := slices.BinarySearch([]int{1, 3, 5}, 4)`, `[]any{i, found}`}, want: "[2 false]"},
		{name: "slices.Sorted of maps.Keys", cells: []string{`import ("maps"; "slices")`, `slices.Sorted(maps.Keys(map[string]int{"b": 1, "a": 2}))`}, want: "[a b]"},
		{name: "maps.Copy", cells: []string{`import "maps"`, `m := map[int]int{}`, `maps.Copy(m, map[int]int{1: 2})`, `m`}, want: "map[1:2]"},
		// An interpreted io.Writer goes to fmt through the wrapper of
		// io's table, which fmt's requires.
		{name: "interpreted io.Writer given to fmt.Fprintf", cells: []string{`import "fmt"`, `type counter struct{ n *int }`,
			`func (c counter) Write(p []byte) (int, error) { *c.n += len(p); return len(p), nil }`, `n := 0`, `fmt.Fprintf(counter{&n}, "%d", 12345)`, `n`}, want: "5"},
		// An interpreted color.Color goes to image through the wrapper of
		// image/color's table, which image requires.
		{name: "interpreted color.Color given to image", cells: []string{`import "image"`, `type red struct{}`,
			`func (red) RGBA() (r, g, b, a uint32) { return 0xffff, 0, 0, 0xffff }`, `r, _, _, _ := image.NewUniform(red{}).At(0, 0).RGBA()`, `r`}, want: "65535"},
	}
	for _, tt := range tests {
		for _, m := range modes {
			t.Run(tt.name+"/"+m.name, func(t *testing.T) {
				var out bytes.Buffer
				got, err := evalCells(newInterpreter(t, &out, m.onDemand), tt.cells)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if tt.want != "" && got != tt.want {
					t.Errorf("value = %q, want %q", got, tt.want)
				}
				if tt.wantOut != "" && out.String() != tt.wantOut {
					t.Errorf("output = %q, want %q", out.String(), tt.wantOut)
				}
			})
		}
	}
}

// TestLoaderLoadsOnImport checks that a Loader gives an interpreter the
// table of a package only once asked, with the tables that one requires.
func TestLoaderLoadsOnImport(t *testing.T) {
	var out bytes.Buffer
	i := newInterpreter(t, &out, true)
	const plotPath, drawPath = "gonum.org/v1/plot", "gonum.org/v1/plot/vg/draw"
	has := func(p string) bool { return len(i.Symbols(p)[p]) > 0 }
	if has(plotPath) || has(drawPath) {
		t.Fatal("a new interpreter has the tables of plot or draw")
	}
	if err := i.loader.Import(plotPath, "no.such/package"); err != nil {
		t.Fatal(err)
	}
	if !has(plotPath) || !has(drawPath) {
		t.Fatal("importing plot did not load the tables of plot and draw, which it requires")
	}
	if !has("fmt") || !has("os") || !has("io") {
		t.Fatal("the first import did not load the tables of fmt, os and io")
	}
}

// TestGeneratedFilesUpToDate checks the symbol tables against the package
// list and the packages as they are now: every listed package has a table
// holding exactly the symbols the extractor would take from it (read from
// export data, which is fast). With -full it also extracts every package
// again into a temporary directory and compares the files byte for byte
// (several minutes).
func TestGeneratedFilesUpToDate(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: the extractor needs it to locate packages")
	}
	entries, err := symgen.ReadList("packages.txt")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := symgen.Expand(entries)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := symgen.GeneratedFiles(".")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, p := range pkgs {
		listed[symgen.FileName(p)] = true
	}
	for _, name := range committed {
		if !listed[name] {
			t.Errorf("%s belongs to no package of packages.txt: run go generate ./stdlib/...", name)
		}
	}
	apis, err := symgen.Exports(pkgs)
	if err != nil {
		t.Fatalf("reading the listed packages: %v (a listed package that no longer builds must be fixed or taken off packages.txt)", err)
	}
	names := stdlib.Packages()
	for _, p := range pkgs {
		api := apis[p]
		table, ok := stdlib.Table(p)
		if !ok {
			t.Errorf("%s has no symbol table: run go generate ./stdlib/...", p)
			continue
		}
		if names[p] != api.Name {
			t.Errorf("%s: the index names the package %q, want %q: run go generate ./stdlib/...", p, names[p], api.Name)
		}
		var have []string
		for name := range table {
			if !strings.HasPrefix(name, "_") {
				have = append(have, name)
			}
		}
		if missing, extra := difference(api.Symbols, have), difference(have, api.Symbols); len(missing)+len(extra) > 0 {
			t.Errorf("%s: symbol table is out of date (missing %v, no longer exported %v): run go generate ./stdlib/...", p, missing, extra)
		}
	}
	// The index lists every table with the tables it requires.
	index, err := symgen.IndexSource("stdlib", symgen.Index(apis))
	if err != nil {
		t.Fatal(err)
	}
	if committed, err := os.ReadFile(symgen.IndexFile); err != nil || !bytes.Equal(committed, index) {
		t.Errorf("%s is out of date: run go generate ./stdlib/...", symgen.IndexFile)
	}
	// The standard library tables carry the Go version they were extracted
	// from as a build constraint.
	fmtFile, err := os.ReadFile(symgen.FileName("fmt"))
	if err != nil {
		t.Fatal(err)
	}
	if minor := goMinorVersion(runtime.Version()); !bytes.Contains(fmtFile, []byte("//go:build "+minor+"\n")) {
		t.Errorf("standard library tables were not extracted with %s: run go generate ./stdlib/...", minor)
	}
	if *fullCheck {
		compareRegenerated(t, pkgs)
	}
}

// compareRegenerated extracts pkgs into a temporary directory and compares
// the files with the committed ones.
func compareRegenerated(t *testing.T, pkgs []string) {
	tmp := t.TempDir()
	res, err := symgen.Generate(tmp, "stdlib", pkgs)
	if err != nil {
		t.Fatal(err)
	}
	for p, why := range res.Skipped {
		t.Errorf("%s is listed but does not extract: %v", p, why)
	}
	for _, p := range res.Written {
		name := symgen.FileName(p)
		want, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./stdlib/...", name)
		}
	}
}

// difference returns the elements of a not in b, sorted.
func difference(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var d []string
	for _, s := range a {
		if !in[s] {
			d = append(d, s)
		}
	}
	sort.Strings(d)
	return d
}

// goMinorVersion turns "go1.26.8" into "go1.26".
func goMinorVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// BenchmarkLoad measures a fresh interpreter's first import through a
// Loader, of fmt alone (which brings the base tables and yaegi's own
// generic sources) or of a notebook's usual packages, against building
// every table (All), using them all (UseAll) and also compiling the generic
// package sources of this package (LoadAll).
func BenchmarkLoad(b *testing.B) {
	b.Run("ImportFmt", func(b *testing.B) {
		for b.Loop() {
			if err := stdlib.NewLoader(interp.New(interp.Options{})).Import("fmt"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ImportNotebook", func(b *testing.B) {
		for b.Loop() {
			err := stdlib.NewLoader(interp.New(interp.Options{})).Import("fmt", "math", "gonum.org/v1/gonum/mat", "gonum.org/v1/plot",
				"gonum.org/v1/plot/plotter", "github.com/golign/golign/alignment/pref", "github.com/golign/golign/kernel/display")
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("All", func(b *testing.B) {
		for b.Loop() {
			stdlib.All()
		}
	})
	b.Run("UseAll", func(b *testing.B) {
		for b.Loop() {
			if err := interp.New(interp.Options{}).Use(stdlib.All()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LoadAll", func(b *testing.B) {
		for b.Loop() {
			if err := stdlib.Load(interp.New(interp.Options{})); err != nil {
				b.Fatal(err)
			}
		}
	})
}
