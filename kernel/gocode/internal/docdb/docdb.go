// Package docdb is the format of gocode's documentation database: the doc
// comments and declarations of every package a notebook can import,
// gathered from source at build time (compiled packages carry no source at
// run time) and embedded compressed in the binary.
package docdb

import (
	"compress/gzip"
	"encoding/gob"
	"io"
	"maps"
	"slices"
)

// Kinds of entries.
const (
	Func   = "func"
	Type   = "type"
	Method = "method"
	Field  = "field"
	Var    = "var"
	Const  = "const"
)

// DB maps import paths to the documentation of their packages.
type DB map[string]*Package

// Package is the documentation of one package.
type Package struct {
	// Name is the package name.
	Name string
	// Doc is the package's doc comment.
	Doc string
	// Entries maps the exported names of the package to their
	// documentation: "NewDense" for a function, "Dense" for a type,
	// "Dense.At" for a method or "Dense.Cols" for a field of a type.
	Entries map[string]Entry
}

// Entry is the documentation of one name.
type Entry struct {
	// Kind is one of Func, Type, Method, Field, Var and Const.
	Kind string
	// Decl is the declaration as Go source, without the body of a
	// function: "func NewDense(r, c int, data []float64) *Dense".
	Decl string
	// Doc is the doc comment.
	Doc string
}

// encoded is the stored form of a DB: sorted slices rather than maps, so
// that the same documentation always encodes to the same bytes.
type encoded struct {
	Packages []encodedPackage
}

type encodedPackage struct {
	Path, Name, Doc string
	Entries         []namedEntry
}

type namedEntry struct {
	Name string
	Entry
}

// Write encodes db to w compressed; equal databases give equal bytes.
func Write(w io.Writer, db DB) error {
	var enc encoded
	for _, p := range slices.Sorted(maps.Keys(db)) {
		pkg := db[p]
		ep := encodedPackage{Path: p, Name: pkg.Name, Doc: pkg.Doc}
		for _, name := range slices.Sorted(maps.Keys(pkg.Entries)) {
			ep.Entries = append(ep.Entries, namedEntry{name, pkg.Entries[name]})
		}
		enc.Packages = append(enc.Packages, ep)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(zw).Encode(enc); err != nil {
		return err
	}
	return zw.Close()
}

// Read decodes a database written by Write.
func Read(r io.Reader) (DB, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	var enc encoded
	if err := gob.NewDecoder(zr).Decode(&enc); err != nil {
		return nil, err
	}
	db := make(DB, len(enc.Packages))
	for _, ep := range enc.Packages {
		pkg := &Package{Name: ep.Name, Doc: ep.Doc, Entries: make(map[string]Entry, len(ep.Entries))}
		for _, e := range ep.Entries {
			pkg.Entries[e.Name] = e.Entry
		}
		db[ep.Path] = pkg
	}
	return db, zr.Close()
}
