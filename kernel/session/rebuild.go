package session

import (
	"context"
	"fmt"
	"go/ast"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/kernel/gocode"
)

// The interpreter cannot change a type once declared: it keeps the first
// definition without a word. A cell declaring again a type that an earlier
// cell declared therefore rebuilds the session: a new interpreter replays
// the imports and declarations of the earlier cells, leaving out those the
// new cell replaces; methods of the old type are compiled again against the
// new one, and dropped, with a notice, when they no longer compile.
// Variables keep their values when their types allow it: a variable declared
// again by the replay gets its old value if assignable, other variables are
// carried over unless their type contains a struct type declared by a cell
// (their old values could not be used with the new definitions); the
// dropped ones are listed on stderr. Statements of earlier cells are not run
// again.

// keptPath is the import path under which rebuild hands old values to the
// new interpreter.
const keptPath = "golign.session/golignkept"

// redefinesType tells whether declaration piece p declares a type that an
// earlier cell declared.
func (s *Session) redefinesType(p piece) bool {
	for name := range namesOf(p).defines {
		if s.declared[name] == gocode.KindType {
			return true
		}
	}
	return false
}

// rebuild gives the session a new interpreter holding the declarations of
// the earlier cells that the piece next does not replace, and their
// variables where possible (see above). The declarations that do not
// compile yet, such as methods of the type next redefines, are compiled by
// finish, to be called once next is declared.
func (s *Session) rebuild(ctx context.Context, next piece) (finish func()) {
	oldGlobals := s.globals()
	history := s.history
	if err := s.reset(); err != nil {
		fmt.Fprintf(os.Stderr, "rebuilding the session failed: %v\n", err)
		return func() {}
	}
	var pending []*ast.File
	for i, p := range history {
		later := namesOf(next).defines
		for _, q := range history[i+1:] {
			for n := range namesOf(q).defines {
				later[n] = true
			}
		}
		f, err := s.parseFile(p)
		if err != nil {
			continue
		}
		if p.kind == importUnit {
			if s.importDecls(ctx, f) == nil {
				s.history = append(s.history, p)
			}
			continue
		}
		var kept []ast.Decl
		for _, d := range f.Decls {
			if !supersededBy(d, later) {
				kept = append(kept, d)
			}
		}
		if len(kept) == 0 {
			continue
		}
		f.Decls = kept
		if s.declare(ctx, f) == nil {
			s.history = append(s.history, p)
			continue
		}
		// One declaration at a time, so that one that no longer
		// compiles does not take the others with it.
		for _, d := range kept {
			single := *f
			single.Decls = []ast.Decl{d}
			if s.declare(ctx, &single) != nil {
				pending = append(pending, &single)
			}
		}
		s.history = append(s.history, p)
	}
	dropped := s.restoreGlobals(ctx, oldGlobals)
	return func() { s.finishRebuild(ctx, pending, dropped) }
}

// finishRebuild declares the declarations rebuild left pending, and says
// what could not be kept.
func (s *Session) finishRebuild(ctx context.Context, pending []*ast.File, dropped []string) {
	var failed []string
	for _, f := range pending {
		if s.declare(ctx, f) != nil {
			failed = append(failed, declaredNames(f.Decls[0])...)
		}
	}
	var notice []string
	if len(failed) > 0 {
		notice = append(notice, "declarations that no longer compile were dropped: "+strings.Join(failed, ", "))
	}
	if len(dropped) > 0 {
		notice = append(notice, "variables whose types came from the old definitions were dropped: "+strings.Join(dropped, ", "))
	}
	if len(notice) > 0 {
		s.capture.sync()
		fmt.Fprintf(os.Stderr, "a type was redefined and the session rebuilt; %s\n", strings.Join(notice, "; "))
	}
}

// supersededBy tells whether every name d declares is in later.
func supersededBy(d ast.Decl, later nameSet) bool {
	names := declaredNames(d)
	for _, n := range names {
		if !later[n] {
			return false
		}
	}
	return len(names) > 0
}

// restoreGlobals gives the new interpreter the variables of the old one and
// returns the names of those it could not keep.
func (s *Session) restoreGlobals(ctx context.Context, old map[string]reflect.Value) (dropped []string) {
	current := s.globals()
	symbols := map[string]reflect.Value{}
	var carried []string
	for name, v := range old {
		if strings.HasPrefix(name, "_golign") || !v.IsValid() {
			continue
		}
		if nv, ok := current[name]; ok {
			if nv.CanSet() && v.Type().AssignableTo(nv.Type()) {
				nv.Set(v)
			} else {
				dropped = append(dropped, name)
			}
			continue
		}
		if hasCellStruct(v.Type(), 0) {
			dropped = append(dropped, name)
			continue
		}
		holder := reflect.New(v.Type())
		holder.Elem().Set(v)
		symbols["V_"+name] = holder.Elem()
		carried = append(carried, name)
	}
	sort.Strings(dropped)
	if len(carried) == 0 {
		return dropped
	}
	if err := s.in.Use(interp.Exports{keptPath + "/golignkept": symbols}); err != nil {
		return append(dropped, carried...)
	}
	s.pkgNames[keptPath] = "golignkept"
	defer delete(s.pkgNames, keptPath)
	history := s.history
	defer func() { s.history = history }()
	var src strings.Builder
	fmt.Fprintf(&src, "import %q\n", keptPath)
	for _, name := range carried {
		fmt.Fprintf(&src, "%s := golignkept.V_%s\n", name, name)
	}
	for _, p := range splitCell(src.String()) {
		if _, err := s.runPiece(ctx, p, false); err != nil {
			return append(dropped, carried...)
		}
	}
	return dropped
}

// hasCellStruct tells whether t contains an unnamed struct type: the
// interpreter represents the struct types that cells declare so.
func hasCellStruct(t reflect.Type, depth int) bool {
	if depth > 10 {
		return false
	}
	switch t.Kind() {
	case reflect.Struct:
		return t.Name() == ""
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
		return hasCellStruct(t.Elem(), depth+1)
	case reflect.Map:
		return hasCellStruct(t.Key(), depth+1) || hasCellStruct(t.Elem(), depth+1)
	}
	return false
}
