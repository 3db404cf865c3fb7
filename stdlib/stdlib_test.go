package stdlib_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/golign/golign/stdlib"
	"github.com/golign/golign/stdlib/internal/symgen"
	"github.com/traefik/yaegi/interp"
)

var fullCheck = flag.Bool("full", false, "regenerate every symbol table, not only those of this module, when checking that generated files are up to date")

// newInterpreter returns a yaegi interpreter using the symbol tables, with
// standard output captured in out.
func newInterpreter(t *testing.T, out *bytes.Buffer) *interp.Interpreter {
	t.Helper()
	i := interp.New(interp.Options{Stdout: out, Stderr: out})
	if err := stdlib.Load(i); err != nil {
		t.Fatal(err)
	}
	return i
}

// evalCells evaluates cells in order in i, turning interpreter panics into
// errors, and returns the last value printed with %v.
func evalCells(i *interp.Interpreter, cells []string) (last string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError{r}
		}
	}()
	for _, c := range cells {
		v, err := i.Eval(c)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := evalCells(newInterpreter(t, &out), tt.cells)
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
	for _, p := range pkgs {
		api := apis[p]
		table, ok := stdlib.Symbols[p+"/"+api.Name]
		if !ok {
			t.Errorf("%s has no symbol table: run go generate ./stdlib/...", p)
			continue
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

// BenchmarkLoad measures a fresh interpreter with the symbol tables
// (Use, which also compiles yaegi's own generic sources) and with the
// generic package sources of this package (Load), as a session starts.
func BenchmarkLoad(b *testing.B) {
	b.Run("Use", func(b *testing.B) {
		for b.Loop() {
			if err := interp.New(interp.Options{}).Use(stdlib.Symbols); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if err := stdlib.Load(interp.New(interp.Options{})); err != nil {
				b.Fatal(err)
			}
		}
	})
}
