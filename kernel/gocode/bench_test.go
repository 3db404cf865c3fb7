package gocode

import (
	"bytes"
	"testing"

	"github.com/golign/golign/kernel/gocode/internal/docdb"
)

func TestDatabaseDecodes(t *testing.T) {
	db, err := docdb.Read(bytes.NewReader(docsData))
	if err != nil {
		t.Fatalf("embedded documentation database: %v", err)
	}
	if _, ok := db["fmt"].Entries["Println"]; !ok {
		t.Error("database lacks fmt.Println")
	}
	t.Logf("database: %d packages, %d bytes compressed", len(db), len(docsData))
}

func BenchmarkDatabaseDecode(b *testing.B) {
	for b.Loop() {
		if _, err := docdb.Read(bytes.NewReader(docsData)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIsComplete(b *testing.B) {
	code := "import \"fmt\"\n\nfunc f(x float64) float64 {\n\treturn x * x\n}\n\nfor i := 0; i < 3; i++ {\n\tfmt.Println(f(float64(i)))\n}\n"
	for b.Loop() {
		IsComplete(code)
	}
}

func BenchmarkComplete(b *testing.B) {
	for _, code := range []string{"fmt.Pri", "m.Ra", "mat.NewDense(2, 2, nil).Sol", "x := app"} {
		b.Run(code, func(b *testing.B) {
			database()
			for b.Loop() {
				Complete(code, len(code), session)
			}
		})
	}
}

func BenchmarkInspect(b *testing.B) {
	for _, code := range []string{"mat.NewDense(2, ", "m.At", "square("} {
		b.Run(code, func(b *testing.B) {
			database()
			for b.Loop() {
				Inspect(code, len(code), session)
			}
		})
	}
}
