package pref

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	in := "id,prompt,chosen,rejected,labeler\n" +
		"1,What?,\"Yes, indeed\",\"No\nnever\",bob\n" +
		"2,,a,b,\n"
	d, err := ReadCSV(strings.NewReader(in), "pairs.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := Dataset{
		{Prompt: "What?", Chosen: "Yes, indeed", Rejected: "No\nnever", Labeler: "bob", Extra: map[string]any{"id": "1"}},
		{Chosen: "a", Rejected: "b", Extra: map[string]any{"id": "2"}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %#v\nwant %#v", d, want)
	}
	bom, err := ReadCSV(strings.NewReader("\ufeff"+in), "bom.csv")
	if err != nil || !reflect.DeepEqual(bom, want) {
		t.Errorf("CSV with a byte order mark: %v, %#v", err, bom)
	}
	gz, err := ReadCSV(strings.NewReader(gzipped(in)), "pairs.csv.gz")
	if err != nil || !reflect.DeepEqual(gz, want) {
		t.Errorf("gzip CSV: %v, %#v", err, gz)
	}
}

func TestReadCSVBadInput(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
		field       string
	}{
		{"empty file", "", 0, ""},
		{"header only", "chosen,rejected\n", 0, ""},
		{"missing rejected column", "prompt,chosen\np,a\n", 1, "rejected"},
		{"column named twice", "chosen,rejected,chosen\na,b,c\n", 1, "chosen"},
		{"ragged row", "chosen,rejected\na,b\nc\n", 3, ""},
		{"bad quote", "chosen,rejected\na,b\n\"c,d\n", 3, ""},
	}
	for _, tc := range tests {
		_, err := ReadCSV(strings.NewReader(tc.input), "in.csv")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		wantInputError(t, tc.name, err, "in.csv", tc.line, tc.field)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("prompt,chosen,rejected,labeler,extra\np,a,b,l,e\n"))
	f.Add([]byte("chosen,rejected\n\"a\"\"b\",c\n"))
	f.Add([]byte("chosen,rejected\na\n"))
	f.Add([]byte(gzipped("chosen,rejected\na,b\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadCSV(bytes.NewReader(data), "fuzz")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InputError", err)
			}
			return
		}
		if len(d) == 0 {
			t.Fatal("no pairs and no error")
		}
		// Whatever was read survives a JSON Lines round trip.
		var b bytes.Buffer
		if err := WriteJSONL(&b, d); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadJSONL(&b, "again"); err != nil {
			t.Fatalf("reading back: %v", err)
		}
	})
}

func TestLoadChoosesFormatByName(t *testing.T) {
	dir := t.TempDir()
	csvText := "chosen,rejected\na,b\n"
	jsonText := `{"chosen": "a", "rejected": "b"}`
	for _, f := range []struct{ name, content string }{
		{"p.csv", csvText},
		{"p.CSV.gz", gzipped(csvText)},
		{"p.jsonl", jsonText},
		{"p.jsonl.gz", gzipped(jsonText)},
		// Compression is detected from the content, not the name.
		{"p.json", gzipped(jsonText)},
	} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte(f.content), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := Load(path)
		if err != nil || len(d) != 1 || d[0].Chosen != "a" || d[0].Rejected != "b" {
			t.Errorf("%s: %+v, %v", f.name, d, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.jsonl")); err == nil {
		t.Error("missing file accepted")
	}
}
