package session

import "testing"

// TestIndexCompiledResults checks that top-level declarations can index,
// slice and select into variables holding what compiled functions
// returned, which the interpreter alone rejects ("definition loop").
func TestIndexCompiledResults(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import (
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"
)
words := strings.Fields("a b c")
parts, err := filepath.Glob("/")
m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
raw := m.RawMatrix()
byName := map[string][]string{"w": words}`)
	tests := []struct{ code, want string }{
		{"second := words[1]\nsecond", `"b"`},
		{"tail := words[1:]\nlen(tail)", "2"},
		{"root := parts[0]\nroot", `"/"`},
		{"v := raw.Data[3]\nv", "4"},
		{"w := byName[\"w\"][2]\nw", `"c"`},
		{"words := []int{5, 6}\nk := words[1]\nk", "6"},
	}
	for _, tt := range tests {
		got, ok := mustExec(t, s, tt.code).result()
		if !ok || got != tt.want {
			t.Errorf("%q: result %q, want %q", tt.code, got, tt.want)
		}
	}
}
