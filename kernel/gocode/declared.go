package gocode

import (
	"go/token"
	"path"
	"regexp"
	"strconv"
)

// declaredIn adds to imports (package name → path) and user (name → kind)
// what the cell code declares (only at top level when topLevel is true,
// else also inside functions and blocks), naming imported packages with nameOf, read from its tokens so that a cell still
// being written counts: imports, names defined with := and the names of
// var, const, type and func declarations.
func declaredIn(code string, topLevel bool, nameOf func(path string) string, imports, user map[string]string) {
	toks, _ := scan(code)
	var ts []scannedToken
	for _, t := range toks {
		if t.tok != token.COMMENT {
			ts = append(ts, t)
		}
	}
	at := func(i int) token.Token {
		if i < 0 || i >= len(ts) {
			return token.ILLEGAL
		}
		return ts[i].tok
	}
	depth := 0 // of braces
	for i := 0; i < len(ts); i++ {
		switch ts[i].tok {
		case token.LBRACE:
			depth++
		case token.RBRACE:
			depth--
		}
		if topLevel && depth > 0 {
			continue
		}
		switch ts[i].tok {
		case token.IMPORT:
			i = importSpecs(ts, i+1, nameOf, imports)
		case token.VAR, token.CONST, token.TYPE:
			kind := map[token.Token]string{token.VAR: KindVar, token.CONST: KindConst, token.TYPE: KindType}[ts[i].tok]
			if at(i+1) == token.IDENT {
				user[ts[i+1].lit] = kind
			} else if at(i+1) == token.LPAREN {
				// A group: the first name of each line.
				start := true
				for j := i + 2; j < len(ts) && ts[j].tok != token.RPAREN; j++ {
					if start && ts[j].tok == token.IDENT {
						user[ts[j].lit] = kind
					}
					start = ts[j].tok == token.SEMICOLON
				}
			}
		case token.FUNC:
			if at(i+1) == token.IDENT {
				user[ts[i+1].lit] = KindFunc
			}
		case token.DEFINE:
			// a, b := ...: identifiers separated by commas before :=.
			for j := i - 1; j >= 0 && ts[j].tok == token.IDENT; j -= 2 {
				user[ts[j].lit] = KindVar
				if at(j-1) != token.COMMA {
					break
				}
			}
		}
	}
}

// importSpecs reads the import declaration starting at ts[i] (a single
// spec or a parenthesised group), records its packages in imports and
// returns the index of its last token.
func importSpecs(ts []scannedToken, i int, nameOf func(string) string, imports map[string]string) int {
	spec := func(i int) int {
		alias := ""
		if i < len(ts) && (ts[i].tok == token.IDENT || ts[i].tok == token.PERIOD) {
			alias = ts[i].lit
			i++
		}
		if i < len(ts) && ts[i].tok == token.STRING {
			if p, err := strconv.Unquote(ts[i].lit); err == nil && alias != "_" && alias != "." && alias != "" {
				imports[alias] = p
			} else if err == nil && alias == "" {
				imports[nameOf(p)] = p
			}
		}
		return i
	}
	if i < len(ts) && ts[i].tok == token.LPAREN {
		for i++; i < len(ts) && ts[i].tok != token.RPAREN; i++ {
			if ts[i].tok != token.SEMICOLON {
				i = spec(i)
			}
		}
		return i
	}
	return spec(i)
}

var versionSuffix = regexp.MustCompile(`^v[0-9]+$`)

// defaultPackageName guesses the name of the package at import path p when
// the symbol tables do not say: the last element, or the one before a
// major version suffix (math/rand/v2 is package rand).
func defaultPackageName(p string) string {
	base := path.Base(p)
	if versionSuffix.MatchString(base) && path.Dir(p) != "." {
		return path.Base(path.Dir(p))
	}
	return base
}
