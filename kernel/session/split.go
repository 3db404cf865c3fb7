package session

import (
	"go/scanner"
	"go/token"
)

// A unit kind tells how a top-level piece of a cell is compiled.
type unitKind int

const (
	stmtUnit   unitKind = iota // statements, run in the global scope
	declUnit                   // func, method, type, var and const declarations
	importUnit                 // import declarations
)

// A piece is a run of consecutive top-level units of one kind, with its
// place in the cell (1-based line and column of its first byte).
type piece struct {
	kind      unitKind
	src       string
	line, col int
}

// splitCell cuts a cell into pieces of imports, declarations and statements,
// in the order they appear, so that a cell may mix them freely. It scans
// tokens only: the parser reports the syntax errors later, on each piece,
// at their place in the cell.
func splitCell(src string) []piece {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), nil, 0)

	type tok struct {
		pos token.Pos
		tok token.Token
	}
	var toks []tok
	for {
		pos, t, _ := s.Scan()
		toks = append(toks, tok{pos, t})
		if t == token.EOF {
			break
		}
	}

	var pieces []piece
	add := func(kind unitKind, start, end int) {
		if n := len(pieces); n > 0 && pieces[n-1].kind == kind && kind != importUnit {
			p := &pieces[n-1]
			startOff := file.Offset(file.LineStart(p.line)) + p.col - 1
			p.src = src[startOff:end]
			return
		}
		position := file.Position(file.Pos(start))
		pieces = append(pieces, piece{kind: kind, src: src[start:end], line: position.Line, col: position.Column})
	}

	depth := 0
	for i := 0; i < len(toks) && toks[i].tok != token.EOF; {
		if toks[i].tok == token.SEMICOLON {
			i++
			continue
		}
		first := i
		for ; toks[i].tok != token.EOF; i++ {
			switch toks[i].tok {
			case token.LPAREN, token.LBRACK, token.LBRACE:
				depth++
			case token.RPAREN, token.RBRACK, token.RBRACE:
				depth--
			}
			if depth <= 0 && toks[i].tok == token.SEMICOLON {
				depth = 0
				break
			}
		}
		start := file.Offset(toks[first].pos)
		end := len(src)
		if toks[i].tok == token.SEMICOLON {
			end = file.Offset(toks[i].pos)
		}
		if end < start { // a semicolon inserted at the end of the text
			end = len(src)
		}
		kinds := make([]token.Token, i-first)
		for j := range kinds {
			kinds[j] = toks[first+j].tok
		}
		if kinds[0] == token.PACKAGE {
			continue // a package clause of code pasted from a file
		}
		add(classify(kinds), start, end)
	}
	return pieces
}

// classify tells the kind of a top-level unit from its tokens. A unit
// starting with func is a declaration unless it is a function literal: a
// method declaration has a name followed by "(" after its receiver.
func classify(toks []token.Token) unitKind {
	if len(toks) == 0 {
		return stmtUnit
	}
	switch toks[0] {
	case token.IMPORT:
		return importUnit
	case token.TYPE, token.VAR, token.CONST:
		return declUnit
	case token.FUNC:
		if len(toks) > 1 && toks[1] == token.IDENT {
			return declUnit
		}
		if len(toks) < 2 || toks[1] != token.LPAREN {
			return stmtUnit
		}
		depth := 0
		for j := 1; j < len(toks); j++ {
			switch toks[j] {
			case token.LPAREN:
				depth++
			case token.RPAREN:
				depth--
				if depth == 0 {
					if j+2 < len(toks) && toks[j+1] == token.IDENT && (toks[j+2] == token.LPAREN || toks[j+2] == token.LBRACK) {
						return declUnit
					}
					return stmtUnit
				}
			}
		}
	}
	return stmtUnit
}
