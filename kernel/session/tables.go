package session

import (
	"fmt"
	"path"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/stdlib"
)

// packageNames maps the import paths of the packages of symbols (those of
// stdlib when symbols is nil) to their package names.
func packageNames(symbols interp.Exports) map[string]string {
	if symbols == nil {
		return stdlib.Packages()
	}
	names := map[string]string{}
	for key := range symbols {
		if key != "." {
			names[path.Dir(key)] = path.Base(key)
		}
	}
	return names
}

// useSymbols gives a new interpreter the compiled packages: Options.Symbols
// all at once, or else a loader of the tables of stdlib, which gives them
// as cells import their packages.
func (s *Session) useSymbols(in *interp.Interpreter) error {
	s.loader = nil
	if s.symbols != nil {
		if err := in.Use(s.symbols); err != nil {
			return fmt.Errorf("loading compiled packages: %w", err)
		}
		return nil
	}
	s.loader = stdlib.NewLoader(in)
	return nil
}

// loadPackages gives the interpreter the symbol tables of the packages a
// cell is about to import (see stdlib.Loader.Import): sessions pay in time
// and memory only for the packages they use.
func (s *Session) loadPackages(imports []imported) error {
	if s.loader == nil {
		return nil
	}
	paths := make([]string, len(imports))
	for i, a := range imports {
		paths[i] = a.path
	}
	return s.loader.Import(paths...)
}

// table returns the symbol table of the compiled package at import path p,
// or nil.
func (s *Session) table(p string) map[string]reflect.Value {
	if s.symbols == nil {
		t, _ := stdlib.Table(p)
		return t
	}
	return s.symbols[p+"/"+s.pkgNames[p]]
}
