package pref

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/job"
)

const hhPath = "../../notebooks/data/hh-rlhf-harmless-base-test.jsonl.gz"

func TestLoadHHRLHF(t *testing.T) {
	d, err := LoadJSONL(hhPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 2312 {
		t.Fatalf("read %d pairs, want 2312", len(d))
	}
	// Read the raw dialogues independently and check that prompt and
	// responses put back together give them exactly.
	f, err := os.Open(hhPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	i := 0
	differ := 0
	for sc.Scan() {
		var raw struct{ Chosen, Rejected string }
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		p := d[i]
		if !strings.HasPrefix(p.Prompt, "\n\nHuman:") || !strings.HasSuffix(p.Prompt, "\n\nAssistant:") {
			t.Fatalf("pair %d: prompt %q is not a dialogue ending with an assistant turn", i, p.Prompt)
		}
		if strings.Contains(p.Chosen, "\n\nAssistant:") && strings.Contains(p.Rejected, "\n\nAssistant:") {
			t.Errorf("pair %d: both responses hold a further assistant turn: the split is not the last common one", i)
		}
		for _, c := range []struct{ whole, response string }{{raw.Chosen, p.Chosen}, {raw.Rejected, p.Rejected}} {
			if c.whole != p.Prompt+" "+c.response && c.whole != p.Prompt+c.response {
				t.Fatalf("pair %d: prompt + response does not give the dialogue back", i)
			}
		}
		if p.Chosen != p.Rejected {
			differ++
		}
		i++
	}
	if differ < 2200 {
		t.Errorf("only %d of %d pairs have different responses", differ, len(d))
	}
}

func TestSplitDialogue(t *testing.T) {
	tests := []struct {
		name, chosen, rejected, prompt, c, r string
	}{
		{"one turn", "\n\nHuman: hi\n\nAssistant: hello", "\n\nHuman: hi\n\nAssistant: go away",
			"\n\nHuman: hi\n\nAssistant:", "hello", "go away"},
		{"responses share words", "\n\nHuman: q\n\nAssistant: I think yes", "\n\nHuman: q\n\nAssistant: I think no",
			"\n\nHuman: q\n\nAssistant:", "I think yes", "I think no"},
		{"earlier turns", "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: d", "\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: e",
			"\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:", "d", "e"},
		{"no dialogue", "short", "long answer", "", "short", "long answer"},
		{"differ before the last turn", "\n\nHuman: a\n\nAssistant: x\n\nHuman: c\n\nAssistant: d", "\n\nHuman: a\n\nAssistant: y",
			"\n\nHuman: a\n\nAssistant:", "x\n\nHuman: c\n\nAssistant: d", "y"},
	}
	for _, tc := range tests {
		p, c, r := SplitDialogue(tc.chosen, tc.rejected)
		if p != tc.prompt || c != tc.c || r != tc.r {
			t.Errorf("%s: got (%q, %q, %q), want (%q, %q, %q)", tc.name, p, c, r, tc.prompt, tc.c, tc.r)
		}
	}
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

// wantInputError checks that err is an InputError at the given line and
// field whose message mentions the file.
func wantInputError(t *testing.T, name string, err error, file string, line int, field string) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Errorf("%s: error %v is not an InputError", name, err)
		return
	}
	if ie.File != file || ie.Line != line || ie.Field != field {
		t.Errorf("%s: error at %s:%d field %q, want %s:%d field %q (%v)", name, ie.File, ie.Line, ie.Field, file, line, field, err)
	}
	if !strings.Contains(err.Error(), file) {
		t.Errorf("%s: message %q does not name the file", name, err)
	}
}

func TestReadJSONLBadInput(t *testing.T) {
	good := `{"prompt": "p", "chosen": "a", "rejected": "b"}` + "\n"
	full := gzipped(good + good)
	tests := []struct {
		name, input string
		line        int
		field       string
	}{
		{"empty file", "", 0, ""},
		{"only blank lines", "\n  \n", 0, ""},
		{"missing chosen", good + `{"prompt": "p", "rejected": "b"}`, 2, "chosen"},
		{"missing rejected", `{"chosen": "a"}`, 1, "rejected"},
		{"chosen is a number", good + "\n" + `{"chosen": 3, "rejected": "b"}`, 3, "chosen"},
		{"prompt is null", `{"prompt": null, "chosen": "a", "rejected": "b"}`, 1, "prompt"},
		{"labeler is an object", `{"labeler": {}, "chosen": "a", "rejected": "b"}`, 1, "labeler"},
		{"not JSON", good + "chosen,rejected", 2, ""},
		{"JSON array", `["a", "b"]`, 1, ""},
		{"JSON null", `null`, 1, ""},
		{"bad gzip header", "\x1f\x8b\x00garbage", 0, ""},
		{"truncated gzip", full[:len(full)-12], 0, ""},
		{"gzip of a bad record", gzipped(good + `{"chosen": "a"}`), 2, "rejected"},
	}
	for _, tc := range tests {
		_, err := ReadJSONL(strings.NewReader(tc.input), "in.jsonl")
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		wantInputError(t, tc.name, err, "in.jsonl", tc.line, tc.field)
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	d := Dataset{
		{Prompt: "What is 2+2?", Chosen: "4", Rejected: "5 <b>&</b>", Labeler: "alice",
			Extra: map[string]any{"score": 0.25, "tags": []any{"math", "easy"}, "id": "q1"}},
		{Prompt: "", Chosen: "héllo ✓\n\tworld", Rejected: "", Labeler: ""},
		{Prompt: "\n\nHuman: hi\n\nAssistant:", Chosen: "a", Rejected: "b", Extra: map[string]any{"nested": map[string]any{"k": true}}},
	}
	dir := t.TempDir()
	for _, name := range []string{"pairs.jsonl", "pairs.jsonl.gz"} {
		path := filepath.Join(dir, name)
		if err := SaveJSONL(path, d); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Errorf("%s: round trip gave\n%#v\nwant\n%#v", name, got, d)
		}
	}
}

func TestByteOrderMarkIsSkipped(t *testing.T) {
	d, err := ReadJSONL(strings.NewReader("\ufeff"+`{"chosen":"a","rejected":"b"}`), "bom.jsonl")
	if err != nil || len(d) != 1 || d[0].Chosen != "a" {
		t.Errorf("got %+v, %v", d, err)
	}
}

func TestNumericLabeler(t *testing.T) {
	d, err := ReadJSONL(strings.NewReader(`{"chosen":"a","rejected":"b","labeler":7}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	if d[0].Labeler != "7" {
		t.Errorf("labeler %q, want \"7\"", d[0].Labeler)
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"prompt": "p", "chosen": "a", "rejected": "b", "labeler": "x", "k": [1, {"z": null}]}`))
	f.Add([]byte("{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: c\"}\n\n"))
	f.Add([]byte(`{"chosen": 1}`))
	f.Add([]byte(gzipped(`{"chosen": "a", "rejected": "b"}`)))
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadJSONL(bytes.NewReader(data), "fuzz")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InputError", err)
			}
			return
		}
		var b bytes.Buffer
		if err := WriteJSONL(&b, d); err != nil {
			t.Fatal(err)
		}
		again, err := ReadJSONL(&b, "again")
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("round trip changed the pairs:\n%#v\n%#v", d, again)
		}
	})
}

func BenchmarkLoadHHRLHF(b *testing.B) {
	for b.Loop() {
		if _, err := LoadJSONL(hhPath); err != nil {
			b.Fatal(err)
		}
	}
}

func TestReadingStopsWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unbind := job.Bind(ctx, nil)
	defer unbind()
	if _, err := LoadJSONL(hhPath); !errors.Is(err, job.ErrInterrupted) {
		t.Errorf("JSON Lines: error %v, want job.ErrInterrupted", err)
	}
	if _, err := ReadCSV(strings.NewReader("chosen,rejected\na,b\n"), "x.csv"); !errors.Is(err, job.ErrInterrupted) {
		t.Errorf("CSV: error %v, want job.ErrInterrupted", err)
	}
	if _, err := LoadNPZ("testdata/numpy.npz"); !errors.Is(err, job.ErrInterrupted) {
		t.Errorf("npz: error %v, want job.ErrInterrupted", err)
	}
}
