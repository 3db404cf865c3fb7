package gocode

import (
	"go/scanner"
	"go/token"
	"strings"
)

// Statuses returned by IsComplete, as the Jupyter messaging protocol names
// them in is_complete_reply.
const (
	// StatusComplete: the code is ready to run.
	StatusComplete = "complete"
	// StatusIncomplete: the code needs more lines: a bracket is open, a raw string or
	// block comment is unterminated, or the last line ends in an operator or
	// comma that continues the expression.
	StatusIncomplete = "incomplete"
	// StatusInvalid: the code can never become valid by adding lines.
	StatusInvalid = "invalid"
)

// IsComplete tells whether a cell is ready to run. For incomplete code,
// indent is the indentation the next line should start with: the line of
// the innermost open bracket indented by one more tab, or the last line
// indented by one more tab after a trailing operator. A cell is a sequence
// of Go declarations and statements in any order, as the session runs them,
// or a help request "name?" (complete when name is an operand).
func IsComplete(code string) (status, indent string) {
	trimmed := strings.TrimSpace(code)
	if trimmed == "" {
		return StatusComplete, ""
	}
	// A help request: name? or name??.
	if strings.HasSuffix(trimmed, "?") && parseOperand(strings.TrimRight(trimmed, "?")) != nil {
		return StatusComplete, ""
	}
	toks, errs := scan(code)
	for _, e := range errs {
		switch {
		case strings.Contains(e.Msg, "raw string literal not terminated"),
			strings.Contains(e.Msg, "comment not terminated"):
			return StatusIncomplete, lineIndent(code, len(code))
		}
	}
	if len(errs) > 0 {
		return StatusInvalid, ""
	}
	var open []token.Token // stack of open brackets
	var openAt []int       // their offsets
	last := token.ILLEGAL  // last token other than an inserted semicolon
	for _, t := range toks {
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			open = append(open, t.tok)
			openAt = append(openAt, t.off)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(open) == 0 || closing(open[len(open)-1]) != t.tok {
				return StatusInvalid, ""
			}
			open, openAt = open[:len(open)-1], openAt[:len(openAt)-1]
		}
		if !(t.tok == token.SEMICOLON && t.lit == "\n") && t.tok != token.COMMENT {
			last = t.tok
		}
	}
	if len(open) > 0 {
		return StatusIncomplete, lineIndent(code, openAt[len(openAt)-1]) + "\t"
	}
	if continuesLine(last) {
		return StatusIncomplete, lineIndent(code, len(code)) + "\t"
	}
	if _, err := parseCell(code); err != nil {
		return StatusInvalid, ""
	}
	return StatusComplete, ""
}

// closing returns the token closing the bracket open.
func closing(open token.Token) token.Token {
	switch open {
	case token.LPAREN:
		return token.RPAREN
	case token.LBRACK:
		return token.RBRACK
	}
	return token.RBRACE
}

// continuesLine reports whether a line ending in t goes on to the next line:
// binary operators, assignments, commas, a selector's dot, and the
// keywords that need what follows.
func continuesLine(t token.Token) bool {
	switch {
	case t.IsOperator():
		switch t {
		case token.RPAREN, token.RBRACK, token.RBRACE, token.SEMICOLON,
			token.INC, token.DEC, token.ELLIPSIS:
			return false
		}
		return true
	case t.IsKeyword():
		switch t {
		case token.BREAK, token.CONTINUE, token.FALLTHROUGH, token.RETURN:
			return false
		}
		return true
	}
	return false
}

// lineIndent returns the leading blanks of the line holding byte offset off
// of code.
func lineIndent(code string, off int) string {
	start := strings.LastIndexByte(code[:off], '\n') + 1
	line := code[start:]
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}

// scannedToken is one token of a cell with its byte offset.
type scannedToken struct {
	off int
	tok token.Token
	lit string
}

// scan returns the tokens of code, comments included, and the scanner's
// errors.
func scan(code string) ([]scannedToken, scanner.ErrorList) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(code))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, []byte(code), func(pos token.Position, msg string) { errs.Add(pos, msg) }, scanner.ScanComments)
	var toks []scannedToken
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		toks = append(toks, scannedToken{file.Offset(pos), tok, lit})
	}
	return toks, errs
}
