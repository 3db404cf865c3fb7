package symgen

import (
	"bytes"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// Package is the part of a compiled package's API the extractor turns into
// symbols.
type Package struct {
	// Name is the package name, the last element of its Symbols key.
	Name string
	// Symbols lists, sorted, the exported names the extractor keeps: all
	// but generic functions, generic types and constraint interfaces.
	Symbols []string
	// Requires lists, sorted, the other packages of the list given to
	// Exports that declare the exported interface types with methods
	// that the package's exported API reaches (see Index).
	Requires []string
}

// Exports reads the API of pkgs from the compiler's export data, which the
// go command builds (or finds in its cache) in one `go list -export` run: a
// fraction of a second per package, where extracting from source takes
// seconds. It lets a test compare the symbol tables with the current
// packages without extracting them again.
func Exports(pkgs []string) (map[string]Package, error) {
	typed, err := loadTypes(pkgs)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(pkgs))
	for _, p := range pkgs {
		listed[p] = true
	}
	apis := make(map[string]Package, len(pkgs))
	for _, p := range pkgs {
		apis[p] = Package{Name: typed[p].Name(), Symbols: extractedNames(typed[p]), Requires: interfacePackages(typed[p], listed)}
	}
	return apis, nil
}

// loadTypes reads the type information of pkgs from the compiler's export
// data, found or built by one `go list -export` run.
func loadTypes(pkgs []string) (map[string]*types.Package, error) {
	args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %v: %s", err, stderr.Bytes())
	}
	exportFile := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			exportFile[path] = file
		}
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := exportFile[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", lookup)
	typed := make(map[string]*types.Package, len(pkgs))
	for _, p := range pkgs {
		tp, err := imp.Import(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		typed[p] = tp
	}
	return typed, nil
}

// extractedNames lists the exported names of p that yaegi's extractor
// keeps, sorted.
func extractedNames(p *types.Package) []string {
	var names []string
	sc := p.Scope()
	for _, name := range sc.Names() {
		o := sc.Lookup(name)
		if !o.Exported() {
			continue
		}
		switch o := o.(type) {
		case *types.Func:
			if o.Type().(*types.Signature).TypeParams().Len() > 0 {
				continue
			}
		case *types.TypeName:
			if n, ok := o.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
				continue
			}
			if it, ok := o.Type().Underlying().(*types.Interface); ok && it.NumMethods() == 0 && it.NumEmbeddeds() != 0 {
				continue
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
