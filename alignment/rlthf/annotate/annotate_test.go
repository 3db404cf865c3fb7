package annotate

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golign/golign/alignment/pref"
)

func TestOracleNoiseRate(t *testing.T) {
	const n = 40000
	truth := make([]bool, n)
	for i := range truth {
		truth[i] = i%3 == 0
	}
	for _, rate := range []float64{0, 0.05, 0.2, 0.5, 1} {
		o := &Oracle{Truth: truth, NoiseRate: rate, Seed: 11}
		wrong := 0
		for i := range n {
			a, err := o.Annotate(i)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := o.Annotate(i); again != a {
				t.Fatalf("rate %v: pair %d answered %v then %v", rate, i, a, again)
			}
			if a != truth[i] {
				wrong++
			}
		}
		got := float64(wrong) / n
		if sigma := math.Sqrt(rate * (1 - rate) / n); math.Abs(got-rate) > 4*sigma+1e-12 {
			t.Errorf("noise rate %v: %.4f of answers wrong", rate, got)
		}
	}
	for _, o := range []*Oracle{{Truth: truth, NoiseRate: -0.1}, {Truth: truth, NoiseRate: math.NaN()}} {
		if _, err := o.Annotate(0); err == nil {
			t.Errorf("noise rate %v accepted", o.NoiseRate)
		}
	}
	if _, err := (&Oracle{Truth: truth}).Annotate(n); err == nil {
		t.Error("pair outside the truth accepted")
	}
}

func testPairs(n int) pref.Dataset {
	d := make(pref.Dataset, n)
	for i := range d {
		d[i] = pref.Pair{Prompt: "question", Chosen: "first answer", Rejected: "second answer"}
	}
	return d
}

func TestPersonAnswers(t *testing.T) {
	var out strings.Builder
	p := &Person{Pairs: testPairs(3), In: strings.NewReader("maybe\n A \n2\nq\n"), Out: &out}
	for pair, want := range []bool{true, false} {
		got, err := p.Annotate(pair)
		if err != nil || got != want {
			t.Fatalf("pair %d: got %v, %v; want %v", pair, got, err, want)
		}
	}
	if _, err := p.Annotate(2); !errors.Is(err, ErrStopped) {
		t.Errorf("q gave %v, want ErrStopped", err)
	}
	if _, err := p.Annotate(2); !errors.Is(err, ErrStopped) {
		t.Errorf("end of input gave %v, want ErrStopped", err)
	}
	for _, s := range []string{"first answer", "second answer", `"maybe" is not an answer`} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestPersonShow(t *testing.T) {
	var out strings.Builder
	var shown []int
	pairs := testPairs(2)
	pairs[1].Chosen = strings.Repeat("long ", 10)
	p := &Person{Pairs: pairs, In: strings.NewReader("b\n"), Out: &out, MaxChars: 8,
		Show: func(pair int, x pref.Pair) {
			shown = append(shown, pair)
			if x.Chosen != "long lon […]" {
				t.Errorf("shown text %q, want it cut to 8 characters", x.Chosen)
			}
		}}
	if a, err := p.Annotate(1); err != nil || a {
		t.Fatalf("got %v, %v; want B", a, err)
	}
	if len(shown) != 1 || shown[0] != 1 || strings.Contains(out.String(), "long") {
		t.Errorf("shown %v; output %q", shown, out.String())
	}
}

func TestJournalResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "answers.jsonl")
	// First session: two answers, then the person stops.
	first := &Person{Pairs: testPairs(5), In: strings.NewReader("a\nb\nq\n"), Out: &strings.Builder{}}
	j, err := OpenJournal(path, first, "me")
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range []int{3, 1} {
		if _, err := j.Annotate(pair); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Annotate(4); !errors.Is(err, ErrStopped) {
		t.Fatalf("got %v, want ErrStopped", err)
	}
	j.Close()

	// Second session: the recorded pairs are answered from the file without
	// reading input; a new pair reads the next line.
	second := &Person{Pairs: testPairs(5), In: strings.NewReader("b\n"), Out: &strings.Builder{}}
	j, err = OpenJournal(path, second, "me")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for pair, want := range map[int]bool{3: true, 1: false, 4: false} {
		got, err := j.Annotate(pair)
		if err != nil || got != want {
			t.Errorf("pair %d: got %v, %v; want %v", pair, got, err, want)
		}
	}
	if j.Len() != 3 || j.Recovered {
		t.Errorf("journal holds %d answers (recovered %v), want 3", j.Len(), j.Recovered)
	}
	data, _ := os.ReadFile(path)
	answers, err := parseRecords(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 3 || !answers[3] || answers[1] || answers[4] {
		t.Errorf("file holds %v", answers)
	}
}

func TestJournalDropsIncompleteLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "answers.jsonl")
	os.WriteFile(path, []byte(`{"pair":0,"preferred":"A"}`+"\n"+`{"pair":1,"prefe`), 0o644)
	j, err := OpenJournal(path, Func(func(int) (bool, error) { return false, nil }), "")
	if err != nil {
		t.Fatal(err)
	}
	if !j.Recovered || j.Len() != 1 {
		t.Fatalf("recovered %v with %d answers, want true and 1", j.Recovered, j.Len())
	}
	if _, err := j.Annotate(1); err != nil {
		t.Fatal(err)
	}
	j.Close()
	data, _ := os.ReadFile(path)
	if want := `{"pair":0,"preferred":"A"}` + "\n" + `{"pair":1,"preferred":"B"}` + "\n"; string(data) != want {
		t.Errorf("file is %q, want %q", data, want)
	}
}

func TestReadLabelsErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"bad json", "{\"pair\":0,\"preferred\":\"A\"}\n{oops}\n", "labels.jsonl:2: malformed JSON"},
		{"bad choice", `{"pair":0,"preferred":"C"}` + "\n", `field "preferred": "C"`},
		{"missing pair", `{"preferred":"A"}` + "\n", `field "pair" is missing`},
		{"unknown field", `{"pair":0,"preferred":"A","score":1}` + "\n", `labels.jsonl:1: json: unknown field "score"`},
		{"negative pair", `{"pair":-1,"preferred":"A"}` + "\n", "negative pair"},
		{"unlabelled pair", `{"pair":0,"preferred":"A"}` + "\n", "no label for pair 1"},
		{"pair out of range", `{"pair":0,"preferred":"A"}` + "\n" + `{"pair":1,"preferred":"B"}` + "\n" + `{"pair":2,"preferred":"B"}` + "\n", "labels pair 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "labels.jsonl")
			os.WriteFile(path, []byte(tc.content), 0o644)
			_, err := ReadLabels(path, 2)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	path := filepath.Join(dir, "ok.jsonl")
	want := []bool{true, false, false, true}
	if err := WriteLabels(path, want, "judge"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLabels(path, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("read %v, wrote %v", got, want)
		}
	}
}
