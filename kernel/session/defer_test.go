package session

import (
	"strings"
	"testing"

	"github.com/golign/golign/kernel"
)

// TestDeferAtTopLevel checks that a defer statement at a cell's top level
// runs its call once, when the cell's code has run, with the receiver and
// arguments it had at the statement, last deferred first, as a defer in a
// program's main function does.
func TestDeferAtTopLevel(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import (\n\t\"fmt\"\n\t\"strings\"\n)\nvar _ = strings.ToUpper")
	expectCells(t, s, []cellCase{
		{"after the body", "defer fmt.Println(\"deferred\")\nfmt.Println(\"body\")", "", "body\ndeferred\n"},
		{"not again in a later cell", "fmt.Println(\"later\")", "", "later\n"},
		{"arguments when deferred", "v := 1\ndefer fmt.Println(\"v was\", v)\nv = 2\nv", "2", "v was 1\n"},
		{"last first, in a loop", "for i := 0; i < 3; i++ {\n\tdefer fmt.Print(i, \" \")\n}\nfmt.Print(\"end \")", "", "end 2 1 0 "},
		{"in a block", "if true {\n\tdefer fmt.Println(\"in if\")\n}\nfmt.Println(\"after\")", "", "after\nin if\n"},
		{"calls in arguments when deferred", "var a, b strings.Builder\na.WriteString(\"A\")\nb.WriteString(\"B\")\nw := &a\ndefer fmt.Println(w.String())\nw = &b", "", "A\n"},
		{"closure sees the end", "n := 1\ndefer func() { fmt.Println(\"n is\", n) }()\nn = 3", "", "n is 3\n"},
		{"inside a function, its own", "func f() { defer fmt.Println(\"f done\"); fmt.Println(\"f body\") }\nf()\nfmt.Println(\"cell body\")", "", "f body\nf done\ncell body\n"},
	})
	// A deferred call that panics fails the cell after the others ran.
	reply, r := runCell(t, s, "defer fmt.Println(\"still runs\")\ndefer panic(\"late\")\nfmt.Println(\"body\")")
	if reply.Status != kernel.StatusError || !strings.Contains(reply.Error.Value, "late") {
		t.Errorf("reply %+v, want the panic \"late\"", reply.Error)
	}
	if got := r.stream("stdout"); got != "body\nstill runs\n" {
		t.Errorf("stdout %q, want the body, then the other deferred call", got)
	}
	if got := mustExec(t, s, "fmt.Println(\"next\")").stream("stdout"); got != "next\n" {
		t.Errorf("next cell's stdout %q: deferred calls ran again", got)
	}
}
