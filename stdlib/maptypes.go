package stdlib

import (
	"encoding"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"log"
	"reflect"

	"github.com/golign/golign/kernel/display"
)

// interfaceTypes returns the reflect types of the interfaces pointed to by
// ptrs, each given as a nil pointer such as (*fmt.Stringer)(nil).
func interfaceTypes(ptrs ...any) []reflect.Type {
	ts := make([]reflect.Type, len(ptrs))
	for i, p := range ptrs {
		ts[i] = reflect.TypeOf(p).Elem()
	}
	return ts
}

// register records that each of funcs looks for the interfaces ifaces in its
// interface arguments.
func register(ifaces []reflect.Type, funcs ...any) {
	for _, f := range funcs {
		MapTypes[reflect.ValueOf(f)] = ifaces
	}
}

func init() {
	// yaegi wraps an interpreted value as the first of these interfaces
	// its type implements.
	printing := interfaceTypes((*fmt.Formatter)(nil), (*fmt.Stringer)(nil), (*fmt.GoStringer)(nil))
	register(printing,
		fmt.Errorf, fmt.Fprint, fmt.Fprintf, fmt.Fprintln, fmt.Print, fmt.Printf, fmt.Println,
		fmt.Sprint, fmt.Sprintf, fmt.Sprintln, fmt.Append, fmt.Appendf, fmt.Appendln,
		log.Print, log.Printf, log.Println, log.Panic, log.Panicf, log.Panicln,
		log.Fatal, log.Fatalf, log.Fatalln)
	// display shows values by the first of these they implement, then as
	// fmt prints them.
	register(interfaceTypes((*display.Bundler)(nil), (*image.Image)(nil), (*fmt.Formatter)(nil), (*fmt.Stringer)(nil)),
		display.Show, display.Render, display.Rich)
	register(interfaceTypes((*fmt.Scanner)(nil)),
		fmt.Scan, fmt.Scanf, fmt.Scanln, fmt.Fscan, fmt.Fscanf, fmt.Fscanln, fmt.Sscan, fmt.Sscanf, fmt.Sscanln)
	register(interfaceTypes((*json.Marshaler)(nil), (*encoding.TextMarshaler)(nil)),
		json.Marshal, json.MarshalIndent)
	register(interfaceTypes((*json.Unmarshaler)(nil), (*encoding.TextUnmarshaler)(nil)),
		json.Unmarshal)
	register(interfaceTypes((*xml.Marshaler)(nil), (*encoding.TextMarshaler)(nil)),
		xml.Marshal, xml.MarshalIndent)
	register(interfaceTypes((*xml.Unmarshaler)(nil), (*encoding.TextUnmarshaler)(nil)),
		xml.Unmarshal)
}
