package gocode

import (
	"bytes"
	_ "embed"
	"strings"
	"sync"

	"github.com/golign/golign/kernel/gocode/internal/docdb"
)

//go:generate go run ./internal/gendocs -o docs.gob.gz

// docsData is the documentation database written by internal/gendocs
// for the packages of the symbol tables: regenerate it after them, with
// `go generate ./stdlib/... ./kernel/gocode/...`
// (TestLookupCoversSymbolTables fails when it lags behind).
//
//go:embed docs.gob.gz
var docsData []byte

// database decodes the documentation database once, on first use.
var database = sync.OnceValue(func() docdb.DB {
	db, err := docdb.Read(bytes.NewReader(docsData))
	if err != nil {
		// The database is embedded at build time: failing to decode
		// it means the build is broken, which the tests catch.
		return docdb.DB{}
	}
	return db
})

// Doc is the documentation of a name.
type Doc struct {
	// Name is the name as a cell writes it: "mat.NewDense",
	// "mat.Dense.At" for a method, "x" for a user's variable.
	Name string
	// Kind is one of the Kind constants.
	Kind string
	// Package is the import path of the package declaring the name;
	// empty for the user's names, keywords and builtins.
	Package string
	// Decl is the declaration as Go source, or the type of a variable.
	Decl string
	// Text is the doc comment.
	Text string
}

// PlainText renders d for a terminal or the text/plain part of an
// inspect_reply: the declaration, the package, then the doc comment.
func (d Doc) PlainText() string {
	var b strings.Builder
	if d.Decl != "" {
		b.WriteString(d.Decl)
		b.WriteString("\n")
	} else {
		b.WriteString(d.Kind + " " + d.Name + "\n")
	}
	if d.Package != "" {
		b.WriteString("    package " + d.Package + "\n")
	}
	if d.Text != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(d.Text, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}

// Markdown renders d for the text/markdown part of an inspect_reply: the
// declaration in a Go code block, then the doc comment as preformatted
// text (Go doc comments are not Markdown).
func (d Doc) Markdown() string {
	var b strings.Builder
	decl := d.Decl
	if decl == "" {
		decl = d.Kind + " " + d.Name
	}
	b.WriteString("```go\n" + strings.TrimRight(decl, "\n") + "\n```\n")
	if d.Package != "" {
		b.WriteString("\npackage `" + d.Package + "`\n")
	}
	if d.Text != "" {
		b.WriteString("\n```text\n" + strings.TrimRight(d.Text, "\n") + "\n```\n")
	}
	return b.String()
}

// kindOfEntry maps database kinds to the Kind constants.
var kindOfEntry = map[string]string{
	docdb.Func:   KindFunc,
	docdb.Type:   KindType,
	docdb.Method: KindMethod,
	docdb.Field:  KindField,
	docdb.Var:    KindVar,
	docdb.Const:  KindConst,
}

// Lookup returns the documentation of name in the package pkgPath: a
// function, type, variable or constant ("NewDense"), a method or field of a
// type ("Dense.At"), or the package itself (name ""). It covers every
// package of the symbol tables and the builtin names (pkgPath "builtin").
func Lookup(pkgPath, name string) (Doc, bool) {
	p, ok := database()[pkgPath]
	if !ok {
		return Doc{}, false
	}
	if name == "" {
		return Doc{Name: p.Name, Kind: KindPackage, Package: pkgPath, Decl: "package " + p.Name, Text: p.Doc}, true
	}
	e, ok := p.Entries[name]
	if !ok {
		return Doc{}, false
	}
	d := Doc{Name: p.Name + "." + name, Kind: kindOfEntry[e.Kind], Package: pkgPath, Decl: e.Decl, Text: e.Doc}
	if pkgPath == "builtin" {
		d.Name, d.Package = name, ""
		d.Kind = KindBuiltin
	}
	return d, true
}

// IsGeneric reports whether the function or type name of the package
// pkgPath is generic. Symbol tables cannot hold generic names, so a cell
// using one gets "undefined selector" from the interpreter; the session can
// use IsGeneric to say why instead.
func IsGeneric(pkgPath, name string) bool {
	d, ok := Lookup(pkgPath, name)
	if !ok {
		return false
	}
	switch d.Kind {
	case KindFunc:
		return strings.HasPrefix(d.Decl, "func "+name+"[")
	case KindType:
		return strings.HasPrefix(d.Decl, "type "+name+"[")
	}
	return false
}
