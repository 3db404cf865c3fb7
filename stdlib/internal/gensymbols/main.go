// Command gensymbols regenerates the symbol tables of package stdlib from
// its package list. Run it through `go generate ./stdlib/...`, which starts
// it in the stdlib directory:
//
//	gensymbols [-list packages.txt] [-o dir]
//
// Packages that do not build are skipped with a warning on standard error,
// and their old symbol files are removed.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/golign/golign/stdlib/internal/symgen"
)

func main() {
	list := flag.String("list", "packages.txt", "package list file")
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	if err := run(*list, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensymbols:", err)
		os.Exit(1)
	}
}

func run(list, out string) error {
	entries, err := symgen.ReadList(list)
	if err != nil {
		return err
	}
	pkgs, err := symgen.Expand(entries)
	if err != nil {
		return err
	}
	res, err := symgen.Generate(out, "stdlib", pkgs)
	if err != nil {
		return err
	}
	skipped := make([]string, 0, len(res.Skipped))
	for p := range res.Skipped {
		skipped = append(skipped, p)
	}
	sort.Strings(skipped)
	for _, p := range skipped {
		fmt.Fprintf(os.Stderr, "gensymbols: skipped %s: %v\n", p, res.Skipped[p])
	}
	for _, name := range res.Removed {
		fmt.Fprintf(os.Stderr, "gensymbols: removed %s\n", name)
	}
	fmt.Fprintf(os.Stderr, "gensymbols: wrote %d packages\n", len(res.Written))
	return nil
}
