package session

import (
	"errors"
	"fmt"
	"go/parser"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/traefik/yaegi/interp"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/display"
)

// hookPath is the import path of the compiled functions the prelude calls.
const hookPath = "golign.session/" + hookPkg

// prelude is interpreted in every new interpreter. The numeric constraint
// of min and max lists Go's ordered types, as cmp.Ordered does.
const prelude = `
import "` + hookPath + `"

type _golignOrdered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64 | ~string
}

// _golignMin is the builtin min of Go 1.21: the smallest argument, NaN if
// one is NaN.
func ` + minHelper + `[T _golignOrdered](x T, ys ...T) T {
	for _, y := range ys {
		if x != x {
			return x
		}
		if y < x || y != y {
			x = y
		}
	}
	return x
}

// _golignMax is the builtin max of Go 1.21: the largest argument, NaN if
// one is NaN.
func ` + maxHelper + `[T _golignOrdered](x T, ys ...T) T {
	for _, y := range ys {
		if x != x {
			return x
		}
		if y > x || y != y {
			x = y
		}
	}
	return x
}

func ` + recoverFunc + `() {
	if r := recover(); r != nil {
		` + hookPkg + `.GoroutinePanic(r)
	}
}

// _golignDeferred holds the calls a cell deferred at its top level.
var ` + deferredList + ` []func()

// _golignRunDeferred runs and forgets the deferred calls, last first. A
// panicking call does not stop the others; the first panic is raised
// again when all have run.
func ` + deferredRunner + `() {
	var first any
	for len(` + deferredList + `) > 0 {
		f := ` + deferredList + `[len(` + deferredList + `)-1]
		` + deferredList + ` = ` + deferredList + `[:len(` + deferredList + `)-1]
		func() {
			defer func() {
				if r := recover(); r != nil && first == nil {
					first = r
				}
			}()
			f()
		}()
	}
	if first != nil {
		panic(first)
	}
}

type _golignBundler interface {
	MIMEBundle() (map[string]any, map[string]any)
}

type _golignStringer interface {
	String() string
}

type _golignError interface {
	Error() string
}

func ` + resultHelper + `(values ...any) {
	` + hookPkg + `.Results(len(values))
	for i, v := range values {
		// The interpreter's type switch also takes a value of a type a
		// cell declared with other methods for one of an interface, and
		// fails on methods of a value asserted with v.(T): the assertions
		// decide, the switch calls. A cell's errors and Stringers show
		// their text, as fmt prints them.
		if _, ok := v.(_golignBundler); ok {
			switch b := v.(type) {
			case _golignBundler:
				data, metadata := b.MIMEBundle()
				` + hookPkg + `.Rich(i, data, metadata)
				continue
			}
		}
		if _, ok := v.(_golignError); ok {
			switch b := v.(type) {
			case _golignError:
				` + hookPkg + `.Error(i, b.Error())
				continue
			}
		}
		if _, ok := v.(_golignStringer); ok {
			switch b := v.(type) {
			case _golignStringer:
				` + hookPkg + `.Text(i, b.String())
				continue
			}
		}
		` + hookPkg + `.Value(i, v)
	}
}
`

// evalPrelude compiles and runs the prelude.
func (s *Session) evalPrelude() error {
	f, err := parser.ParseFile(s.in.FileSet(), cellFile, "package main\n"+prelude, parseMode)
	if err != nil {
		return err
	}
	prog, err := s.compile(f)
	if err != nil {
		return err
	}
	if _, err := s.in.Execute(prog); err != nil {
		return err
	}
	s.imports[hookPkg] = hookPath
	return nil
}

// hooks returns the compiled functions of the prelude, bound to s.
func (s *Session) hooks() interp.Exports {
	return interp.Exports{hookPath + "/" + hookPkg: {
		"Results": reflect.ValueOf(func(n int) {
			if s.results != nil {
				s.results.values = make([]any, n)
			}
		}),
		"Value": reflect.ValueOf(func(i int, v any) {
			if s.results != nil && i < len(s.results.values) {
				s.results.values[i] = unwrapInterpreted(v)
			}
		}),
		"Error": reflect.ValueOf(func(i int, msg string) {
			if s.results != nil && i < len(s.results.values) {
				s.results.values[i] = errors.New(msg)
			}
		}),
		"Text": reflect.ValueOf(func(i int, text string) {
			if s.results != nil && i < len(s.results.values) {
				s.results.values[i] = shownText(text)
			}
		}),
		"Rich": reflect.ValueOf(func(i int, data, metadata map[string]any) {
			if s.results != nil {
				if s.results.rich == nil {
					s.results.rich = map[int]display.Data{}
				}
				s.results.rich[i] = display.Data{MIME: data, Metadata: metadata}
			}
		}),
		"Clear":          reflect.ValueOf(clearValue),
		"MakeLen":        reflect.ValueOf(checkedMakeLen),
		"MakeLenCap":     reflect.ValueOf(checkedMakeLenCap),
		"Print":          reflect.ValueOf(func(args ...any) { os.Stderr.WriteString(builtinPrint(args, false)) }),
		"Println":        reflect.ValueOf(func(args ...any) { os.Stderr.WriteString(builtinPrint(args, true)) }),
		"GoroutinePanic": reflect.ValueOf(s.goroutinePanic),
	}}
}

// clearValue is the builtin clear of Go 1.21: it deletes every entry of a
// map, or sets every element of a slice to its zero value.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	default:
		panic(fmt.Sprintf("invalid argument: clear(%v): argument must be (or constrained by) map or slice", v.Type()))
	}
}

// builtinPrint formats args as Go's builtin print and println do: floats
// as +1.500000e+000, println with spaces between arguments and a newline.
func builtinPrint(args []any, line bool) string {
	var b strings.Builder
	for i, a := range args {
		if line && i > 0 {
			b.WriteByte(' ')
		}
		switch v := reflect.ValueOf(a); v.Kind() {
		case reflect.Float32, reflect.Float64:
			b.WriteString(builtinFloat(v.Float()))
		case reflect.Complex64, reflect.Complex128:
			c := v.Complex()
			b.WriteString("(" + builtinFloat(real(c)) + builtinFloat(imag(c)) + "i)")
		case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Slice:
			fmt.Fprintf(&b, "%#x", v.Pointer())
		case reflect.Invalid:
			b.WriteString("nil")
		default:
			fmt.Fprint(&b, a)
		}
	}
	if line {
		b.WriteByte('\n')
	}
	return b.String()
}

// builtinFloat formats f as the runtime prints floats.
func builtinFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	s := strconv.FormatFloat(f, 'e', 6, 64) // 1.500000e+00
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.HasPrefix(mant, "-") {
		mant = "+" + mant
	}
	return fmt.Sprintf("%se%c%03s", mant, exp[0], exp[1:])
}

// goroutinePanic reports the panic of a goroutine started by a cell.
func (s *Session) goroutinePanic(r any) {
	var b strings.Builder
	fmt.Fprintf(&b, "panic in a goroutine: %v\n", r)
	for _, f := range s.frames.take() {
		fmt.Fprintf(&b, "\t%s\n", f)
	}
	b.WriteString("(the goroutine stopped; the kernel goes on)\n")
	os.Stderr.WriteString(b.String())
}

// cellResult collects the values of the last expression of a cell.
type cellResult struct {
	values []any
	rich   map[int]display.Data
}

// bundle is a MIME bundle with its metadata.
type bundle struct {
	data     kernel.MIMEBundle
	metadata map[string]any
}

// bundle returns the result to publish: the rich form of a single rich
// value, the texts of the values otherwise; nil when there are no values.
func (r *cellResult) bundle() *bundle {
	if len(r.values) == 0 {
		return nil
	}
	if len(r.values) == 1 {
		if d, ok := r.rich[0]; ok {
			return &bundle{kernel.MIMEBundle(display.Bundle(d.MIME).MIME), d.Metadata}
		}
		if v := r.values[0]; display.Rich(v) {
			d := display.Render(v)
			return &bundle{kernel.MIMEBundle(d.MIME), d.Metadata}
		}
	}
	texts := make([]string, len(r.values))
	for i, v := range r.values {
		texts[i] = formatValue(v)
	}
	return &bundle{data: kernel.MIMEBundle{display.MIMEText: strings.Join(texts, ", ")}}
}

// formatValue is the text/plain form of a result: %#v for numbers,
// booleans and strings (3, "abab", true), the error text for errors, and %v
// for the rest.
func formatValue(v any) string {
	if v == nil {
		return "<nil>"
	}
	if t, ok := v.(shownText); ok {
		return string(t)
	}
	if err, ok := v.(error); ok {
		return "error: " + err.Error()
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return fmt.Sprintf("%#v", v)
	}
	return fmt.Sprintf("%v", v)
}

// panicFrames holds the lines the interpreter prints for each interpreted
// frame a panic unwinds ("cell:12:3: panic: main.f(...)").
type panicFrames struct {
	mu     sync.Mutex
	frames []string
}

func (p *panicFrames) add(f string) {
	p.mu.Lock()
	p.frames = append(p.frames, f)
	p.mu.Unlock()
}

// take returns the frames recorded and forgets them.
func (p *panicFrames) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.frames
	p.frames = nil
	return f
}

var panicFrameLine = regexp.MustCompile(`^(\S+:\d+:\d+): panic: (.*)\n?$`)

// panicFilter is the interpreter's standard error: it keeps the frame lines
// of panics for tracebacks and passes everything else (log output, for
// example) to standard error.
type panicFilter struct{ frames *panicFrames }

func (w panicFilter) Write(b []byte) (int, error) {
	if m := panicFrameLine.FindSubmatch(b); m != nil {
		w.frames.add(string(m[1]) + " in " + strings.TrimSuffix(string(m[2]), "(...)"))
		return len(b), nil
	}
	return os.Stderr.Write(b)
}

// shownText is a result's text as its String method gives it.
type shownText string

// interpretedWrapper is the type the interpreter gives a value of a type a
// cell declared with methods when it passes it to compiled code as an
// interface: a struct of the node that declared the type and the value.
var interpretedWrapper = func() reflect.Type {
	var w struct {
		node  unsafe.Pointer
		value reflect.Value
	}
	return reflect.TypeOf(w)
}()

// unwrapInterpreted returns the value v wraps when v is such a wrapper
// (package interp's valueInterface), so that the result shows the value's
// fields rather than the interpreter's node; v otherwise. The wrapper's
// layout is checked field by field before its value is read.
func unwrapInterpreted(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	if t.Kind() != reflect.Struct || t.Name() != "valueInterface" || t.PkgPath() != "github.com/traefik/yaegi/interp" ||
		t.NumField() != 2 || t.Field(0).Type.Kind() != reflect.Pointer || t.Field(1).Type != interpretedWrapper.Field(1).Type ||
		t.Field(1).Offset != interpretedWrapper.Field(1).Offset {
		return v
	}
	copied := reflect.New(t).Elem()
	copied.Set(rv)
	inner := *(*reflect.Value)(unsafe.Pointer(copied.Field(1).UnsafeAddr()))
	if !inner.IsValid() || !inner.CanInterface() {
		return v
	}
	return inner.Interface()
}
