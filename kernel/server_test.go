package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

func TestServerOverTransports(t *testing.T) {
	for name, info := range transports(t) {
		t.Run(name, func(t *testing.T) {
			k := startKernel(t, info)

			id := k.send(k.shell, "kernel_info_request", map[string]any{})
			reply := content(k.recv(k.shellIn, "kernel_info_reply"))
			if reply["protocol_version"] != "5.3" || reply["status"] != "ok" {
				t.Errorf("kernel_info_reply = %v", reply)
			}
			lang := reply["language_info"].(map[string]any)
			for field, want := range map[string]string{"name": "go", "mimetype": "text/x-go", "file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go"} {
				if lang[field] != want {
					t.Errorf("language_info.%s = %v, want %s", field, lang[field], want)
				}
			}
			k.outputs(id)

			rep, out := k.execute("print hello, world", nil)
			if rep["status"] != "ok" || rep["execution_count"] != 1.0 {
				t.Errorf("execute_reply = %v", rep)
			}
			if got := types(out); !reflect.DeepEqual(got, []string{"execute_input", "stream"}) {
				t.Fatalf("outputs = %v, want execute_input then stream", got)
			}
			if c := content(out[0]); c["code"] != "print hello, world" || c["execution_count"] != 1.0 {
				t.Errorf("execute_input = %v", c)
			}
			if c := content(out[1]); c["name"] != "stdout" || c["text"] != "hello, world" {
				t.Errorf("stream = %v", c)
			}

			// Heartbeat echoes.
			if err := k.hb.Send(zmq4.NewMsgString("ping")); err != nil {
				t.Fatal(err)
			}
			pong, err := k.hb.Recv()
			if err != nil || string(pong.Bytes()) != "ping" {
				t.Errorf("heartbeat answered %q, %v", pong.Bytes(), err)
			}
		})
	}
}

func TestExecutionCounts(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	tests := []struct {
		code  string
		extra map[string]any
		count float64
		input bool
	}{
		{"a", nil, 1, true},
		{"b", map[string]any{"silent": true}, 1, false},
		{"c", map[string]any{"store_history": false}, 1, true},
		{"d", nil, 2, true},
	}
	for _, tc := range tests {
		rep, out := k.execute(tc.code, tc.extra)
		if rep["execution_count"] != tc.count {
			t.Errorf("%s: execution_count %v, want %v", tc.code, rep["execution_count"], tc.count)
		}
		if hasInput := len(out) > 0 && out[0].Header.MsgType == "execute_input"; hasInput != tc.input {
			t.Errorf("%s: execute_input published = %v, want %v", tc.code, hasInput, tc.input)
		}
	}
	var counts []int
	for _, req := range k.interp.executions() {
		counts = append(counts, req.Count)
	}
	if !reflect.DeepEqual(counts, []int{1, 1, 1, 2}) {
		t.Errorf("Count seen by the interpreter = %v", counts)
	}
}

func TestOutputsAndErrors(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])

	rep, out := k.execute("result 42", nil)
	if got := types(out); rep["status"] != "ok" || !reflect.DeepEqual(got, []string{"execute_input", "execute_result"}) {
		t.Fatalf("result: reply %v, outputs %v", rep, got)
	}
	if c := content(out[1]); c["execution_count"] != 1.0 || c["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("execute_result = %v", c)
	}

	_, out = k.execute("display", nil)
	if got := types(out); !reflect.DeepEqual(got, []string{"execute_input", "display_data", "clear_output"}) {
		t.Fatalf("display outputs = %v", got)
	}
	if c := content(out[1]); c["transient"].(map[string]any)["display_id"] != "d1" {
		t.Errorf("display_data = %v", c)
	}

	rep, out = k.execute("fail", nil)
	if rep["status"] != "error" || rep["ename"] != "Failure" || rep["evalue"] != "fail" {
		t.Errorf("error reply = %v", rep)
	}
	if got := types(out); !reflect.DeepEqual(got, []string{"execute_input", "error"}) {
		t.Fatalf("error outputs = %v", got)
	}

	rep, _ = k.execute("panic", nil)
	if rep["status"] != "error" || rep["ename"] != "InternalError" {
		t.Errorf("panicking interpreter: reply %v", rep)
	}
	if rep, _ := k.execute("print still up", nil); rep["status"] != "ok" {
		t.Errorf("after a panic: %v", rep)
	}
	rep, out = k.execute("badstatus", nil)
	if rep["status"] != "error" || rep["ename"] != "InternalError" || len(out) != 2 || out[1].Header.MsgType != "error" {
		t.Errorf("unknown status: reply %v, outputs %v", rep, types(out))
	}
}

func TestStopOnErrorAbortsQueue(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	failing := k.send(k.shell, "execute_request", map[string]any{"code": "slowfail", "silent": false})
	queued := []string{
		k.send(k.shell, "execute_request", map[string]any{"code": "print 1", "silent": false}),
		k.send(k.shell, "execute_request", map[string]any{"code": "print 2", "silent": false}),
	}
	if c := content(k.recv(k.shellIn, "execute_reply")); c["status"] != "error" {
		t.Fatalf("first reply %v", c)
	}
	k.outputs(failing)
	for _, id := range queued {
		reply := k.recv(k.shellIn, "execute_reply")
		if parentID(reply) != id || content(reply)["status"] != "aborted" {
			t.Errorf("queued request answered %v, want aborted", content(reply))
		}
		if out := k.outputs(id); len(out) != 0 {
			t.Errorf("aborted request published %v", types(out))
		}
	}
	if len(k.interp.executions()) != 1 {
		t.Errorf("interpreter ran %d cells, want 1", len(k.interp.executions()))
	}
	// Requests sent after the failure run again, and stop_on_error false
	// does not abort.
	k.send(k.shell, "execute_request", map[string]any{"code": "slowfail", "stop_on_error": false})
	k.send(k.shell, "execute_request", map[string]any{"code": "print after"})
	k.recv(k.shellIn, "execute_reply")
	if c := content(k.recv(k.shellIn, "execute_reply")); c["status"] != "ok" {
		t.Errorf("after stop_on_error=false: %v", c)
	}
}

func TestInterrupt(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	for _, via := range []string{"interrupt_request", "Server.Interrupt"} {
		t.Run(via, func(t *testing.T) {
			id := k.send(k.shell, "execute_request", map[string]any{"code": "wait"})
			// An interrupt reaches only an execution that has begun.
			for {
				if m := k.recvAny(k.iopubIn); m.Header.MsgType == "stream" && parentID(m) == id {
					break
				}
			}
			// Control is answered while the shell is busy.
			k.send(k.control, "kernel_info_request", map[string]any{})
			k.recv(k.controlIn, "kernel_info_reply")
			if via == "interrupt_request" {
				k.send(k.control, "interrupt_request", map[string]any{})
				if c := content(k.recv(k.controlIn, "interrupt_reply")); c["status"] != "ok" {
					t.Errorf("interrupt_reply %v", c)
				}
			} else {
				k.server.Interrupt()
			}
			reply := k.recv(k.shellIn, "execute_reply")
			if c := content(reply); parentID(reply) != id || c["ename"] != "Interrupted" {
				t.Errorf("interrupted execution replied %v", c)
			}
			time.Sleep(50 * time.Millisecond)
			k.drain(k.iopubIn)
		})
	}
}

func TestInput(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	id := k.send(k.shell, "execute_request", map[string]any{"code": "input", "allow_stdin": true})
	req := k.recv(k.stdinIn, "input_request")
	if c := content(req); parentID(req) != id || c["prompt"] != "name? " || c["password"] != false {
		t.Fatalf("input_request %v", c)
	}
	k.send(k.stdin, "input_reply", map[string]any{"value": "gopher"})
	k.recv(k.shellIn, "execute_reply")
	out := k.outputs(id)
	if c := content(out[len(out)-1]); c["text"] != "hello gopher" {
		t.Errorf("stream after input = %v", c)
	}

	_, out = k.execute("input", map[string]any{"allow_stdin": false})
	if c := content(out[len(out)-1]); c["name"] != "stderr" || c["text"] != ErrStdinNotAllowed.Error() {
		t.Errorf("input without stdin = %v", c)
	}
}

func TestIntrospectionRequests(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	k.send(k.shell, "complete_request", map[string]any{"code": "fmt.Pr", "cursor_pos": 6})
	c := content(k.recv(k.shellIn, "complete_reply"))
	if c["cursor_start"] != 4.0 || c["cursor_end"] != 6.0 || len(c["matches"].([]any)) != 2 {
		t.Errorf("complete_reply %v", c)
	}
	if typ := c["metadata"].(map[string]any)["_jupyter_types_experimental"].([]any); len(typ) != 2 {
		t.Errorf("types metadata %v", typ)
	}

	// cursor_pos absent: the end of the code, in code points.
	k.send(k.shell, "inspect_request", map[string]any{"code": "héllo", "detail_level": 1})
	c = content(k.recv(k.shellIn, "inspect_reply"))
	if c["found"] != true || c["data"].(map[string]any)["text/plain"] != "doc of héllo at 5 (1)" {
		t.Errorf("inspect_reply %v", c)
	}

	for code, want := range map[string]string{"x := 1": "complete", "func f() {": "incomplete"} {
		k.send(k.shell, "is_complete_request", map[string]any{"code": code})
		c = content(k.recv(k.shellIn, "is_complete_reply"))
		if c["status"] != want {
			t.Errorf("is_complete(%q) = %v", code, c)
		}
	}

	k.send(k.shell, "comm_info_request", map[string]any{})
	if c = content(k.recv(k.shellIn, "comm_info_reply")); len(c["comms"].(map[string]any)) != 0 {
		t.Errorf("comm_info_reply %v", c)
	}
	time.Sleep(50 * time.Millisecond)
	k.drain(k.iopubIn)
	id := k.send(k.shell, "comm_open", map[string]any{"comm_id": "c1", "target_name": "nobody", "data": map[string]any{}})
	out := k.outputs(id)
	if len(out) != 1 || out[0].Header.MsgType != "comm_close" || content(out[0])["comm_id"] != "c1" {
		t.Errorf("comm_open answered on iopub with %v", types(out))
	}
	id = k.send(k.shell, "comm_msg", map[string]any{"comm_id": "c1", "data": map[string]any{}})
	if out := k.outputs(id); len(out) != 0 {
		t.Errorf("comm_msg produced %v", types(out))
	}
}

func TestHistoryRequests(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	for _, code := range []string{"result 1", "print x", "result 1", "result 2"} {
		k.execute(code, nil)
	}
	k.execute("result hidden", map[string]any{"store_history": false})
	history := func(req map[string]any) []any {
		t.Helper()
		k.send(k.shell, "history_request", req)
		return content(k.recv(k.shellIn, "history_reply"))["history"].([]any)
	}
	line := func(e any) []any { return e.([]any) }

	tail := history(map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true})
	if len(tail) != 2 || line(tail[0])[2] != "result 1" || line(tail[1])[2] != "result 2" || line(tail[1])[1] != 4.0 {
		t.Errorf("tail = %v", tail)
	}
	withOutput := history(map[string]any{"hist_access_type": "tail", "n": 1, "output": true, "raw": true})
	if pair := line(withOutput[0])[2].([]any); pair[0] != "result 2" || pair[1] != "2" {
		t.Errorf("tail with output = %v", withOutput)
	}
	session := line(tail[0])[0]
	rng := history(map[string]any{"hist_access_type": "range", "session": session, "start": 2, "stop": 3, "output": false, "raw": true})
	if len(rng) != 1 || line(rng[0])[2] != "print x" {
		t.Errorf("range = %v", rng)
	}
	if got := history(map[string]any{"hist_access_type": "search", "pattern": "result*", "output": false, "raw": true}); len(got) != 3 {
		t.Errorf("search = %v", got)
	}
	if got := history(map[string]any{"hist_access_type": "search", "pattern": "result*", "unique": true, "output": false, "raw": true}); len(got) != 2 {
		t.Errorf("unique search = %v", got)
	}
}

func TestHistoryQueries(t *testing.T) {
	var h History
	for i, in := range []string{"x := 1", "fmt.Println(x)", "x := 1", "y := [2]int{}", "a*b"} {
		h.Add(i+1, in)
	}
	h.SetOutput(2, "1")
	inputs := func(es []HistoryEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Input)
		}
		return out
	}
	tests := []struct {
		name string
		got  []HistoryEntry
		want []string
	}{
		{"tail 2", h.Tail(2), []string{"y := [2]int{}", "a*b"}},
		{"tail all", h.Tail(0), []string{"x := 1", "fmt.Println(x)", "x := 1", "y := [2]int{}", "a*b"}},
		{"range 2-4", h.Range(1, 2, 4), []string{"fmt.Println(x)", "x := 1"}},
		{"range current from 4", h.Range(0, 4, 0), []string{"y := [2]int{}", "a*b"}},
		{"range other session", h.Range(7, 1, 0), nil},
		{"glob star", h.Search("x*", 0, false), []string{"x := 1", "x := 1"}},
		{"glob anchored", h.Search("Println", 0, false), nil},
		{"glob question", h.Search("?mt.*", 0, false), []string{"fmt.Println(x)"}},
		{"glob class", h.Search("[xy] := *", 0, false), []string{"x := 1", "x := 1", "y := [2]int{}"}},
		{"glob negated class", h.Search("[^x]*", 0, false), []string{"fmt.Println(x)", "y := [2]int{}", "a*b"}},
		{"glob bracket literal", h.Search("*[[]2]*", 0, false), []string{"y := [2]int{}"}},
		{"glob star literal", h.Search("a[*]b", 0, false), []string{"a*b"}},
		{"unique", h.Search("x*", 0, true), []string{"x := 1"}},
		{"last n", h.Search("*", 2, false), []string{"y := [2]int{}", "a*b"}},
	}
	for _, tc := range tests {
		if got := inputs(tc.got); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if u := h.Search("x*", 0, true); u[0].Line != 3 {
		t.Errorf("unique keeps line %d, want the latest (3)", u[0].Line)
	}
	if h.Tail(4)[0].Output != "1" {
		t.Errorf("output not recorded")
	}
}

func TestBadMessagesLeaveKernelUp(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	wrongKey, _ := NewSigner(schemeHMACSHA256, "not-the-key")
	signedRaw := func(header, content string) [][]byte {
		return k.signer.Encode(nil, []byte(header), []byte("{}"), []byte("{}"), []byte(content), nil)
	}
	validHeader := `{"msg_id":"m1","session":"s","username":"u","date":"","msg_type":"execute_request","version":"5.3"}`
	bad := map[string][][]byte{
		"no delimiter":    {[]byte("garbage")},
		"short":           {[]byte(delimiter), []byte("sig")},
		"unsigned":        {[]byte(delimiter), nil, []byte(validHeader), []byte("{}"), []byte("{}"), []byte(`{"code":"print x"}`)},
		"header not JSON": signedRaw(`{not json`, `{}`),
		"msg_type number": signedRaw(`{"msg_id":"m","msg_type":5}`, `{}`),
		"content array":   signedRaw(validHeader, `[1,2]`),
	}
	for name, frames := range bad {
		if err := k.shell.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	k.sendSigned(k.shell, wrongKey, "execute_request", map[string]any{"code": "print wrong key"})
	k.sendSigned(k.control, wrongKey, "shutdown_request", map[string]any{"restart": false})
	k.quiet(k.shellIn, 200*time.Millisecond)
	k.quiet(k.controlIn, 10*time.Millisecond)
	if len(k.interp.executions()) != 0 {
		t.Errorf("interpreter ran %d dropped messages", len(k.interp.executions()))
	}

	// Replaying a correctly signed message is refused.
	replayed := signedRaw(`{"msg_id":"r1","session":"s","msg_type":"kernel_info_request"}`, `{}`)
	for range 2 {
		k.shell.SendMulti(zmq4.NewMsgFrom(replayed...))
	}
	k.recv(k.shellIn, "kernel_info_reply")
	k.quiet(k.shellIn, 200*time.Millisecond)
	k.drain(k.iopubIn)

	// Wrongly typed content gets an error reply; unknown types are logged.
	k.send(k.shell, "execute_request", map[string]any{"code": 5})
	if c := content(k.recv(k.shellIn, "execute_reply")); c["status"] != "error" || c["ename"] != "BadRequest" {
		t.Errorf("wrongly typed code answered %v", c)
	}
	k.send(k.shell, "frobnicate_request", map[string]any{})
	k.send(k.control, "frobnicate_request", map[string]any{})
	time.Sleep(100 * time.Millisecond)
	k.drain(k.iopubIn)

	// A peer announcing a huge frame is cut off; one vanishing mid-greeting
	// too.
	shellAddr := strings.TrimPrefix(k.info.Endpoint(k.info.ShellPort), "tcp://")
	if closedByPeer(zmtpHandshake(t, shellAddr), 300*time.Millisecond) {
		t.Fatalf("the hand-made handshake is refused; the cases below would prove nothing")
	}
	huge := zmtpHandshake(t, shellAddr)
	huge.Write([]byte{flagLong, 0, 0, 1, 0, 0, 0, 0, 0}) // a 2^40-byte frame
	if !closedByPeer(huge, 5*time.Second) {
		t.Errorf("a peer announcing a 2^40-byte message was not disconnected")
	}
	vanishing := zmtpHandshake(t, shellAddr)
	vanishing.Write([]byte{flagMore, 9})
	vanishing.Write([]byte(delimiter))
	vanishing.Write([]byte{flagLong, 0, 0, 0, 0, 0, 0, 4, 0})
	vanishing.Write([]byte("only part of the frame"))
	vanishing.Close()
	half, err := net.Dial("tcp", shellAddr)
	if err != nil {
		t.Fatal(err)
	}
	half.Write(make([]byte, 5)) // part of a greeting
	half.Close()

	rep, _ := k.execute("print still up", nil)
	if rep["status"] != "ok" {
		t.Errorf("kernel after bad messages: %v", rep)
	}
	logs := k.logs.String()
	for _, want := range []string{ErrBadSignature.Error(), ErrReplayed.Error(), ErrNoDelimiter.Error(), ErrShortMessage.Error(), "frobnicate_request"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, testKey) {
		t.Errorf("log contains the key")
	}
}

// zmtpHandshake connects to a ZMTP endpoint as a DEALER would, by hand, so
// that a test can then send broken frames.
func zmtpHandshake(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	greeting := make([]byte, zmtpGreetingSize)
	copy(greeting, []byte{0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0})
	copy(greeting[12:], "NULL")
	ready := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00")
	conn.Write(greeting)
	conn.Write(append([]byte{flagCommand, byte(len(ready))}, ready...))
	return conn
}

// closedByPeer reports whether the other end closes conn within d, reading
// away what it sent before.
func closedByPeer(conn net.Conn, d time.Duration) bool {
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1024)
	for {
		if _, err := conn.Read(buf); err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout())
		}
	}
}

func TestFrameGuard(t *testing.T) {
	greeting := make([]byte, zmtpGreetingSize)
	long := func(flags byte, size uint64) []byte {
		b := []byte{flags | flagLong, 0, 0, 0, 0, 0, 0, 0, 0}
		for i := 0; i < 8; i++ {
			b[8-i] = byte(size >> (8 * i))
		}
		return b
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name   string
		stream []byte
		ok     bool
	}{
		{"small frames", cat(greeting, []byte{flagCommand, 3, 'a', 'b', 'c'}, []byte{flagMore, 2, 'x', 'y'}, []byte{0, 1, 'z'}), true},
		{"message at limit", cat(greeting, long(flagMore, 600), make([]byte, 600), long(0, 424), make([]byte, 424)), true},
		{"frames add up over the limit", cat(greeting, long(flagMore, 600), make([]byte, 600), long(0, 425)), false},
		{"limit is per message", cat(greeting, long(0, 1000), make([]byte, 1000), long(0, 1000)), true},
		{"huge announced size", cat(greeting, long(0, 1<<62)), false},
		{"big command", cat(greeting, long(flagCommand, maxCommandSize+1)), false},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 7, 1 << 20} {
			c := &guardedConn{limit: 1024}
			f := newZMTPFramer()
			var err error
			for data := tc.stream; len(data) > 0 && err == nil; {
				n := min(chunk, len(data))
				err = f.advance(data[:n], c.checkHeader, nil)
				data = data[n:]
			}
			if (err == nil) != tc.ok {
				t.Errorf("%s (chunks of %d): error %v, want ok=%v", tc.name, chunk, err, tc.ok)
			}
		}
	}
}

// recordingConn records the writes that reach the network.
type recordingConn struct {
	net.Conn
	writes [][]byte
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func (r *recordingConn) SetWriteDeadline(time.Time) error { return nil }

func TestWritesCoalescePerMessage(t *testing.T) {
	rec := &recordingConn{}
	c := &guardedConn{Conn: rec, out: newZMTPFramer()}
	var sent []byte
	write := func(parts ...[]byte) {
		for _, p := range parts {
			c.Write(p)
			sent = append(sent, p...)
		}
	}
	write(make([]byte, zmtpGreetingSize))
	write([]byte{flagCommand, 5}, []byte("READY"))
	big := make([]byte, 300)
	write([]byte{flagMore, 4}, []byte("peer"), []byte{flagMore, 0}, []byte{flagMore | flagLong, 0, 0, 0, 0, 0, 0, 1, 44}, big, []byte{0, 2}, []byte("{}"))
	write([]byte{0, 1}, []byte("x"))
	if len(rec.writes) != 4 {
		t.Fatalf("%d writes reached the connection, want 4 (greeting, command, two messages)", len(rec.writes))
	}
	if got := bytes.Join(rec.writes, nil); !bytes.Equal(got, sent) {
		t.Errorf("bytes written differ from bytes sent")
	}
	if len(rec.writes[2]) != 2+4+2+9+300+2+2 {
		t.Errorf("the multi-frame message went out as %d bytes", len(rec.writes[2]))
	}
}

func TestShutdown(t *testing.T) {
	for _, channel := range []string{"shell", "control"} {
		t.Run(channel, func(t *testing.T) {
			k := startKernel(t, transports(t)["tcp"])
			sock, in := k.control, k.controlIn
			if channel == "shell" {
				sock, in = k.shell, k.shellIn
			}
			k.send(sock, "shutdown_request", map[string]any{"restart": true})
			if c := content(k.recv(in, "shutdown_reply")); c["restart"] != true || c["status"] != "ok" {
				t.Errorf("shutdown_reply %v", c)
			}
			select {
			case err := <-k.served:
				if err != nil {
					t.Errorf("Serve returned %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return")
			}
			k.served <- nil // for the cleanup
			if !reflect.DeepEqual(k.interp.shutdownCalls(), []bool{true}) {
				t.Errorf("interpreter shutdowns %v, want [true]", k.interp.shutdownCalls())
			}
		})
	}
}

func TestShutdownInterruptsExecution(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	k.send(k.shell, "execute_request", map[string]any{"code": "wait"})
	k.send(k.shell, "execute_request", map[string]any{"code": "wait"})
	time.Sleep(50 * time.Millisecond)
	k.send(k.control, "shutdown_request", map[string]any{"restart": false})
	k.recv(k.controlIn, "shutdown_reply")
	start := time.Now()
	select {
	case <-k.served:
		k.served <- nil
	case <-time.After(shutdownGrace):
		t.Fatal("Serve did not return")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if len(k.interp.executions()) != 1 || !reflect.DeepEqual(k.interp.shutdownCalls(), []bool{false}) {
		t.Errorf("executed %d cells, shutdowns %v; want the running cell interrupted, the queued one dropped, one shutdown", len(k.interp.executions()), k.interp.shutdownCalls())
	}
}

func TestConnectionFile(t *testing.T) {
	tests := []struct {
		name, json, err string
	}{
		{"valid", `{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`, ""},
		{"defaults", `{"shell_port":1}`, ""},
		{"wrong scheme", `{"signature_scheme":"hmac-md5"}`, "field signature_scheme"},
		{"wrong transport", `{"transport":"udp"}`, "field transport"},
		{"port type", "{\n\"shell_port\": \"x\"}", "line 2: field shell_port"},
		{"port range", `{"hb_port": 70000}`, "field hb_port"},
		{"syntax", "{\n\n\"ip\": ,}", "line 3"},
	}
	for _, tc := range tests {
		info, err := ParseConnectionInfo([]byte(tc.json))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		case tc.name == "defaults" && (info.Transport != "tcp" || info.IP != "127.0.0.1" || info.SignatureScheme != schemeHMACSHA256):
			t.Errorf("defaults not applied: %+v", info)
		}
	}
	if got := (ConnectionInfo{Transport: "ipc", IP: "/tmp/k"}).Endpoint(3); got != "ipc:///tmp/k-3" {
		t.Errorf("ipc endpoint %q", got)
	}
	if got := (ConnectionInfo{Transport: "tcp", IP: "::1"}).Endpoint(3); got != "tcp://[::1]:3" {
		t.Errorf("tcp endpoint %q", got)
	}
}

func TestParentHeaderEchoed(t *testing.T) {
	k := startKernel(t, transports(t)["tcp"])
	header := `{"msg_id":"abc","session":"s","username":"u","date":"2020-01-01T00:00:00Z","msg_type":"kernel_info_request","version":"5.3","extra":[1]}`
	frames := k.signer.Encode(nil, []byte(header), []byte("{}"), []byte("{}"), []byte("{}"), nil)
	k.shell.SendMulti(zmq4.NewMsgFrom(frames...))
	reply := k.recv(k.shellIn, "kernel_info_reply")
	if string(reply.ParentHeader) != header {
		t.Errorf("parent_header %s, want the request header verbatim", reply.ParentHeader)
	}
	var h Header
	if err := json.Unmarshal(reply.RawHeader, &h); err != nil || h.Version != ProtocolVersion || h.MsgID == "" {
		t.Errorf("reply header %s", reply.RawHeader)
	}
}

func TestNewServerErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no interpreter", Config{Connection: ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}}, "Interpreter is nil"},
		{"port in use", Config{Connection: ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", HBPort: busyPort}, Interpreter: &fakeInterpreter{}}, "listening on tcp://127.0.0.1:" + strconv.Itoa(busyPort)},
		{"bad scheme", Config{Connection: ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", SignatureScheme: "hmac-md5"}, Interpreter: &fakeInterpreter{}}, "signature_scheme"},
	}
	for _, tc := range tests {
		srv, err := NewServer(tc.cfg)
		if err == nil {
			srv.closeSockets()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	// The sockets bound before the failure are released: the same ports
	// can be bound again.
	srv, err := NewServer(Config{Connection: ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}, Interpreter: &fakeInterpreter{}})
	if err != nil {
		t.Fatal(err)
	}
	info := srv.Connection()
	srv.closeSockets()
	time.Sleep(50 * time.Millisecond)
	again, err := NewServer(Config{Connection: info, Interpreter: &fakeInterpreter{}})
	if err != nil {
		t.Fatalf("rebinding the ports of a closed server: %v", err)
	}
	again.closeSockets()
}

func TestClientVanishesMidRequest(t *testing.T) {
	for _, sameIdentity := range []bool{false, true} {
		t.Run(fmt.Sprintf("same identity %v", sameIdentity), func(t *testing.T) { clientVanishes(t, sameIdentity) })
	}
}

// clientVanishes has a client leave with requests running and queued, and
// a new client (with the same routing identity, as a reconnecting
// jupyter_client has, or another) carry on.
func clientVanishes(t *testing.T, sameIdentity bool) {
	k := startKernel(t, transports(t)["tcp"])
	k.send(k.shell, "execute_request", map[string]any{"code": "wait"})
	k.send(k.shell, "execute_request", map[string]any{"code": "input", "allow_stdin": true})
	time.Sleep(100 * time.Millisecond)
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		s.Close()
	}
	time.Sleep(100 * time.Millisecond)
	// The reply to the vanished client goes nowhere; its queued request asks
	// for input nobody will give, until interrupted.
	k.server.Interrupt()
	time.Sleep(100 * time.Millisecond)
	k.server.Interrupt()

	other := &testKernel{t: t, server: k.server, interp: k.interp, logs: k.logs, info: k.info}
	other.signer, _ = NewSigner(schemeHMACSHA256, testKey)
	identity := "client-" + NewID()
	if sameIdentity {
		identity = k.identity
	}
	other.connect(identity)
	other.waitForIOPub()
	if rep, out := other.execute("print hello", nil); rep["status"] != "ok" || len(out) != 2 {
		t.Errorf("new client after one vanished: %v, %v", rep, types(out))
	}
	// Shut down through the new client; the first one's cleanup then only
	// closes its sockets.
	other.send(other.control, "shutdown_request", map[string]any{})
	other.recv(other.controlIn, "shutdown_reply")
	k.served <- <-k.served
	for _, s := range []zmq4.Socket{other.shell, other.control, other.stdin, other.iopub, other.hb} {
		s.Close()
	}
}

func TestStarted(t *testing.T) {
	idle, err := NewServer(Config{Connection: ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}, Interpreter: &fakeInterpreter{}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-idle.Started():
		t.Errorf("a server nobody talked to reports Started")
	default:
	}
	idle.closeSockets()

	k := startKernel(t, transports(t)["tcp"]) // asks kernel_info until answered
	select {
	case <-k.server.Started():
	case <-time.After(5 * time.Second):
		t.Errorf("Started not closed after kernel_info was answered")
	}
}
