package session

import (
	"go/ast"
	"go/parser"
	"go/token"
)

// orderPieces lets a cell use a function or type before the line that
// declares it, as a Go file may: imports run first, and a declaration piece
// moves up to just before the first piece using a name it declares, unless
// it uses a name defined by a piece it would move before. Statement pieces
// keep their order.
func orderPieces(pieces []piece) []piece {
	info := make([]pieceNames, len(pieces))
	for i, p := range pieces {
		info[i] = namesOf(p)
	}
	var imports, rest []int
	for i, p := range pieces {
		if p.kind == importUnit {
			imports = append(imports, i)
		} else {
			rest = append(rest, i)
		}
	}
	for j := 0; j < len(rest); j++ {
		d := rest[j]
		if pieces[d].kind != declUnit {
			continue
		}
		target := j
		for k := 0; k < j; k++ {
			if info[rest[k]].uses.any(info[d].defines) {
				target = k
				break
			}
		}
		for k := target; k < j; k++ {
			if info[d].uses.any(info[rest[k]].defines) {
				target = j
				break
			}
		}
		if target < j {
			copy(rest[target+1:j+1], rest[target:j])
			rest[target] = d
		}
	}
	out := make([]piece, 0, len(pieces))
	for _, i := range append(imports, rest...) {
		out = append(out, pieces[i])
	}
	return out
}

type nameSet map[string]bool

func (a nameSet) any(b nameSet) bool {
	for n := range b {
		if a[n] {
			return true
		}
	}
	return false
}

// all tells whether every name of b is in a.
func (a nameSet) all(b nameSet) bool {
	for n := range b {
		if !a[n] {
			return false
		}
	}
	return true
}

// pieceNames are the top-level names a piece defines and the identifiers it
// mentions.
type pieceNames struct{ defines, uses nameSet }

// namesOf parses a piece on its own to find its names; a piece that does
// not parse defines and uses nothing (its error is reported when it runs).
func namesOf(p piece) pieceNames {
	n := pieceNames{defines: nameSet{}, uses: nameSet{}}
	fset := token.NewFileSet()
	var root ast.Node
	switch p.kind {
	case importUnit:
		return n
	case declUnit:
		f, err := parser.ParseFile(fset, "", "package main\n"+p.src, parseMode)
		if err != nil {
			return n
		}
		for _, d := range f.Decls {
			for _, name := range declaredNames(d) {
				n.defines[name] = true
			}
		}
		root = f
	default:
		f, err := parser.ParseFile(fset, "", "package main; func main() {\n"+p.src+"\n}", parseMode)
		if err != nil {
			return n
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		for _, st := range body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							n.defines[id.Name] = true
						}
					}
				}
			case *ast.DeclStmt:
				for _, name := range declaredNames(st.Decl) {
					n.defines[name] = true
				}
			}
		}
		root = body
	}
	ast.Inspect(root, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok {
			n.uses[id.Name] = true
		}
		return true
	})
	for name := range n.defines {
		delete(n.uses, name)
	}
	return n
}
