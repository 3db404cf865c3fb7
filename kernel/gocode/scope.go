// Package gocode is the Go source intelligence of a notebook: whether a
// cell is complete (IsComplete), completions at the cursor (Complete), and
// documentation of the name at the cursor (Inspect, Lookup). It works on
// source text, reflect types and a documentation database gathered at build
// time from the sources of every package in the symbol tables, and knows
// nothing of the interpreter: the session describes what cells declared
// through a Scope.
//
// Cursors are counted in Unicode code points, as the Jupyter messaging
// protocol counts them.
package gocode

import "reflect"

// Kinds of names, used in Name.Kind, Match.Type and Doc.Kind.
const (
	KindVar     = "var"
	KindFunc    = "function"
	KindType    = "type"
	KindConst   = "const"
	KindPackage = "package"
	KindKeyword = "keyword"
	KindBuiltin = "builtin"
	KindField   = "field"
	KindMethod  = "method"
)

// Name is a name declared by the cells run so far.
type Name struct {
	// Name is the identifier as cells write it; for an import, the
	// package name or the alias.
	Name string
	// Kind is KindVar, KindFunc, KindType, KindConst or KindPackage.
	Kind string
	// Path is the import path of a package (Kind == KindPackage).
	Path string
}

// Scope is what the session knows of the cells it ran.
type Scope interface {
	// Names lists the names declared and the packages imported by the
	// cells run so far.
	Names() []Name
	// TypeOf returns the type of the value of a variable, constant or
	// function name declared by a cell, and false when it is unknown.
	TypeOf(name string) (reflect.Type, bool)
	// Packages maps the import paths of the compiled packages cells can
	// import to their package names.
	Packages() map[string]string
	// Symbols returns the symbol table of the compiled package at import
	// path p as yaegi's extractor writes it (stdlib.Table), or nil.
	Symbols(p string) map[string]reflect.Value
	// Sources returns the source of the cells run so far, oldest first,
	// from which Inspect shows the declaration and doc comment of the
	// user's functions and types.
	Sources() []string
}
