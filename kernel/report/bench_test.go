package report

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/golign/golign/kernel/nbformat"
)

func BenchmarkHighlightGo(b *testing.B) {
	src := strings.Repeat("func f(x []float64) float64 {\n\ts := 0.0 // sum\n\tfor _, v := range x {\n\t\ts += v * 2.5\n\t}\n\treturn s\n}\n", 100)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		HighlightGo(src)
	}
}

func BenchmarkWrite(b *testing.B) {
	nb := nbformat.New()
	img := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x89PNG image bytes ", 1800)))
	for i := range 100 {
		count := i + 1
		nb.Cells = append(nb.Cells,
			&nbformat.Cell{Type: nbformat.MarkdownCell, Source: fmt.Sprintf("## Step %d\n\nSome *text* with `code` and a [link](https://go.dev).", i)},
			&nbformat.Cell{Type: nbformat.CodeCell, Source: strings.Repeat("x := compute(1) // a line of Go\n", 20), ExecutionCount: &count,
				Outputs: []*nbformat.Output{
					{Type: nbformat.StreamOutput, Name: "stdout", Text: strings.Repeat("\x1b[32mloss\x1b[0m 0.123\n", 50)},
					{Type: nbformat.DisplayDataOutput, Data: nbformat.MIMEBundle{"image/png": img}},
				}})
	}
	for b.Loop() {
		if err := Write(io.Discard, nb, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
