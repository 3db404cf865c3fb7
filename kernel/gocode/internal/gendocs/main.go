// Command gendocs writes gocode's documentation database: the declarations
// and doc comments of every package in the symbol tables of package stdlib
// and of the predeclared identifiers (package builtin), read from the sources in GOROOT and the module cache with go/parser and
// go/doc. Run it through `go generate ./kernel/gocode/...`:
//
//	gendocs -o docs.gob.gz
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/golign/golign/kernel/gocode/internal/docdb"
	"github.com/golign/golign/stdlib"
)

func main() {
	out := flag.String("o", "docs.gob.gz", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	// Package builtin documents the predeclared identifiers.
	pkgs := []string{"builtin"}
	for p := range stdlib.Packages() {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	dirs, err := packageFiles(pkgs)
	if err != nil {
		return err
	}
	db := docdb.DB{}
	for _, p := range pkgs {
		files, ok := dirs[p]
		if !ok {
			return fmt.Errorf("%s: go list found no sources", p)
		}
		pd, err := packageDocs(p, files)
		if err != nil {
			return err
		}
		db[p] = pd
	}
	var buf bytes.Buffer
	if err := docdb.Write(&buf, db); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gendocs: %d packages, %d bytes\n", len(db), buf.Len())
	return nil
}

// packageFiles returns the Go files (for this platform, tests excluded) of
// each package, found by one run of go list.
func packageFiles(pkgs []string) (map[string][]string, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \"\\t\"}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", err)
	}
	files := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			continue
		}
		for _, name := range f[2:] {
			files[f[0]] = append(files[f[0]], filepath.Join(f[1], name))
		}
	}
	return files, nil
}

// packageDocs parses the files of the package importPath and collects the
// documentation of its exported names.
func packageDocs(importPath string, files []string) (*docdb.Package, error) {
	fset := token.NewFileSet()
	var asts []*ast.File
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		asts = append(asts, af)
	}
	// The predeclared identifiers are lower case: keep all of builtin.
	all := importPath == "builtin"
	var mode doc.Mode
	if all {
		mode = doc.AllDecls
	}
	d, err := doc.NewFromFiles(fset, asts, importPath, mode)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", importPath, err)
	}
	c := collector{fset: fset, all: all, pkg: &docdb.Package{Name: d.Name, Doc: d.Doc, Entries: map[string]docdb.Entry{}}}
	c.values(d.Consts, docdb.Const)
	c.values(d.Vars, docdb.Var)
	c.funcs("", d.Funcs)
	for _, t := range d.Types {
		c.typ(t)
	}
	return c.pkg, nil
}

// collector adds the entries of one package.
type collector struct {
	fset *token.FileSet
	all  bool // keep unexported names too
	pkg  *docdb.Package
}

// keep reports whether the documentation of the name n is kept.
func (c *collector) keep(n *ast.Ident) bool { return c.all || n.IsExported() }

// source prints node as Go source.
func (c *collector) source(node any) string {
	var buf bytes.Buffer
	cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
	if err := cfg.Fprint(&buf, c.fset, node); err != nil {
		return ""
	}
	return buf.String()
}

// maxGroupSpecs is the largest const or var group whose whole declaration
// is shown for each of its names; bigger groups show the name's line only.
const maxGroupSpecs = 12

func (c *collector) values(vals []*doc.Value, kind string) {
	for _, v := range vals {
		whole := ""
		if len(v.Decl.Specs) <= maxGroupSpecs {
			whole = c.source(withoutDoc(v.Decl))
		}
		for _, spec := range v.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			text := v.Doc
			if vs.Doc != nil {
				text = vs.Doc.Text()
			} else if vs.Comment != nil && text == "" {
				text = vs.Comment.Text()
			}
			decl := whole
			if decl == "" {
				decl = v.Decl.Tok.String() + " " + c.source(&ast.ValueSpec{Names: vs.Names, Type: vs.Type, Values: vs.Values})
			}
			for _, n := range vs.Names {
				if c.keep(n) {
					c.pkg.Entries[n.Name] = docdb.Entry{Kind: kind, Decl: decl, Doc: text}
				}
			}
		}
	}
}

// withoutDoc returns a copy of decl without its doc comment, which is
// stored apart.
func withoutDoc(decl *ast.GenDecl) *ast.GenDecl {
	d := *decl
	d.Doc = nil
	return &d
}

// funcs adds functions, or methods of the type recv when recv is not empty.
func (c *collector) funcs(recv string, fs []*doc.Func) {
	for _, f := range fs {
		decl := *f.Decl
		decl.Doc, decl.Body = nil, nil
		key, kind := f.Name, docdb.Func
		if recv != "" {
			key, kind = recv+"."+f.Name, docdb.Method
		}
		c.pkg.Entries[key] = docdb.Entry{Kind: kind, Decl: c.source(&decl), Doc: f.Doc}
	}
}

// typ adds a type with its constructors, methods, fields (of a struct) or
// methods (of an interface), and the constants and variables of the type.
func (c *collector) typ(t *doc.Type) {
	c.pkg.Entries[t.Name] = docdb.Entry{Kind: docdb.Type, Decl: c.source(withoutDoc(t.Decl)), Doc: t.Doc}
	c.values(t.Consts, docdb.Const)
	c.values(t.Vars, docdb.Var)
	c.funcs("", t.Funcs)
	c.funcs(t.Name, t.Methods)
	for _, spec := range t.Decl.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || ts.Name.Name != t.Name {
			continue
		}
		switch u := ts.Type.(type) {
		case *ast.StructType:
			c.members(t.Name, u.Fields, docdb.Field)
		case *ast.InterfaceType:
			c.members(t.Name, u.Methods, docdb.Method)
		}
	}
}

// members adds the exported fields of a struct or methods of an interface.
func (c *collector) members(typeName string, list *ast.FieldList, kind string) {
	for _, f := range list.List {
		text := ""
		if f.Doc != nil {
			text = f.Doc.Text()
		} else if f.Comment != nil {
			text = f.Comment.Text()
		}
		names := f.Names
		if len(names) == 0 {
			// An embedded field or interface is named after its type.
			if id := embeddedName(f.Type); id != nil {
				names = []*ast.Ident{id}
			}
		}
		for _, n := range names {
			if !c.keep(n) {
				continue
			}
			var decl string
			if kind == docdb.Method {
				decl = "func (" + typeName + ") " + n.Name + strings.TrimPrefix(c.source(f.Type), "func")
			} else {
				decl = n.Name + " " + c.source(f.Type)
				if len(f.Names) == 0 {
					decl = c.source(f.Type)
				}
			}
			c.pkg.Entries[typeName+"."+n.Name] = docdb.Entry{Kind: kind, Decl: decl, Doc: text}
		}
	}
}

// embeddedName returns the identifier naming an embedded field of type
// expression x: T, *T, pkg.T or a generic instantiation of them.
func embeddedName(x ast.Expr) *ast.Ident {
	switch x := x.(type) {
	case *ast.Ident:
		return x
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel
	case *ast.IndexExpr:
		return embeddedName(x.X)
	case *ast.IndexListExpr:
		return embeddedName(x.X)
	}
	return nil
}
