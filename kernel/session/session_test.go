package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golign/golign/alignment/job"
	"github.com/golign/golign/kernel"
	"github.com/golign/golign/stdlib"
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
	t.Cleanup(func() {
		defer watchdog("Shutdown")()
		s.Shutdown(false)
	})
	return s
}

// exec runs code and returns the reply and what was published.
func runCell(t *testing.T, s *Session, code string) (kernel.ExecuteReply, *recorder) {
	t.Helper()
	return execCtx(context.Background(), s, code)
}

func execCtx(ctx context.Context, s *Session, code string) (kernel.ExecuteReply, *recorder) {
	r := &recorder{}
	defer watchdog(code)()
	reply := s.Execute(ctx, kernel.ExecuteRequest{Code: code}, r)
	return reply, r
}

// watchdog ends the test process with a dump of its goroutines on the
// original standard error if a cell runs for more than 20 seconds: the
// test binary's own timeout report would go into the captured output.
func watchdog(code string) (stop func()) {
	t := time.AfterFunc(20*time.Second, func() {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		fmt.Fprintf(LogWriter(), "cell still running after 20s:\n%s\n\n%s", code, buf[:n])
		os.Exit(3)
	})
	return func() { t.Stop() }
}

// mustExec runs code, fails the test if it fails, and returns the recorder.
func mustExec(t *testing.T, s *Session, code string) *recorder {
	t.Helper()
	reply, r := runCell(t, s, code)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("cell %q failed: %+v", code, reply.Error)
	}
	return r
}

// cellCase is a cell, run after the cases before it in the same session,
// with the result and standard output it must give.
type cellCase struct {
	name, code string
	result     string // "" means no result
	stdout     string
}

// expectCells runs the cells of tests in s in order, each as a subtest.
func expectCells(t *testing.T, s *Session, tests []cellCase) {
	t.Helper()
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

func TestCellsResultsAndState(t *testing.T) {
	s := newSession(t)
	expectCells(t, s, []cellCase{
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
	})
}

func TestOutputCapture(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import ("fmt"; "os"; "log"; "time"; "sync")`)
	tests := []struct {
		name, code     string
		stdout, stderr string
	}{
		{"interpreted fmt", `fmt.Println("a"); fmt.Print("b\n")`, "a\nb\n", ""},
		{"os streams", `fmt.Fprintln(os.Stdout, "out"); fmt.Fprintln(os.Stderr, "err")`, "out\n", "err\n"},
		{"log", `log.SetFlags(0); log.Println("logged")`, "", "logged\n"},
		{"compiled writer", `os.Stdout.WriteString("direct\n")`, "direct\n", ""},
		{"builtin println", `println("to stderr")`, "", "to stderr\n"},
		{"goroutines", "var wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); fmt.Println(\"g\") }()\n}\nwg.Wait()", "g\ng\ng\n", ""},
		{"unicode", `fmt.Println("α β γ — ✓")`, "α β γ — ✓\n", ""},
		{"child process", "import \"os/exec\"\ncmd := exec.Command(\"sh\", \"-c\", \"echo child; echo childerr >&2\")\ncmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr\ncmd.Run()", "child\n", "childerr\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustExec(t, s, tt.code)
			if got := r.stream("stdout"); got != tt.stdout {
				t.Errorf("stdout %q, want %q", got, tt.stdout)
			}
			if got := r.stream("stderr"); got != tt.stderr {
				t.Errorf("stderr %q, want %q", got, tt.stderr)
			}
		})
	}
}

func TestOutputStreamsWhileRunning(t *testing.T) {
	s := newSession(t)
	start := time.Now()
	r := mustExec(t, s, "import (\"fmt\"; \"time\")\nfmt.Println(\"first\")\ntime.Sleep(600 * time.Millisecond)\nfmt.Println(\"second\")")
	end := time.Now()
	streams := r.kinds("stream")
	if len(streams) < 2 {
		t.Fatalf("got %d stream messages (%q), want the two lines apart", len(streams), r.stream("stdout"))
	}
	if streams[0].text != "first\n" {
		t.Fatalf("first message %q", streams[0].text)
	}
	if early := end.Sub(streams[0].at); early < 400*time.Millisecond {
		t.Errorf("first line arrived %v before the end of the cell, want about 600ms (start %v)", early, streams[0].at.Sub(start))
	}
	if got := r.stream("stdout"); got != "first\nsecond\n" {
		t.Errorf("stdout %q", got)
	}
}

func TestBuiltinPrintFormat(t *testing.T) {
	tests := []struct {
		args []any
		line bool
		want string
	}{
		{[]any{1, "a", true}, true, "1 a true\n"},
		{[]any{1.5}, true, "+1.500000e+000\n"},
		{[]any{-2e-10, 3}, false, "-2.000000e-0103"},
	}
	for _, tt := range tests {
		if got := builtinPrint(tt.args, tt.line); got != tt.want {
			t.Errorf("builtinPrint(%v, %v) = %q, want %q", tt.args, tt.line, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"fmt\"\nkept := 42")
	tests := []struct {
		name, code string
		ename      string
		line       int    // line the traceback must name; 0 for none
		value      string // part of the error value
	}{
		{"syntax", "a := 1\nb := (2 +\nc := 3", ErrSyntax, 3, ""},
		{"undefined", "x1 := 1\n\ny1 := undefinedName + x1", ErrUnsupported, 3, "undefined: undefinedName"},
		{"type mismatch", "var s string = 1", ErrCompile, 1, "cannot"},
		{"panic", "fmt.Println(\"before\")\npanic(\"boom\")", ErrPanic, 0, "boom"},
		{"runtime error", "var m map[string]int\nm[\"a\"] = 1", ErrPanic, 0, "nil map"},
		{"index out of range", "xs := []int{1}\ni := 3\n_ = xs[i]", ErrPanic, 0, "range"},
		{"panic in function", "func explode(n int) int {\n\tif n > 2 {\n\t\tpanic(fmt.Sprint(\"too big: \", n))\n\t}\n\treturn n\n}\nexplode(5)", ErrPanic, 0, "too big: 5"},
		{"unknown package", "import \"github.com/nobody/nothing\"", ErrUnsupported, 1, "not available"},
		{"error in later declaration", "import \"strings\"\nfunc ok1() int { return 1 }\n\nfunc bad1() int { return strings.Nope() }", ErrCompile, 4, "Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply, _ := runCell(t, s, tt.code)
			if reply.Status != kernel.StatusError || reply.Error == nil {
				t.Fatalf("status %q, want an error", reply.Status)
			}
			e := reply.Error
			if e.Name != tt.ename {
				t.Errorf("ename %q, want %q (value %q)", e.Name, tt.ename, e.Value)
			}
			if !strings.Contains(e.Value, tt.value) {
				t.Errorf("evalue %q does not contain %q", e.Value, tt.value)
			}
			tb := strings.Join(e.Traceback, "\n")
			if tt.line > 0 && !strings.Contains(tb, fmt.Sprintf("cell line %d,", tt.line)) {
				t.Errorf("traceback does not name line %d:\n%s", tt.line, tb)
			}
		})
	}
	// Definitions survive the errors.
	if got, _ := mustExec(t, s, "kept").result(); got != "42" {
		t.Errorf("kept = %s after errors, want 42", got)
	}
	// The functions of a declaration that failed are not left half
	// compiled: calling one says why it is missing.
	reply, _ := runCell(t, s, "ok1()")
	if reply.Error == nil || !strings.Contains(reply.Error.Value, "ok1 is not defined") {
		t.Errorf("calling ok1 after its cell failed: %+v", reply.Error)
	}
	// A declaration that failed can be fixed.
	mustExec(t, s, "func ok1() int { return 1 }\nfunc bad1() int { return 2 }")
	if got, _ := mustExec(t, s, "bad1() + ok1()").result(); got != "3" {
		t.Errorf("after fixing bad1: %s, want 3", got)
	}
}

func TestInterrupt(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import (\"time\"; \"github.com/golign/golign/alignment/job\")\nstate := 7")
	tests := []struct{ name, code string }{
		{"infinite loop", "n := 0\nfor {\n\tn++\n}"},
		{"sleep", "time.Sleep(time.Hour)"},
		{"channel wait", "ch := make(chan int)\n<-ch"},
		{"select", "select {}"},
		{"native job loop", "t := job.Start(\"spin\", 0)\nfor t.Err() == nil {\n}\nt.Done(nil)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			start := time.Now()
			reply, _ := execCtx(ctx, s, tt.code)
			elapsed := time.Since(start)
			if reply.Status != kernel.StatusError || reply.Error.Name != ErrInterrupted {
				t.Fatalf("reply %+v, want an Interrupted error", reply.Error)
			}
			if elapsed > 1300*time.Millisecond {
				t.Errorf("stopped %v after the start, %v after the interrupt; want within 1s", elapsed, elapsed-300*time.Millisecond)
			}
			if got, _ := mustExec(t, s, "state").result(); got != "7" {
				t.Errorf("state = %s after the interrupt, want 7", got)
			}
		})
	}
}

// spin is a compiled loop that stops only when job reports an interrupt.
func spin() error {
	t := job.Start("spin", 0)
	for {
		if err := t.Step(1); err != nil {
			t.Done(err)
			return err
		}
	}
}

func TestInterruptNativeLoop(t *testing.T) {
	symbols := map[string]map[string]reflect.Value{}
	for k, v := range stdlib.All() {
		symbols[k] = v
	}
	symbols["golign.test/native/native"] = map[string]reflect.Value{"Spin": reflect.ValueOf(spin)}
	s, err := New(Options{Symbols: symbols})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(false)
	mustExec(t, s, "import \"golign.test/native\"\nkept := \"yes\"")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	reply, _ := execCtx(ctx, s, "err := native.Spin()")
	if elapsed := time.Since(start); elapsed > 1300*time.Millisecond {
		t.Errorf("native loop stopped after %v, want within 1s of the interrupt at 300ms", elapsed)
	}
	if reply.Error == nil || reply.Error.Name != ErrInterrupted {
		t.Fatalf("reply %+v, want Interrupted", reply.Error)
	}
	if got, _ := mustExec(t, s, "kept").result(); got != `"yes"` {
		t.Errorf("kept = %s", got)
	}
}

func TestStdin(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import ("bufio"; "fmt"; "os")`)
	r := &recorder{allow: true, inputs: []string{"21", "golign users"}}
	reply := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "var n int\nfmt.Scan(&n)\nline, _ := bufio.NewReader(os.Stdin).ReadString('\\n')\nfmt.Println(n*2, line)", AllowStdin: true}, r)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("%+v", reply.Error)
	}
	if got := r.stream("stdout"); got != "42 golign users\n\n" {
		t.Errorf("stdout %q", got)
	}
	if len(r.asked) != 2 {
		t.Errorf("%d input requests, want 2", len(r.asked))
	}

	// Not allowed: the read ends with end of file, and the kernel says why.
	r = &recorder{}
	reply = s.Execute(context.Background(), kernel.ExecuteRequest{Code: "_, err := fmt.Scan(&n)\nerr"}, r)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("%+v", reply.Error)
	}
	if got, _ := r.result(); !strings.Contains(got, "EOF") {
		t.Errorf("result %q, want an EOF error", got)
	}
	if got := r.stream("stderr"); !strings.Contains(got, "input requests") {
		t.Errorf("stderr %q, want the reason", got)
	}
}

func TestGoroutinePanic(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import ("sync"; "time")`)
	tests := []struct{ name, code string }{
		{"function literal", "var wg sync.WaitGroup\nwg.Add(1)\ngo func() {\n\tdefer wg.Done()\n\tpanic(\"lit boom\")\n}()\nwg.Wait()\ntime.Sleep(50 * time.Millisecond)"},
		{"named function", "func worker(wg *sync.WaitGroup, msg string) {\n\tdefer wg.Done()\n\tpanic(msg)\n}\nvar wg2 sync.WaitGroup\nwg2.Add(1)\ngo worker(&wg2, \"named boom\")\nwg2.Wait()\ntime.Sleep(50 * time.Millisecond)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustExec(t, s, tt.code)
			if got := r.stream("stderr"); !strings.Contains(got, "panic in a goroutine") || !strings.Contains(got, "boom") {
				t.Errorf("stderr %q, want the goroutine's panic", got)
			}
		})
	}
	if got, _ := mustExec(t, s, "1 + 1").result(); got != "2" {
		t.Errorf("kernel state after goroutine panics: %s", got)
	}
}

// TestModernGo compares the rewritten constructs with what compiled Go 1.22+
// prints for the same code.
func TestModernGo(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, `import ("fmt"; "math")`)
	tests := []struct {
		name, code, want string
	}{
		{"min max ints", "fmt.Println(min(3, 1, 2), max(3, 1, 2))", "1 3\n"},
		{"min max mixed constants", "fmt.Println(min(3, 1.5), max(2, 2.5))", "1.5 2.5\n"},
		{"min of variable and constant", "f := 0.25\nfmt.Println(min(1, f), max(1, f))", "0.25 1\n"},
		{"min strings", `fmt.Println(min("b", "a", "c"), max("b", "a", "c"))`, "a c\n"},
		{"min NaN", "fmt.Println(min(1, math.NaN(), 0), max(math.NaN(), 1))", "NaN NaN\n"},
		{"min max negative constants", "fmt.Println(math.Abs(min(-3.0, 2)), max(-1, -2), min(-(1 << 2), 3.5))", "3 -1 -4\n"},
		{"min max declared at top level", "lo, hi := min(-1.5, 2), max(3, 1)\nfmt.Printf(\"%T %v %T %v\\n\", lo, lo, hi, hi)", "float64 -1.5 int 3\n"},
		{"named numeric type", "type score float64\nvar a, b score = 2, 3\nfmt.Println(min(a, b))", "2\n"},
		{"clear map", "m := map[string]int{\"a\": 1, \"b\": 2}\nclear(m)\nfmt.Println(len(m))", "0\n"},
		{"clear slice", "xs := []int{1, 2, 3}\nclear(xs)\nfmt.Println(xs, len(xs))", "[0 0 0] 3\n"},
		{"range int literal", "for i := range 3 {\n\tfmt.Print(i, \" \")\n}\nfmt.Println()", "0 1 2 \n"},
		{"range int variable", "n := 4\nsum := 0\nfor i := range n {\n\tsum += i\n}\nfmt.Println(sum)", "6\n"},
		{"range int64 keeps type", "var n64 int64 = 3\nfor i := range n64 {\n\tfmt.Printf(\"%T \", i)\n}\nfmt.Println()", "int64 int64 int64 \n"},
		{"range len without variable", "count := 0\nfor range len(\"abcd\") {\n\tcount++\n}\nfmt.Println(count)", "4\n"},
		{"range int bound evaluated once", "k := 3\nruns := 0\nfor range k {\n\tk = 10\n\truns++\n}\nfmt.Println(runs)", "3\n"},
		{"range int in function", "func squares(n int) []int {\n\tvar out []int\n\tfor i := range n {\n\t\tout = append(out, i*i)\n\t}\n\treturn out\n}\nfmt.Println(squares(4))", "[0 1 4 9]\n"},
		{"range int with label", "outer:\nfor i := range 3 {\n\tfor j := range 3 {\n\t\tif j == 1 {\n\t\t\tcontinue outer\n\t\t}\n\t\tfmt.Print(i, j, \" \")\n\t}\n}\nfmt.Println()", "0 0 1 0 2 0 \n"},
		{"loopvar range closures", "var fs []func() int\nfor _, v := range []int{1, 2, 3} {\n\tfs = append(fs, func() int { return v })\n}\nfor _, f := range fs {\n\tfmt.Print(f())\n}\nfmt.Println()", "123\n"},
		{"loopvar three-clause closures", "var gs []func() int\nfor i := 0; i < 3; i++ {\n\tgs = append(gs, func() int { return i })\n}\nfor _, g := range gs {\n\tfmt.Print(g())\n}\nfmt.Println()", "012\n"},
		{"range over an iterator", "func upTo3(yield func(int) bool) {\n\tfor i := 1; i <= 3; i++ {\n\t\tif !yield(i) {\n\t\t\tfmt.Print(\"stopped \")\n\t\t\treturn\n\t\t}\n\t}\n}\nfor v := range upTo3 {\n\tif v == 1 {\n\t\tcontinue\n\t}\n\tfor j := 0; j < 5; j++ {\n\t\tif j == 1 {\n\t\t\tbreak\n\t\t}\n\t}\n\tfmt.Print(v, \" \")\n\tif v == 2 {\n\t\tbreak\n\t}\n}\nfmt.Println()", "2 stopped \n"},
		{"range over a pair iterator", "func pairs(yield func(string, int) bool) {\n\t_ = yield(\"a\", 1) && yield(\"b\", 2)\n}\nfor k, v := range pairs {\n\tfmt.Print(k, v, \" \")\n}\nfmt.Println()", "a1 b2 \n"},
		{"range over an int-valued call", "func three() int { return 3 }\nfor i := range three() {\n\tfmt.Print(i)\n}\nfmt.Println()", "012\n"},
		{"loopvar address", "var ps []*int\nfor i := range 3 {\n\tps = append(ps, &i)\n}\nfmt.Println(*ps[0], *ps[1], *ps[2])", "0 1 2\n"},
		{"several variables declared in a top-level loop", "import \"strconv\"\natoiSum := 0\nfor _, k := range []string{\"1\", \"2\"} {\n\tv, err := strconv.Atoi(k)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tatoiSum += v\n}\nif a, b := 1, 2; a < b {\n\tvar c, d = a, b\n\tatoiSum += c + d\n}\nfmt.Println(atoiSum)", "6\n"},
		{"generic slices and maps", "import (\"maps\"; \"slices\")\nys := []int{3, 1, 2}\nslices.Sort(ys)\nfmt.Println(ys, slices.Max(ys), slices.Sorted(maps.Keys(map[string]int{\"b\": 2, \"a\": 1})))", "[1 2 3] 3 [a b]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustExec(t, s, tt.code)
			if got := r.stream("stdout"); got != tt.want {
				t.Errorf("stdout %q, want %q (stderr %q)", got, tt.want, r.stream("stderr"))
			}
		})
	}
	reply, _ := runCell(t, s, "func seq(yield func(int) bool) { yield(1) }\nfunc find() int {\n\tfor v := range seq {\n\t\treturn v\n\t}\n\treturn 0\n}")
	if reply.Error == nil || reply.Error.Name != ErrUnsupported || !strings.Contains(reply.Error.Value, "range over the function seq") {
		t.Errorf("return inside a range over a function: %+v, want an UnsupportedError", reply.Error)
	}
	reply, _ = runCell(t, s, "var hs []func() int\nfor i := 0; i < 3; i++ {\n\ths = append(hs, func() int { return i })\n\ti++\n}")
	if reply.Error == nil || reply.Error.Name != ErrUnsupported || !strings.Contains(reply.Error.Value, "loop variable i") {
		t.Errorf("capture and assignment in a three-clause loop: %+v, want an UnsupportedError naming i", reply.Error)
	}
}

func TestRedefinition(t *testing.T) {
	s := newSession(t)
	steps := []struct{ code, result string }{
		{"func rate(x float64) float64 { return 2 * x }\nfunc use(x float64) float64 { return rate(x) + 1 }", ""},
		{"use(1)", "3"},
		{"func rate(x float64) float64 { return 10 * x }", ""},
		{"use(1)", "11"},
		{"f := use\nf(2)", "21"},
		{"func fact(n int) int {\n\tif n <= 1 {\n\t\treturn 1\n\t}\n\treturn n * fact(n-1)\n}\nfact(5)", "120"},
		{"func rate(s string) string { return s + s }\nrate(\"ab\")", `"abab"`},
		{"func variadic(_ int, xs ...int) int { return len(xs) }\nvariadic(0, 1, 2)", "2"},
		{"x := 1", ""},
		{"x := \"now a string\"\nx", `"now a string"`},
		{"import \"fmt\"\nimport \"fmt\"\nfmt.Sprint(1)", `"1"`},
		{"func leaf() int { return 1 }\nfunc middle() int { return leaf() * 10 }", ""},
		{"func top() int { return middle() + 5 }\ntype box struct{ v int }\nfunc (b box) scaled() int { return b.v * leaf() }", ""},
		{"func even(n int) bool { if n == 0 { return true }; return odd(n - 1) }\nfunc odd(n int) bool { if n == 0 { return false }; return even(n - 1) }", ""},
		{"func leaf() int { return 2 }", ""},
		{"top()", "25"},
		{"box{4}.scaled()", "8"},
		{"func odd(n int) bool { if n == 0 { return false }; return even(n - 1) }\neven(10)", "true"},
		{"func (b box) scaled() int { return b.v * 100 }", ""},
		{"func viaMethod(b box) int { return b.scaled() }\nviaMethod(box{2})", "200"},
		{"func (b box) scaled() int { return b.v * 1000 }", ""},
		{"viaMethod(box{2})", "2000"},
		{"import \"fmt\"", ""},
	}
	for _, st := range steps {
		r := mustExec(t, s, st.code)
		got, _ := r.result()
		if got != st.result {
			t.Errorf("cell %q: result %q, want %q", st.code, got, st.result)
		}
	}
	reply, _ := runCell(t, s, "type box struct{ v int }\nfunc (b box) scaled() int { return b.missing }")
	if reply.Error == nil || !strings.Contains(strings.Join(reply.Error.Traceback, "\n"), "cell line 2,") {
		t.Errorf("a failing redefinition of a type: %+v, want an error at line 2", reply.Error)
	}
	if got, _ := mustExec(t, s, "viaMethod(box{3})").result(); got != "3000" {
		t.Errorf("after a failed redefinition of box: %s, want the earlier definitions (3000)", got)
	}
	reply, _ = runCell(t, s, "type pair struct{ a int }\ntype pair struct{ a, b int }")
	if reply.Error == nil || !strings.Contains(reply.Error.Value, "redeclared") {
		t.Errorf("redefining a type in one cell: %+v", reply.Error)
	}
}

func TestMagics(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"strings\"\nvalue := 3\nfunc helper() {}")
	tests := []struct {
		name, code string
		stdout     []string // parts stdout must contain
		result     string
	}{
		{"help", "%help", []string{"%time", "%env", "%who", "%reset", "!command", "?name"}, ""},
		{"time", "%time\nx := 0\nfor i := 0; i < 1000; i++ {\n\tx += i\n}\nx", []string{"wall time: "}, "499500"},
		{"env set and get", "%env GOLIGN_TEST_VAR=hello\n%env GOLIGN_TEST_VAR", []string{"env: GOLIGN_TEST_VAR=hello", "hello\n"}, ""},
		{"env seen by Go code", "import \"os\"\nos.Getenv(\"GOLIGN_TEST_VAR\")", nil, `"hello"`},
		{"who", "%who", []string{"value", "var int", "helper", "function", "strings", "package"}, ""},
		{"shell", "!echo from the shell; echo again", []string{"from the shell\nagain\n"}, ""},
		{"shell between Go lines", "a := 2\n!echo middle\na * 5", []string{"middle\n"}, "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustExec(t, s, tt.code)
			out := r.stream("stdout")
			for _, part := range tt.stdout {
				if !strings.Contains(out, part) {
					t.Errorf("stdout %q does not contain %q", out, part)
				}
			}
			if got, _ := r.result(); got != tt.result {
				t.Errorf("result %q, want %q", got, tt.result)
			}
		})
	}
	t.Run("error line numbers after a magic line", func(t *testing.T) {
		reply, _ := runCell(t, s, "!true\nq := 1\nq := undefinedThing")
		if reply.Error == nil || !strings.Contains(strings.Join(reply.Error.Traceback, "\n"), "cell line 3,") {
			t.Errorf("error %+v, want one at line 3", reply.Error)
		}
	})
	t.Run("doc pager", func(t *testing.T) {
		for _, q := range []string{"strings.ToUpper?", "?strings.ToUpper"} {
			reply, _ := runCell(t, s, q)
			if reply.Status != kernel.StatusOK || len(reply.Payload) != 1 {
				t.Fatalf("%s: reply %+v", q, reply)
			}
			p := reply.Payload[0]
			text, _ := p["data"].(map[string]any)["text/plain"].(string)
			if p["source"] != "page" || !strings.Contains(text, "ToUpper") || !strings.Contains(text, "upper case") {
				t.Errorf("%s: payload %v", q, p)
			}
		}
	})
	t.Run("reset", func(t *testing.T) {
		mustExec(t, s, "%reset")
		reply, _ := runCell(t, s, "value")
		if reply.Error == nil {
			t.Errorf("value still defined after %%reset")
		}
		if got, _ := mustExec(t, s, "import \"strings\"\nstrings.Repeat(\"a\", 2)").result(); got != `"aa"` {
			t.Errorf("after reset: %s", got)
		}
	})
}

func TestRichResultsAndDisplays(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import (\"image\"; \"image/color\"; \"github.com/golign/golign/kernel/display\"; \"gonum.org/v1/plot\"; \"gonum.org/v1/plot/plotter\")")
	t.Run("display value as result", func(t *testing.T) {
		r := mustExec(t, s, `display.HTML("<b>bold</b>")`)
		res := r.kinds("result")
		if len(res) != 1 || res[0].data["text/html"] != "<b>bold</b>" {
			t.Errorf("results %+v", res)
		}
	})
	t.Run("constructor as a statement displays", func(t *testing.T) {
		r := mustExec(t, s, "display.Markdown(\"# one\")\nx := 1\ndisplay.Markdown(\"# two\")\nx")
		d := r.kinds("display")
		if len(d) != 2 || d[0].data["text/markdown"] != "# one" || d[1].data["text/markdown"] != "# two" {
			t.Errorf("displays %+v", d)
		}
		if got, _ := r.result(); got != "1" {
			t.Errorf("result %q", got)
		}
	})
	t.Run("image result", func(t *testing.T) {
		r := mustExec(t, s, "img := image.NewRGBA(image.Rect(0, 0, 4, 3))\nimg.Set(1, 1, color.White)\nimg")
		res := r.kinds("result")
		if len(res) != 1 {
			t.Fatalf("results %+v", res)
		}
		b, err := base64.StdEncoding.DecodeString(res[0].data["image/png"].(string))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 4 || img.Bounds().Dy() != 3 {
			t.Errorf("decoded %v, %v", img.Bounds(), err)
		}
	})
	t.Run("plot result", func(t *testing.T) {
		r := mustExec(t, s, "p := plot.New()\npts := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 3}}\nl, _ := plotter.NewLine(pts)\np.Add(l)\np")
		res := r.kinds("result")
		if len(res) != 1 || res[0].data["image/png"] == nil {
			t.Fatalf("results %+v", res)
		}
	})
	t.Run("interpreted type with a bundle method", func(t *testing.T) {
		r := mustExec(t, s, "type badge struct{ label string }\nfunc (b badge) MIMEBundle() (map[string]any, map[string]any) {\n\treturn map[string]any{\"text/html\": \"<span>\" + b.label + \"</span>\"}, nil\n}\nbadge{\"ok\"}")
		res := r.kinds("result")
		if len(res) != 1 || res[0].data["text/html"] != "<span>ok</span>" {
			t.Errorf("results %+v", res)
		}
	})
	t.Run("area updated from a later cell", func(t *testing.T) {
		r1 := mustExec(t, s, "area := display.New()\narea.Show(\"first\")")
		r2 := mustExec(t, s, "area.Update(display.HTML(\"<i>second</i>\"))")
		d, u := r1.kinds("display"), r2.kinds("update")
		if len(d) != 1 || len(u) != 1 || d[0].name == "" || d[0].name != u[0].name || u[0].data["text/html"] != "<i>second</i>" {
			t.Errorf("display %+v, update %+v", d, u)
		}
	})
	t.Run("display after print keeps the order", func(t *testing.T) {
		r := mustExec(t, s, "import \"fmt\"\nfmt.Println(\"before\")\ndisplay.Show(\"shown\")\nfmt.Println(\"after\")")
		var order []string
		for _, e := range r.events {
			switch e.kind {
			case "stream":
				order = append(order, strings.TrimSpace(e.text))
			case "display":
				order = append(order, "display")
			}
		}
		if strings.Join(order, ",") != "before,display,after" {
			t.Errorf("order %v", order)
		}
	})
	t.Run("progress of a library job", func(t *testing.T) {
		// job shows the progress of tasks running for more than half a second.
		r := mustExec(t, s, "import (\"time\"; \"github.com/golign/golign/alignment/job\")\ntask := job.Start(\"steps\", 5)\nfor i := 0; i < 5; i++ {\n\ttime.Sleep(150 * time.Millisecond)\n\ttask.Step(1)\n}\ntask.Done(nil)")
		d, u := r.kinds("display"), r.kinds("update")
		if len(d) != 1 || len(u) == 0 {
			t.Fatalf("displays %d, updates %d", len(d), len(u))
		}
		if text := u[len(u)-1].data["text/plain"].(string); !strings.Contains(text, "5/5") || !strings.Contains(text, "done") {
			t.Errorf("final progress %q", text)
		}
	})
}

func TestTypeRedefinition(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"fmt\"\ntype point struct{ x, y float64 }\nfunc (p point) String() string { return fmt.Sprintf(\"(%g, %g)\", p.x, p.y) }\nfunc (p point) sum() float64 { return p.x + p.y }")
	mustExec(t, s, "p := point{1, 2}\nweights := []float64{0.5, 0.25}\nvar total = 10")
	r := mustExec(t, s, "type point struct{ x, y, z float64 }\nfunc (p point) sum() float64 { return p.x + p.y + p.z }")
	if got := r.stream("stderr"); !strings.Contains(got, "rebuilt") || !strings.Contains(got, "dropped: p\n") {
		t.Errorf("notice %q: want the variable p of the old type dropped", got)
	}
	steps := []struct{ code, result string }{
		{"point{1, 2, 3}.sum()", "6"},
		{"point{1, 2, 3}.String()", `"(1, 2)"`},
		{"weights[1]", "0.25"},
		{"total", "10"},
		{"fmt.Sprint(len(weights))", `"2"`},
	}
	for _, st := range steps {
		if got, _ := mustExec(t, s, st.code).result(); got != st.result {
			t.Errorf("%s = %s, want %s", st.code, got, st.result)
		}
	}
	if reply, _ := runCell(t, s, "p"); reply.Error == nil {
		t.Errorf("p of the old type survived the redefinition")
	}
}

func TestOutputAfterTheCell(t *testing.T) {
	s := newSession(t)
	r := mustExec(t, s, "import (\"fmt\"; \"time\")\ngo func() {\n\ttime.Sleep(100 * time.Millisecond)\n\tfmt.Println(\"late\")\n}()")
	deadline := time.Now().Add(2 * time.Second)
	for r.stream("stdout") == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := r.stream("stdout"); got != "late\n" {
		t.Errorf("output of a goroutine after its cell ended: %q, want it in that cell's output", got)
	}
}

func TestPasswordAndInfo(t *testing.T) {
	s := newSession(t)
	r := &recorder{allow: true, inputs: []string{"hunter2"}}
	reply := s.Execute(context.Background(), kernel.ExecuteRequest{
		Code: "import \"github.com/golign/golign/kernel/display\"\nkey, err := display.ReadPassword(\"API key: \")\nlen(key)", AllowStdin: true}, r)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("%+v", reply.Error)
	}
	if got, _ := r.result(); got != "7" || len(r.asked) != 1 || r.asked[0] != "API key: " {
		t.Errorf("result %s, prompts %q", got, r.asked)
	}
	info := s.Info()
	if info.Implementation != "golign" || info.Language.Name != "go" || !strings.HasPrefix(runtime.Version(), "go"+info.Language.Version) || len(info.HelpLinks) == 0 {
		t.Errorf("info %+v", info)
	}
}

func BenchmarkExecuteSmallCell(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(false)
	r := &recorder{}
	s.Execute(context.Background(), kernel.ExecuteRequest{Code: "x := 0"}, r)
	for b.Loop() {
		s.Execute(context.Background(), kernel.ExecuteRequest{Code: "x = x + 1\nx * 2"}, r)
	}
}

func BenchmarkOutputLines(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(false)
	s.Execute(context.Background(), kernel.ExecuteRequest{Code: "import \"fmt\""}, &recorder{})
	for b.Loop() {
		r := &recorder{}
		s.Execute(context.Background(), kernel.ExecuteRequest{Code: "for i := 0; i < 10000; i++ {\n\tfmt.Println(\"line\", i)\n}"}, r)
		if n := strings.Count(r.stream("stdout"), "\n"); n != 10000 {
			b.Fatalf("%d lines", n)
		}
	}
	b.ReportMetric(10000, "lines/op")
}

// BenchmarkCellFunctionCall measures interpreted calls of a function a
// cell declared, from a loop in another.
func BenchmarkCellFunctionCall(b *testing.B) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(false)
	s.Execute(context.Background(), kernel.ExecuteRequest{Code: "func inc(x int) int { return x + 1 }\nfunc loop(n int) int {\n\tx := 0\n\tfor i := 0; i < n; i++ {\n\t\tx = inc(x)\n\t}\n\treturn x\n}"}, &recorder{})
	for b.Loop() {
		s.Execute(context.Background(), kernel.ExecuteRequest{Code: "loop(100000)"}, &recorder{})
	}
	b.ReportMetric(100000, "calls/op")
}

func TestUserExpressionsAndCompletion(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"strings\"\nrewardScale := 2.5")
	reply := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "y := 1",
		UserExpressions: map[string]string{"double": "rewardScale * 2", "bad": "nothing"}}, &recorder{})
	double, _ := reply.UserExpressions["double"].(map[string]any)
	if double["status"] != "ok" || double["data"].(map[string]any)["text/plain"] != "5" {
		t.Errorf("user expression double: %v", double)
	}
	if bad, _ := reply.UserExpressions["bad"].(map[string]any); bad["status"] != "error" {
		t.Errorf("user expression bad: %v", bad)
	}
	c := s.Complete("reward", 6)
	if len(c.Matches) != 1 || c.Matches[0] != "rewardScale" || c.CursorStart != 0 || c.CursorEnd != 6 {
		t.Errorf("completion %+v", c)
	}
	c = s.Complete("strings.ToUp", 12)
	if len(c.Matches) == 0 || c.Matches[0] != "ToUpper" {
		t.Errorf("completion of a package member %+v", c)
	}
	if in := s.Inspect("strings.ToUpper", 15, 0); !in.Found || !strings.Contains(in.Data["text/plain"].(string), "upper case") {
		t.Errorf("inspect %+v", in)
	}
	for code, want := range map[string]string{"x := 1": kernel.Complete, "func f() {": kernel.Incomplete, "%who": kernel.Complete} {
		if got := s.IsComplete(code).Status; got != want {
			t.Errorf("IsComplete(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestSilentHasNoResult(t *testing.T) {
	s := newSession(t)
	r := &recorder{}
	reply := s.Execute(context.Background(), kernel.ExecuteRequest{Code: "41 + 1", Silent: true}, r)
	if reply.Status != kernel.StatusOK {
		t.Fatalf("%+v", reply.Error)
	}
	if got, ok := r.result(); ok {
		t.Errorf("silent execution published the result %q", got)
	}
}

// A redefinition that fails to compile leaves the earlier definition in
// force, for direct calls and for callers.
func TestFailedRedefinitionKeepsTheFunction(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "func f() int { return 1 }\nfunc g() int { return f() + 10 }")
	reply, _ := runCell(t, s, "func f() int {\nretx{a: b}\n}")
	if reply.Status != kernel.StatusError {
		t.Fatalf("the broken redefinition compiled: %+v", reply)
	}
	for code, want := range map[string]string{"f()": "1", "g()": "11"} {
		r := mustExec(t, s, code)
		if got, _ := r.result(); got != want {
			t.Errorf("%s = %q after a failed redefinition, want %q", code, got, want)
		}
	}
}

// TestTracebackOfEarlierFunction checks that a panic inside a function an
// earlier cell declared shows that cell's line, not the running cell's
// line of the same number.
func TestTracebackOfEarlierFunction(t *testing.T) {
	s := newSession(t)
	mustExec(t, s, "import \"errors\"\n\nfunc check(err error) { if err != nil { panic(err) } }")
	reply, _ := runCell(t, s, "a := 1\nb := 2\nc := 3\nd := 4\nfmt := a + b + c + d\n_ = fmt\ncheck(errors.New(\"boom\"))")
	if reply.Error == nil {
		t.Fatal("no error")
	}
	tb := strings.Join(reply.Error.Traceback, "\n")
	for _, want := range []string{"line 3 of an earlier cell, in main.check", "    3 | func check(err error) { if err != nil { panic(err) } }", "cell line 7 in main", "    7 | check(errors.New(\"boom\"))"} {
		if !strings.Contains(tb, want) {
			t.Errorf("traceback lacks %q:\n%s", want, tb)
		}
	}
	if strings.Contains(tb, "c := 3") {
		t.Errorf("traceback shows the running cell's line 3 for the earlier function:\n%s", tb)
	}
}
