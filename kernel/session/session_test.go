package session

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golign/golign/kernel"
)

// event is one message a recorder received.
type event struct {
	kind string // stream, display, update, result, clear, input
	name string // stream name, or display ID
	text string
	data kernel.MIMEBundle
	at   time.Time
}

// recorder is a kernel.Publisher keeping everything in order.
type recorder struct {
	mu     sync.Mutex
	events []event
	inputs []string // lines to answer input requests with
	allow  bool
	asked  []string
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.at = time.Now()
	r.events = append(r.events, e)
}

func (r *recorder) Stream(name, text string) { r.add(event{kind: "stream", name: name, text: text}) }

func (r *recorder) Display(data kernel.MIMEBundle, metadata map[string]any, id string, update bool) {
	kind := "display"
	if update {
		kind = "update"
	}
	r.add(event{kind: kind, name: id, data: data})
}

func (r *recorder) Result(data kernel.MIMEBundle, metadata map[string]any) {
	r.add(event{kind: "result", data: data})
}

func (r *recorder) ClearOutput(wait bool) { r.add(event{kind: "clear"}) }

func (r *recorder) Input(prompt string, password bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, prompt)
	if !r.allow {
		return "", kernel.ErrStdinNotAllowed
	}
	if len(r.inputs) == 0 {
		return "", kernel.ErrStdinNotAllowed
	}
	line := r.inputs[0]
	r.inputs = r.inputs[1:]
	return line, nil
}

// stream returns everything written to the named stream.
func (r *recorder) stream(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		if e.kind == "stream" && e.name == name {
			b.WriteString(e.text)
		}
	}
	return b.String()
}

// result returns the text/plain result, and whether there was one.
func (r *recorder) result() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.kind == "result" {
			s, _ := e.data["text/plain"].(string)
			return s, true
		}
	}
	return "", false
}

func (r *recorder) kinds(kind string) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event
	for _, e := range r.events {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func newSession(t *testing.T) *Session {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false) })
	return s
}

// exec runs code and returns the reply and what was published.
func exec(t *testing.T, s *Session, code string) (kernel.ExecuteReply, *recorder) {
	t.Helper()
	return execCtx(context.Background(), s, code)
}

func execCtx(ctx context.Context, s *Session, code string) (kernel.ExecuteReply, *recorder) {
	r := &recorder{}
	reply := s.Execute(ctx, kernel.ExecuteRequest{Code: code}, r)
	return reply, r
}

// mustExec runs code, fails the test if it fails, and returns the recorder.
func mustExec(t *testing.T, s *Session, code string) *recorder {
	t.Helper()
	reply, r := exec(t, s, code)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("cell %q failed: %+v", code, reply.Error)
	}
	return r
}

func TestCellsResultsAndState(t *testing.T) {
	s := newSession(t)
	tests := []struct {
		name, code string
		result     string // "" means no result
		stdout     string
	}{
		{"define", "x := 3", "", ""},
		{"value of expression", "x", "3", ""},
		{"string", `s := "ab"; s + s`, `"abab"`, ""},
		{"mixed cell", "import \"fmt\"\nfunc double(v int) int { return 2 * v }\ny := double(x)\nfmt.Println(\"y is\", y)\ny + 1", "7", "y is 6\n"},
		{"declaration used before in the cell", "z := triple(2)\nfunc triple(v int) int { return 3 * v }\nz", "6", ""},
		{"print call has no result", `fmt.Println("hello")`, "", "hello\n"},
		{"call without value", "func nothing() {}\nnothing()", "", ""},
		{"method call without value", "import \"sync\"\nvar wg sync.WaitGroup\nwg.Wait()", "", ""},
		{"statements only", "x = x + 1", "", ""},
		{"state kept", "x", "4", ""},
		{"float", "1.5 * 2", "3", ""},
		{"bool", "x > 3", "true", ""},
		{"slice", "[]int{1, 2, 3}", "[1 2 3]", ""},
		{"two values", "import \"strconv\"\nstrconv.Atoi(\"12\")", "12, <nil>", ""},
		{"reimport", "import \"fmt\"\nimport \"strconv\"\nfmt.Sprint(strconv.Itoa(5))", `"5"`, ""},
		{"type with method", "type point struct{ x, y float64 }\nfunc (p point) norm1() float64 { return p.x + p.y }\npoint{1, 2}.norm1()", "3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustExec(t, s, tt.code)
			got, ok := r.result()
			if tt.result == "" && ok {
				t.Errorf("result %q, want none", got)
			}
			if tt.result != "" && got != tt.result {
				t.Errorf("result %q (present %v), want %q", got, ok, tt.result)
			}
			if out := r.stream("stdout"); out != tt.stdout {
				t.Errorf("stdout %q, want %q", out, tt.stdout)
			}
		})
	}
}
