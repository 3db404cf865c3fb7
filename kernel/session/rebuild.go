package session

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/kernel/gocode"
)

// The interpreter cannot change a type or a method once declared: it keeps
// the first definition without a word. A cell declaring again a type or a
// method that an earlier cell declared, or a function that such a method
// calls, therefore rebuilds the session: a new interpreter replays
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

// needsRebuild tells whether declaration piece p redefines what the
// interpreter cannot change in place: a type or a method declared by an
// earlier cell, or a function that a method of an earlier cell calls,
// directly or through other functions.
func (s *Session) needsRebuild(p piece) bool {
	changed := nameSet{}
	for name := range namesOf(p).defines {
		switch {
		case s.declared[name] == gocode.KindType, s.methods[name] != nil:
			return true
		case s.declared[name] == gocode.KindFunc:
			changed[name] = true
		}
	}
	seen := nameSet{}
	for n := range changed {
		seen[n] = true
	}
	for len(changed) > 0 {
		next := nameSet{}
		for _, q := range s.history {
			if q.kind != declUnit {
				continue
			}
			for _, d := range parseDecls(q) {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || !mentionsAny(fd, changed) {
					continue
				}
				if fd.Recv != nil {
					return true
				}
				if !seen[fd.Name.Name] {
					seen[fd.Name.Name], next[fd.Name.Name] = true, true
				}
			}
		}
		changed = next
	}
	return false
}

// parseDecls parses a declaration piece on its own, for analysis.
func parseDecls(p piece) []ast.Decl {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package main\n"+p.src, parseMode)
	if err != nil {
		return nil
	}
	return f.Decls
}

// rebuild gives the session a new interpreter holding the declarations of
// the earlier cells that declaration piece next does not replace, those of
// next, and the earlier variables where possible (see above). It returns
// the error of next's own declarations, after which the session is rebuilt
// without them.
func (s *Session) rebuild(ctx context.Context, next piece) error {
	if _, err := s.parseFile(next); err != nil {
		return err
	}
	oldGlobals := s.globals()
	history := append([]piece(nil), s.history...)
	failed, nextErr := s.replay(ctx, history, &next)
	if nextErr != nil {
		failed, _ = s.replay(ctx, history, nil)
	}
	s.history = history
	if nextErr == nil {
		s.forgetReplaced(namesOf(next).defines)
	}
	s.finishRebuild(ctx, oldGlobals, failed)
	return nextErr
}

// replay resets the interpreter and compiles the imports of history, then
// its declarations that no later piece (nor next) replaces, and next's, all
// as one file so that old and new ones may refer to each other. When that
// fails, the declaration at fault is left out and the interpreter reset
// again (a failed compilation leaves it unusable); failed lists the names
// left out. nextErr is the error of a declaration of next.
func (s *Session) replay(ctx context.Context, history []piece, next *piece) (failed []string, nextErr error) {
	pieces := history
	if next != nil {
		pieces = append(pieces[:len(pieces):len(pieces)], *next)
	}
	type declKey struct{ piece, index int }
	excluded := map[declKey]bool{}
	for {
		if err := s.reset(); err != nil {
			return failed, err
		}
		var decls []ast.Decl
		var keys []declKey
		var pkg token.Pos
		for i, p := range pieces {
			later := nameSet{}
			for _, q := range pieces[i+1:] {
				for n := range namesOf(q).defines {
					later[n] = true
				}
			}
			name := fmt.Sprintf("%s%d", replayFile, i)
			if next != nil && i == len(pieces)-1 {
				name = cellFile // errors in the new cell point at its lines
			}
			f, err := s.parseFileAs(p, name)
			if err != nil {
				continue
			}
			pkg = f.Package
			if p.kind == importUnit {
				s.importDecls(ctx, f)
				continue
			}
			for j, d := range f.Decls {
				if !supersededBy(d, later) && !excluded[declKey{i, j}] {
					decls = append(decls, d)
					keys = append(keys, declKey{i, j})
				}
			}
		}
		if len(decls) == 0 {
			return failed, nil
		}
		err := s.compileDecls(ctx, &ast.File{Package: pkg, Name: ast.NewIdent("main"), Decls: decls}, false)
		if err == nil {
			return failed, nil
		}
		at := s.faultyDecl(err, decls)
		switch {
		case at < 0:
			return failed, err
		case next != nil && keys[at].piece == len(pieces)-1:
			return failed, err
		}
		excluded[keys[at]] = true
		failed = append(failed, declaredNames(decls[at])...)
	}
}

// replayFile names the pieces replayed by rebuild in positions, to tell
// which declaration an error is about.
const replayFile = "replay"

// faultyDecl returns the index of the declaration of decls at the position
// err reports, or -1.
func (s *Session) faultyDecl(err error, decls []ast.Decl) int {
	var file string
	var line int
	if pe, ok := err.(*posError); ok {
		p := s.in.FileSet().Position(pe.pos)
		file, line = p.Filename, p.Line
	} else if _, e := fmt.Sscanf(strings.Replace(err.Error(), ":", " ", 2), "%s %d", &file, &line); e != nil {
		return -1
	}
	fset := s.in.FileSet()
	for i, d := range decls {
		start, end := fset.Position(d.Pos()), fset.Position(d.End())
		if start.Filename == file && start.Line <= line && line <= end.Line {
			return i
		}
	}
	return -1
}

// finishRebuild restores the variables and says what could not be kept.
func (s *Session) finishRebuild(ctx context.Context, oldGlobals map[string]reflect.Value, failed []string) {
	dropped := s.restoreGlobals(ctx, oldGlobals)
	var notice []string
	if len(failed) > 0 {
		notice = append(notice, "declarations that no longer compile were dropped: "+strings.Join(failed, ", "))
	}
	if len(dropped) > 0 {
		notice = append(notice, "variables whose types came from the old definitions were dropped: "+strings.Join(dropped, ", "))
	}
	if len(notice) > 0 {
		s.capture.sync()
		fmt.Fprintf(os.Stderr, "a type or method was redefined and the session rebuilt; %s\n", strings.Join(notice, "; "))
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
