package session

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// The interpreter (yaegi v0.16.1) gives every node of code compiled at top
// level — each call, each operand, each variable of a block — a slot of its
// global frame, and never reuses a slot: a statement compiled anew, as every
// cell is, takes new ones. The value a top-level node computed therefore
// stays in its slot for the rest of the session, and so do the earlier
// values of redeclared variables and the temporaries of expressions
// (x := make([]float64, 1e6) run in 200 cells kept 200 slices). It also
// keeps, for its debugger only, the syntax tree of every program it
// compiled and the scope of every block and function literal compiled at
// top level.
//
// A frameReleaser gives those back after each program ran: it replaces the
// value of every slot of the global frame that no symbol names — slots that
// only the program that just ran could reach, and that no program reaches
// again once it returned — by a zero value (shared, not allocated, for
// types up to 1 KiB), and forgets the compiled
// programs' trees and the package scopes' lists of nested scopes (nothing
// but the debugger walks them: symbols are found from the inner scope
// outwards). Closures created by a program copied the frame when they
// were created (the interpreter clones it), so they keep the values they
// captured; slots of variables, which symbols name, are left alone. The
// slots themselves stay (24 bytes each): the frame only grows.
//
// The interpreter exposes none of this, so the releaser reaches its fields
// by name through reflection (release_test.go checks that it still finds
// them and that memory is returned).
type frameReleaser struct {
	data     *[]reflect.Value // the global frame's slots
	frameMu  *sync.RWMutex    // guards data
	packages reflect.Value    // the interpreter's source packages: path → name → *symbol
	roots    *[]unsafe.Pointer
	scopes   reflect.Value // the interpreter's package scopes: path → *scope

	// done is the number of slots examined so far: the slots below it that
	// no variable held are zero, and programs that ran do not run again.
	done int
	// held are the slots that a symbol named at some release: code
	// compiled then may still read them, so they are never zeroed.
	held map[int]bool
	// vars is the slot of each variable of package main at the last
	// release, and former the earlier slots of those declared again in a
	// new slot (the interpreter moves a variable to a new slot when some
	// declarations of it run again: x := []int{7}).
	vars   map[string]int
	former map[string][]int
}

// newFrameReleaser finds the frame, packages and compiled trees of in.
func newFrameReleaser(in *interp.Interpreter) (*frameReleaser, error) {
	iv := reflect.ValueOf(in).Elem()
	frame, err := field(iv, "frame", reflect.Pointer)
	if err != nil {
		return nil, err
	}
	if frame.IsNil() || frame.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("the interpreter has no global frame")
	}
	data, err := field(frame.Elem(), "data", reflect.Slice)
	if err != nil {
		return nil, err
	}
	if data.Type() != reflect.TypeOf([]reflect.Value(nil)) {
		return nil, fmt.Errorf("the interpreter's frame holds %v, not []reflect.Value", data.Type())
	}
	mu, err := field(frame.Elem(), "mutex", reflect.Struct)
	if err != nil {
		return nil, err
	}
	if mu.Type() != reflect.TypeOf(sync.RWMutex{}) {
		return nil, fmt.Errorf("the interpreter's frame mutex is a %v", mu.Type())
	}
	packages, err := field(iv, "srcPkg", reflect.Map)
	if err != nil {
		return nil, err
	}
	symbol := packages.Type().Elem() // map[string]*symbol
	if symbol.Kind() != reflect.Map || symbol.Elem().Kind() != reflect.Pointer || symbol.Elem().Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("the interpreter's packages are a %v", packages.Type())
	}
	if index, ok := symbol.Elem().Elem().FieldByName("index"); !ok || index.Type.Kind() != reflect.Int {
		return nil, fmt.Errorf("the interpreter's symbols have no index")
	}
	if kind, ok := symbol.Elem().Elem().FieldByName("kind"); !ok || kind.Type.Kind() != reflect.Uint {
		return nil, fmt.Errorf("the interpreter's symbols have no kind")
	}
	roots, err := field(iv, "roots", reflect.Slice)
	if err != nil {
		return nil, err
	}
	if roots.Type().Elem().Kind() != reflect.Pointer {
		return nil, fmt.Errorf("the interpreter's roots are a %v", roots.Type())
	}
	scopes, err := field(iv, "scopes", reflect.Map)
	if err != nil {
		return nil, err
	}
	scope := scopes.Type().Elem()
	if scope.Kind() != reflect.Pointer || scope.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("the interpreter's scopes are a %v", scopes.Type())
	}
	if child, ok := scope.Elem().FieldByName("child"); !ok || child.Type.Kind() != reflect.Slice {
		return nil, fmt.Errorf("the interpreter's scopes have no children")
	}
	return &frameReleaser{
		data:     (*[]reflect.Value)(data.Addr().UnsafePointer()),
		frameMu:  (*sync.RWMutex)(mu.Addr().UnsafePointer()),
		packages: packages,
		roots:    (*[]unsafe.Pointer)(roots.Addr().UnsafePointer()),
		scopes:   scopes,
		held:     map[int]bool{},
		vars:     map[string]int{},
		former:   map[string][]int{},
	}, nil
}

// field returns the field name of the struct v, of kind kind, as an
// addressable value whose address may be taken.
func field(v reflect.Value, name string, kind reflect.Kind) (reflect.Value, error) {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != kind {
		return reflect.Value{}, fmt.Errorf("the interpreter has no field %s of kind %v", name, kind)
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), nil
}

// varSymbol is the interpreter's kind of the symbols of variables
// (sKind varSym).
const varSymbol = 9

// mainPackage is the path of the package of the cells.
const mainPackage = "main"

// scanSymbols adds to r.held the slots the symbols of the interpreter's
// packages name, and returns the slot of each variable of package main.
func (r *frameReleaser) scanSymbols() map[string]int {
	vars := make(map[string]int, len(r.vars)+8)
	pkgs := r.packages.MapRange()
	for pkgs.Next() {
		main := pkgs.Key().String() == mainPackage
		syms := pkgs.Value().MapRange()
		for syms.Next() {
			sym := syms.Value()
			if sym.IsNil() {
				continue
			}
			i := int(sym.Elem().FieldByName("index").Int())
			if i < 0 {
				continue
			}
			r.held[i] = true
			if main && sym.Elem().FieldByName("kind").Uint() == varSymbol {
				vars[syms.Key().String()] = i
			}
		}
	}
	return vars
}

// global returns the value of the variable name of package main as the
// last release found it.
func (r *frameReleaser) global(name string) (reflect.Value, bool) {
	i, ok := r.vars[name]
	if !ok {
		return reflect.Value{}, false
	}
	r.frameMu.RLock()
	defer r.frameMu.RUnlock()
	if i >= len(*r.data) {
		return reflect.Value{}, false
	}
	return (*r.data)[i], true
}

// release makes the values of the global frame that no code can reach
// collectable. It must not run while a program runs.
//
// A slot no symbol ever named belongs to a node of a program that ran: it
// is zeroed. A variable declared again in a new slot leaves its earlier
// slots to the functions compiled before, which read them: when the value
// keeps its type, those slots are made to share the new slot's storage, so
// that every function sees the variable's current value and the earlier one
// is freed; when the type changed, the earlier value stays for them.
func (r *frameReleaser) release() {
	vars := r.scanSymbols()
	for name, i := range vars {
		if prev, ok := r.vars[name]; ok && prev != i && !slices.Contains(r.former[name], prev) {
			r.former[name] = append(r.former[name], prev)
		}
	}
	r.vars = vars

	r.frameMu.Lock()
	defer r.frameMu.Unlock()
	data := *r.data
	for i := r.done; i < len(data); i++ {
		if v := data[i]; v.IsValid() && !r.held[i] && !v.IsZero() {
			data[i] = reflect.Zero(v.Type())
		}
	}
	r.done = max(r.done, len(data))
	for name, slots := range r.former {
		i, ok := vars[name]
		if !ok || i >= len(data) || !data[i].IsValid() || !data[i].CanSet() {
			continue
		}
		for _, j := range slots {
			if j < len(data) && data[j].IsValid() && data[j].Type() == data[i].Type() {
				data[j] = data[i]
			}
		}
	}
	r.forgetTrees()
}

// forgetTrees drops the interpreter's lists of the programs it compiled
// and of the package scopes' nested scopes, which only its debugger reads:
// the compiled code stays reachable from the program being run and from
// the symbols. It runs after every program and after every cell, so that
// compilations that failed leave nothing either.
func (r *frameReleaser) forgetTrees() {
	*r.roots = nil
	scopes := r.scopes.MapRange()
	for scopes.Next() {
		if sc := scopes.Value(); !sc.IsNil() {
			child, _ := field(sc.Elem(), "child", reflect.Slice)
			child.SetZero()
		}
	}
}

// forgetCompiled drops what the interpreter keeps of the programs compiled
// so far for its debugger (see frameReleaser.forgetTrees).
func (s *Session) forgetCompiled() {
	if s.releaser != nil {
		s.releaser.forgetTrees()
	}
}
