// Package docdb is the format of gocode's documentation database: the doc
// comments and declarations of every package a notebook can import,
// gathered from source at build time (compiled packages carry no source at
// run time) and embedded compressed in the binary.
package docdb

import (
	"compress/gzip"
	"encoding/gob"
	"io"
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

// Write encodes db to w compressed.
func Write(w io.Writer, db DB) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(zw).Encode(db); err != nil {
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
	var db DB
	if err := gob.NewDecoder(zr).Decode(&db); err != nil {
		return nil, err
	}
	return db, zr.Close()
}
