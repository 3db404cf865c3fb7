// Command gensymbols regenerates the symbol tables of package stdlib from
// its package list, and their index (tables.go: each package's name, the
// function building its table and the tables it requires). Run it through
// `go generate ./stdlib/...`, which starts it in the stdlib directory:
//
//	gensymbols [-list packages.txt] [-o dir] [-match regexp]
//
// With -match, only the listed packages whose import path matches the
// regular expression are extracted again (for example -match golign/ after
// a change to the alignment library, which takes seconds where the whole
// list takes minutes). Packages that do not build are skipped with a warning
// on standard error, and their old symbol files are removed, as are the
// files of packages no longer listed. The index always covers every package
// kept.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"

	"github.com/golign/golign/stdlib/internal/symgen"
)

func main() {
	list := flag.String("list", "packages.txt", "package list file")
	out := flag.String("o", ".", "output directory")
	match := flag.String("match", "", "extract only the packages whose import path matches this regular expression")
	flag.Parse()
	if err := run(*list, *out, *match); err != nil {
		fmt.Fprintln(os.Stderr, "gensymbols:", err)
		os.Exit(1)
	}
}

func run(list, out, match string) error {
	re, err := regexp.Compile(match)
	if err != nil {
		return fmt.Errorf("-match: %v", err)
	}
	entries, err := symgen.ReadList(list)
	if err != nil {
		return err
	}
	pkgs, err := symgen.Expand(entries)
	if err != nil {
		return err
	}
	var selected []string
	for _, p := range pkgs {
		if re.MatchString(p) {
			selected = append(selected, p)
		}
	}
	res, err := symgen.Generate(out, "stdlib", selected)
	if err != nil {
		return err
	}
	var keep, skipped []string
	for _, p := range pkgs {
		if res.Skipped[p] == nil {
			keep = append(keep, p)
		} else {
			skipped = append(skipped, p)
		}
	}
	removed, err := symgen.RemoveStale(out, keep)
	if err != nil {
		return err
	}
	if err := symgen.WriteIndex(out, "stdlib", keep); err != nil {
		return err
	}
	sort.Strings(skipped)
	for _, p := range skipped {
		fmt.Fprintf(os.Stderr, "gensymbols: skipped %s: %v\n", p, res.Skipped[p])
	}
	for _, name := range removed {
		fmt.Fprintf(os.Stderr, "gensymbols: removed %s\n", name)
	}
	fmt.Fprintf(os.Stderr, "gensymbols: wrote %d of %d packages\n", len(res.Written), len(pkgs))
	return nil
}
