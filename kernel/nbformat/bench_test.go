package nbformat

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// largeNotebook has 200 code cells, each with 20 lines of source, a
// stream of 50 lines and a 30 kB image.
func largeNotebook() *Notebook {
	nb := New()
	img := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x89PNG image bytes ", 1800)))
	for i := range 200 {
		count := i + 1
		nb.Cells = append(nb.Cells, &Cell{Type: CodeCell, Source: strings.Repeat(fmt.Sprintf("x%d := compute(%d) // a line of Go\n", i, i), 20),
			ExecutionCount: &count, Outputs: []*Output{
				{Type: StreamOutput, Name: "stdout", Text: strings.Repeat("loss 0.123456 accuracy 0.98\n", 50)},
				{Type: DisplayDataOutput, Data: MIMEBundle{"image/png": img, "text/plain": "<plot>"}, Metadata: map[string]any{}},
			}})
	}
	return nb
}

func BenchmarkMarshal(b *testing.B) {
	nb := largeNotebook()
	data, _ := Marshal(nb)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Marshal(nb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data, _ := Marshal(largeNotebook())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
