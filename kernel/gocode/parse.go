package gocode

import (
	"go/ast"
	"go/parser"
	"go/token"
)

// A parsedCell is a cell split into the declarations it makes (imports,
// functions, methods, types, variables and constants) and the statements
// it runs, each parsed with go/parser. Positions in both files map back to
// the cell: the two sources keep the cell's text in place, blanking out what
// belongs to the other.
type parsedCell struct {
	fset  *token.FileSet
	decls *ast.File // package clause + declarations
	stmts *ast.File // package clause + func _() { statements }
}

// The prefixes end in a newline so that a comment opening the cell stays
// a doc comment rather than trailing the package clause.
const (
	declPrefix = "package cell\n"
	stmtPrefix = "package cell; func _() {\n"
)

// parseCell parses code, a cell mixing declarations and statements.
func parseCell(code string) (*parsedCell, error) {
	toks, errs := scan(code)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	declText := []byte(code)
	stmtText := []byte(code)
	for _, it := range topLevelItems(toks) {
		switch {
		case it.isPackageClause:
			// A cell pasted from a program may start with one.
			blankOut(declText[it.start:it.end])
			blankOut(stmtText[it.start:it.end])
		case it.isDecl:
			blankOut(stmtText[it.start:it.end])
		default:
			blankOut(declText[it.start:it.end])
		}
	}
	p := &parsedCell{fset: token.NewFileSet()}
	var err error
	if p.decls, err = parser.ParseFile(p.fset, "cell.go", declPrefix+string(declText), parser.ParseComments); err != nil {
		return nil, err
	}
	if p.stmts, err = parser.ParseFile(p.fset, "cell.go", stmtPrefix+string(stmtText)+"\n}", parser.ParseComments); err != nil {
		return nil, err
	}
	return p, nil
}

// blankOut replaces every byte of b but newlines with a space.
func blankOut(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// item is one top-level declaration or statement of a cell: the bytes
// [start, end) of the cell, its terminating semicolon included.
type item struct {
	start, end      int
	isDecl          bool
	isPackageClause bool
}

// topLevelItems splits the tokens of a cell at the semicolons (written or
// inserted at line ends) outside brackets, and tells declarations from
// statements by their first tokens.
func topLevelItems(toks []scannedToken) []item {
	var items []item
	depth := 0
	first := -1 // index of the current item's first token
	for i, t := range toks {
		if t.tok == token.COMMENT {
			continue
		}
		if first < 0 {
			if t.tok == token.SEMICOLON {
				continue
			}
			first = i
		}
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
		last := i == len(toks)-1
		if (t.tok == token.SEMICOLON && depth == 0) || last {
			end := t.off + len(tokenText(t))
			if t.tok == token.SEMICOLON && t.lit == "\n" {
				end = t.off
			}
			items = append(items, item{
				start:           toks[first].off,
				end:             end,
				isDecl:          isDeclaration(toks[first : i+1]),
				isPackageClause: toks[first].tok == token.PACKAGE,
			})
			first = -1
		}
	}
	return items
}

// tokenText returns the source text of t.
func tokenText(t scannedToken) string {
	if t.lit != "" {
		return t.lit
	}
	return t.tok.String()
}

// isDeclaration reports whether the item starting with toks is a top-level
// declaration rather than a statement: an import, a type, variable or
// constant declaration, a named function, or a method (func (recv) Name(),
// not a function literal called on the spot).
func isDeclaration(toks []scannedToken) bool {
	toks = withoutComments(toks)
	switch toks[0].tok {
	case token.IMPORT, token.TYPE, token.VAR, token.CONST:
		return true
	case token.FUNC:
	default:
		return false
	}
	if len(toks) < 2 {
		return false
	}
	if toks[1].tok == token.IDENT {
		return true
	}
	if toks[1].tok != token.LPAREN {
		return false
	}
	depth := 0
	for i := 1; i < len(toks); i++ {
		switch toks[i].tok {
		case token.LPAREN:
			depth++
		case token.RPAREN:
			depth--
			if depth == 0 {
				return i+2 < len(toks) && toks[i+1].tok == token.IDENT && toks[i+2].tok == token.LPAREN
			}
		}
	}
	return false
}

// withoutComments returns the tokens of toks that are not comments.
func withoutComments(toks []scannedToken) []scannedToken {
	var out []scannedToken
	for _, t := range toks {
		if t.tok != token.COMMENT {
			out = append(out, t)
		}
	}
	return out
}
