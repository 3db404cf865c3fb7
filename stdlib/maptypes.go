package stdlib

import (
	"encoding"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"log"
	"reflect"
	"sync"

	"github.com/golign/golign/kernel/display"
)

// interfaceLists says, for compiled functions taking interface values, which
// interfaces those functions look for in their arguments (fmt.Println and
// fmt.Stringer, for example), so that yaegi passes interpreted values with
// the right methods: yaegi wraps an interpreted value as the first
// interface of the list its type implements.
type interfaceLists struct {
	// byFunc maps each function to its interfaces; yaegi reads it from
	// the symbol "MapTypes" of the table ".".
	byFunc map[reflect.Value][]reflect.Type
	// requires maps the import path of the functions' packages to the
	// packages of their interfaces, whose tables hold the wrappers.
	requires map[string][]string
}

// add records that the functions funcs of the package at import path pkg
// look for the interfaces given as nil pointers, such as
// (*fmt.Stringer)(nil).
func (l *interfaceLists) add(pkg string, ifacePtrs []any, funcs ...any) {
	ifaces := make([]reflect.Type, len(ifacePtrs))
	for i, p := range ifacePtrs {
		ifaces[i] = reflect.TypeOf(p).Elem()
		if q := ifaces[i].PkgPath(); q != pkg {
			l.requires[pkg] = append(l.requires[pkg], q)
		}
	}
	for _, f := range funcs {
		l.byFunc[reflect.ValueOf(f)] = ifaces
	}
}

// mapTypes builds the interface lists once, when an interpreter first
// needs them.
var mapTypes = sync.OnceValue(func() *interfaceLists {
	l := &interfaceLists{byFunc: map[reflect.Value][]reflect.Type{}, requires: map[string][]string{}}
	printing := []any{(*fmt.Formatter)(nil), (*fmt.Stringer)(nil), (*fmt.GoStringer)(nil)}
	l.add("fmt", printing,
		fmt.Errorf, fmt.Fprint, fmt.Fprintf, fmt.Fprintln, fmt.Print, fmt.Printf, fmt.Println,
		fmt.Sprint, fmt.Sprintf, fmt.Sprintln, fmt.Append, fmt.Appendf, fmt.Appendln)
	l.add("log", printing, log.Print, log.Printf, log.Println, log.Panic, log.Panicf, log.Panicln,
		log.Fatal, log.Fatalf, log.Fatalln)
	// display shows values by the first of these they implement, then as
	// fmt prints them.
	l.add("github.com/golign/golign/kernel/display",
		[]any{(*display.Bundler)(nil), (*image.Image)(nil), (*fmt.Formatter)(nil), (*fmt.Stringer)(nil)},
		display.Show, display.Render, display.Rich)
	l.add("fmt", []any{(*fmt.Scanner)(nil)},
		fmt.Scan, fmt.Scanf, fmt.Scanln, fmt.Fscan, fmt.Fscanf, fmt.Fscanln, fmt.Sscan, fmt.Sscanf, fmt.Sscanln)
	l.add("encoding/json", []any{(*json.Marshaler)(nil), (*encoding.TextMarshaler)(nil)},
		json.Marshal, json.MarshalIndent)
	l.add("encoding/json", []any{(*json.Unmarshaler)(nil), (*encoding.TextUnmarshaler)(nil)},
		json.Unmarshal)
	l.add("encoding/xml", []any{(*xml.Marshaler)(nil), (*encoding.TextMarshaler)(nil)},
		xml.Marshal, xml.MarshalIndent)
	l.add("encoding/xml", []any{(*xml.Unmarshaler)(nil), (*encoding.TextUnmarshaler)(nil)},
		xml.Unmarshal)
	return l
})

// mapTypesSymbols returns the table "." through which yaegi reads the
// interface lists.
func mapTypesSymbols() map[string]reflect.Value {
	return map[string]reflect.Value{"MapTypes": reflect.ValueOf(mapTypes().byFunc)}
}

// mapTypesRequires maps import paths to the packages whose tables the
// interface lists of their functions require.
func mapTypesRequires() map[string][]string { return mapTypes().requires }
