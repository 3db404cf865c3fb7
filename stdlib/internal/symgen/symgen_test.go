package symgen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadList(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
		wantErr    string
	}{
		{name: "paths, comments and blank lines", text: "# header\nfmt\n\n  strings  # trailing comment\ngithub.com/a/b/...\n", want: []string{"fmt", "strings", "github.com/a/b/..."}},
		{name: "two words on a line", text: "fmt\nmath rand\n", wantErr: "list.txt:2: want one import path per line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "list.txt")
			if err := os.WriteFile(file, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := ReadList(file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ReadList = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := map[string]string{
		"fmt":                                "sym_fmt.go",
		"math/rand/v2":                       "sym_math-rand-v2.go",
		"gonum.org/v1/gonum/mat":             "sym_gonum_org-v1-gonum-mat.go",
		"github.com/golign/golign/alignment": "sym_github_com-golign-golign-alignment.go",
	}
	for path, want := range tests {
		if got := FileName(path); got != want {
			t.Errorf("FileName(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestRemoveStale checks that only generated files of packages no longer
// kept are removed, never a hand-written file.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		FileName("fmt"):     generatedHeader + "fmt'. DO NOT EDIT.\n",
		FileName("strings"): generatedHeader + "strings'. DO NOT EDIT.\n",
		"sym_notes.go":      "package stdlib // written by hand\n",
		"restricted.go":     "package stdlib\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStale(dir, []string{"fmt"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{FileName("strings")}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if want := []string{"restricted.go", FileName("fmt"), "sym_notes.go"}; !slices.Equal(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
}

func TestExportsSkipGenericNames(t *testing.T) {
	apis, err := Exports([]string{"sync", "slices"})
	if err != nil {
		t.Skipf("go list -export: %v", err)
	}
	sync := apis["sync"].Symbols
	if !slices.Contains(sync, "Mutex") || !slices.Contains(sync, "OnceFunc") || slices.Contains(sync, "OnceValue") {
		t.Errorf("sync symbols %v: want Mutex and OnceFunc, not the generic OnceValue", sync)
	}
	if s := apis["slices"].Symbols; len(s) != 0 {
		t.Errorf("slices symbols = %v, want none (all generic)", s)
	}
}
