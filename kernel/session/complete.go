package session

import (
	"go/scanner"
	"go/token"
	"strings"

	"github.com/golign/golign/kernel"
)

// Complete implements kernel.Interpreter.
func (s *Session) Complete(code string, cursor int) kernel.CompleteReply {
	return kernel.CompleteReply{CursorStart: cursor, CursorEnd: cursor}
}

// Inspect implements kernel.Interpreter.
func (s *Session) Inspect(code string, cursor, detail int) kernel.InspectReply {
	return kernel.InspectReply{}
}

// IsComplete implements kernel.Interpreter: code is incomplete while a
// bracket is open or a string or comment unterminated, and invalid when a
// bracket closes one never opened.
func (s *Session) IsComplete(code string) kernel.IsCompleteReply {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	unterminated := false
	sc.Init(file, []byte(code), func(_ token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		}
	}, 0)
	depth := 0
	for {
		_, tok, _ := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				return kernel.IsCompleteReply{Status: kernel.Invalid}
			}
		}
	}
	if unterminated || depth > 0 {
		return kernel.IsCompleteReply{Status: kernel.Incomplete, Indent: strings.Repeat("\t", depth)}
	}
	return kernel.IsCompleteReply{Status: kernel.Complete}
}
