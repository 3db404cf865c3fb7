package report

import (
	"go/scanner"
	"go/token"
	"html"
	"strings"
)

// predeclared lists Go's predeclared identifiers: types, constants and
// built-in functions.
var predeclared = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`any bool byte comparable complex64 complex128 error float32 float64
		int int8 int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr
		true false iota nil
		append cap clear close complex copy delete imag len make max min new panic print println real recover`) {
		predeclared[name] = true
	}
}

// scanned is one token of highlighted source.
type scanned struct {
	start, end int
	tok        token.Token
	lit        string
}

// HighlightGo returns src as HTML with its Go tokens wrapped in spans of
// class "kw" (keywords), "str" (string and rune literals), "num" (numbers),
// "com" (comments), "bi" (predeclared identifiers) and "fn" (names
// followed by a parenthesis: calls and declarations). Text that is not Go,
// such as cell magics, is kept and escaped.
func HighlightGo(src string) string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, scanner.ScanComments)
	var toks []scanned
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit != ";" {
			continue // inserted at a line end, not in the source
		}
		start := file.Offset(pos)
		length := len(lit)
		if lit == "" {
			length = len(tok.String())
		}
		end := min(start+length, len(src))
		if n := len(toks); n > 0 && start < toks[n-1].end {
			continue
		}
		toks = append(toks, scanned{start, end, tok, lit})
	}
	var b strings.Builder
	prev := 0
	for i, t := range toks {
		b.WriteString(html.EscapeString(src[prev:t.start]))
		class := tokenClass(t, i+1 < len(toks) && toks[i+1].tok == token.LPAREN)
		text := html.EscapeString(src[t.start:t.end])
		if class == "" {
			b.WriteString(text)
		} else {
			b.WriteString(`<span class="` + class + `">` + text + `</span>`)
		}
		prev = t.end
	}
	b.WriteString(html.EscapeString(src[prev:]))
	return b.String()
}

// tokenClass returns the highlighting class of a token, given whether a
// parenthesis follows it.
func tokenClass(t scanned, beforeParen bool) string {
	switch {
	case t.tok.IsKeyword():
		return "kw"
	case t.tok == token.STRING || t.tok == token.CHAR:
		return "str"
	case t.tok == token.INT || t.tok == token.FLOAT || t.tok == token.IMAG:
		return "num"
	case t.tok == token.COMMENT:
		return "com"
	case t.tok == token.IDENT && predeclared[t.lit]:
		return "bi"
	case t.tok == token.IDENT && beforeParen:
		return "fn"
	}
	return ""
}
