package kernel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

const testKey = "0123456789abcdef-test-key"

// fakeInterpreter behaves according to the first word of each cell:
//
//	print TEXT      streams TEXT to stdout
//	result TEXT     publishes TEXT as the execute_result
//	display         publishes a display_data and a clear_output
//	fail            returns an error
//	slowfail        waits 300 ms, then returns an error
//	wait            streams "waiting" to stdout, blocks until interrupted,
//	                then returns an error
//	input           asks for input and streams the answer (or the error)
//	panic           panics
//	badstatus       returns a status the protocol does not know
//
// Anything else succeeds silently.
type fakeInterpreter struct {
	mu        sync.Mutex
	executed  []ExecuteRequest
	shutdowns []bool
}

// executions is a copy of the requests executed so far.
func (f *fakeInterpreter) executions() []ExecuteRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ExecuteRequest(nil), f.executed...)
}

// shutdownCalls is a copy of the restart flags Shutdown was called with.
func (f *fakeInterpreter) shutdownCalls() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.shutdowns...)
}

func (f *fakeInterpreter) Info() Info {
	return Info{
		Implementation: "fake", ImplementationVersion: "1.0", Banner: "fake kernel",
		Language:  LanguageInfo{Name: "go", Version: "1.26", MIMEType: "text/x-go", FileExtension: ".go", PygmentsLexer: "go", CodeMirrorMode: "go"},
		HelpLinks: []HelpLink{{Text: "Go", URL: "https://go.dev/doc/"}},
	}
}

func (f *fakeInterpreter) Execute(ctx context.Context, req ExecuteRequest, out Publisher) ExecuteReply {
	f.mu.Lock()
	f.executed = append(f.executed, req)
	f.mu.Unlock()
	word, rest, _ := strings.Cut(req.Code, " ")
	failure := func(name string) ExecuteReply {
		return ExecuteReply{Status: StatusError, Error: &Error{Name: name, Value: req.Code, Traceback: []string{name + ": " + req.Code}}}
	}
	switch word {
	case "print":
		out.Stream("stdout", rest)
	case "result":
		out.Result(MIMEBundle{"text/plain": rest}, nil)
	case "display":
		out.Display(MIMEBundle{"text/plain": "shown"}, nil, "d1", false)
		out.ClearOutput(true)
	case "fail":
		return failure("Failure")
	case "slowfail":
		time.Sleep(300 * time.Millisecond)
		return failure("Failure")
	case "wait":
		out.Stream("stdout", "waiting")
		<-ctx.Done()
		return failure("Interrupted")
	case "input":
		value, err := out.Input("name? ", false)
		if err != nil {
			out.Stream("stderr", err.Error())
		} else {
			out.Stream("stdout", "hello "+value)
		}
	case "panic":
		panic("fake interpreter panics")
	case "badstatus":
		return ExecuteReply{Status: "weird"}
	}
	return ExecuteReply{Status: StatusOK}
}

func (f *fakeInterpreter) Complete(code string, cursor int) CompleteReply {
	return CompleteReply{
		Matches: []string{"Println", "Printf"}, CursorStart: cursor - 2, CursorEnd: cursor,
		Types: []CompletionType{{Start: cursor - 2, End: cursor, Text: "Println", Type: "function"}, {Start: cursor - 2, End: cursor, Text: "Printf", Type: "function"}},
	}
}

func (f *fakeInterpreter) Inspect(code string, cursor, detail int) InspectReply {
	return InspectReply{Found: true, Data: MIMEBundle{"text/plain": fmt.Sprintf("doc of %s at %d (%d)", code, cursor, detail)}}
}

func (f *fakeInterpreter) IsComplete(code string) IsCompleteReply {
	if strings.HasSuffix(code, "{") {
		return IsCompleteReply{Status: Incomplete, Indent: "\t"}
	}
	return IsCompleteReply{Status: Complete}
}

func (f *fakeInterpreter) Shutdown(restart bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shutdowns = append(f.shutdowns, restart)
}

// lockedBuffer collects the server's log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testKernel is a running Server with a client connected to all its
// sockets, the way jupyter_client connects.
type testKernel struct {
	t        testing.TB
	server   *Server
	interp   *fakeInterpreter
	logs     *lockedBuffer
	info     ConnectionInfo
	signer   *Signer // the client's
	identity string

	shell, control, stdin, iopub, hb zmq4.Socket
	shellIn, controlIn, stdinIn      chan *Message
	iopubIn                          chan *Message

	served chan error
}

// transports lists the connection infos the tests run on.
func transports(t *testing.T) map[string]ConnectionInfo {
	return map[string]ConnectionInfo{
		"tcp":         {Transport: "tcp", IP: "127.0.0.1", Key: testKey, SignatureScheme: schemeHMACSHA256},
		"tcp, no key": {Transport: "tcp", IP: "127.0.0.1", SignatureScheme: schemeHMACSHA256},
		"ipc":         {Transport: "ipc", IP: filepath.Join(t.TempDir(), "kernel"), ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5, Key: testKey, SignatureScheme: schemeHMACSHA256},
	}
}

func startKernel(t testing.TB, info ConnectionInfo) *testKernel {
	t.Helper()
	k := &testKernel{t: t, interp: &fakeInterpreter{}, logs: &lockedBuffer{}, served: make(chan error, 1)}
	srv, err := NewServer(Config{Connection: info, Interpreter: k.interp, Log: log.New(k.logs, "", 0)})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	k.server = srv
	k.info = srv.Connection()
	go func() { k.served <- srv.Serve(context.Background()) }()
	k.signer, _ = NewSigner(schemeHMACSHA256, info.Key)
	k.connect("client-" + NewID())
	t.Cleanup(k.close)
	k.waitForIOPub()
	return k
}

// connect connects the client's sockets; shell, control and stdin share
// the routing identity, as jupyter_client's do.
func (k *testKernel) connect(identity string) {
	k.identity = identity
	ctx := context.Background()
	id := zmq4.WithID(zmq4.SocketIdentity(identity))
	k.shell, k.control, k.stdin = zmq4.NewDealer(ctx, id), zmq4.NewDealer(ctx, id), zmq4.NewDealer(ctx, id)
	k.iopub, k.hb = zmq4.NewSub(ctx), zmq4.NewReq(ctx)
	for _, c := range []struct {
		sock zmq4.Socket
		port int
	}{{k.shell, k.info.ShellPort}, {k.control, k.info.ControlPort}, {k.stdin, k.info.StdinPort}, {k.iopub, k.info.IOPubPort}, {k.hb, k.info.HBPort}} {
		if err := c.sock.Dial(k.info.Endpoint(c.port)); err != nil {
			k.t.Fatalf("dial %s: %v", k.info.Endpoint(c.port), err)
		}
	}
	if err := k.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		k.t.Fatal(err)
	}
	k.shellIn, k.controlIn, k.stdinIn, k.iopubIn = k.receive(k.shell), k.receive(k.control), k.receive(k.stdin), k.receive(k.iopub)
}

// receive decodes what sock receives onto a channel.
func (k *testKernel) receive(sock zmq4.Socket) chan *Message {
	ch := make(chan *Message, 256)
	go func() {
		defer close(ch)
		for {
			zm, err := sock.Recv()
			if err != nil {
				return
			}
			m, err := k.signer.Decode(zm.Frames)
			if err != nil {
				k.t.Errorf("client could not decode a kernel message: %v", err)
				continue
			}
			ch <- m
		}
	}()
	return ch
}

// waitForIOPub sends kernel_info requests until a status arrives on iopub,
// since a SUB socket misses what is published before it is subscribed.
func (k *testKernel) waitForIOPub() {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		k.send(k.shell, "kernel_info_request", map[string]any{})
		k.recv(k.shellIn, "kernel_info_reply")
		select {
		case <-k.iopubIn:
			time.Sleep(50 * time.Millisecond)
			k.drain(k.iopubIn)
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	k.t.Fatal("iopub never delivered a message")
}

func (k *testKernel) drain(ch chan *Message) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func (k *testKernel) close() {
	select {
	case <-k.served:
	default:
		k.send(k.control, "shutdown_request", map[string]any{"restart": false})
		select {
		case <-k.served:
		case <-time.After(10 * time.Second):
			k.t.Error("kernel did not stop")
		}
	}
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		s.Close()
	}
}

// send sends a request signed with the client's key and returns its msg_id.
func (k *testKernel) send(sock zmq4.Socket, msgType string, content any) string {
	return k.sendSigned(sock, k.signer, msgType, content)
}

func (k *testKernel) sendSigned(sock zmq4.Socket, signer *Signer, msgType string, content any) string {
	k.t.Helper()
	h := NewHeader(msgType, "client-session")
	header, _ := json.Marshal(h)
	body, err := json.Marshal(content)
	if err != nil {
		k.t.Fatal(err)
	}
	frames := signer.Encode(nil, header, []byte("{}"), []byte("{}"), body, nil)
	if err := sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		k.t.Fatalf("send %s: %v", msgType, err)
	}
	return h.MsgID
}

// recv waits for the next message on ch and checks its type.
func (k *testKernel) recv(ch chan *Message, msgType string) *Message {
	k.t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			k.t.Fatalf("channel closed while waiting for %s", msgType)
		}
		if m.Header.MsgType != msgType {
			k.t.Fatalf("got %s (%s), want %s", m.Header.MsgType, m.Content, msgType)
		}
		return m
	case <-time.After(10 * time.Second):
		k.t.Fatalf("no %s within 10s", msgType)
	}
	return nil
}

// recvAny returns the next message of ch, whatever its type.
func (k *testKernel) recvAny(ch chan *Message) *Message {
	k.t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			k.t.Fatal("channel closed while waiting for a message")
		}
		return m
	case <-time.After(10 * time.Second):
		k.t.Fatal("no message within 10s")
	}
	return nil
}

// quiet fails if anything arrives on ch within d.
func (k *testKernel) quiet(ch chan *Message, d time.Duration) {
	k.t.Helper()
	select {
	case m := <-ch:
		k.t.Fatalf("unexpected %s: %s", m.Header.MsgType, m.Content)
	case <-time.After(d):
	}
}

// outputs collects the iopub messages whose parent is msgID, from its busy
// status to its idle status, and checks that they are framed by them.
func (k *testKernel) outputs(msgID string) []*Message {
	k.t.Helper()
	var got []*Message
	for {
		select {
		case m := <-k.iopubIn:
			if parentID(m) != msgID {
				k.t.Fatalf("iopub %s has parent %q, want %q", m.Header.MsgType, parentID(m), msgID)
			}
			got = append(got, m)
			if m.Header.MsgType == "status" && state(m) == "idle" {
				if first := got[0]; first.Header.MsgType != "status" || state(first) != "busy" {
					k.t.Fatalf("first iopub message of %s is %s, not status busy", msgID, first.Header.MsgType)
				}
				return got[1 : len(got)-1]
			}
		case <-time.After(10 * time.Second):
			k.t.Fatalf("no idle status for %s within 10s (got %d messages)", msgID, len(got))
		}
	}
}

func parentID(m *Message) string {
	var h Header
	json.Unmarshal(m.ParentHeader, &h)
	return h.MsgID
}

func state(m *Message) string {
	return content(m)["execution_state"].(string)
}

func content(m *Message) map[string]any {
	var c map[string]any
	if err := json.Unmarshal(m.Content, &c); err != nil {
		panic(err)
	}
	return c
}

// execute runs code and returns its reply and outputs.
func (k *testKernel) execute(code string, extra map[string]any) (map[string]any, []*Message) {
	k.t.Helper()
	req := map[string]any{"code": code, "silent": false}
	for key, v := range extra {
		req[key] = v
	}
	id := k.send(k.shell, "execute_request", req)
	reply := k.recv(k.shellIn, "execute_reply")
	if parentID(reply) != id {
		k.t.Fatalf("execute_reply parent %q, want %q", parentID(reply), id)
	}
	return content(reply), k.outputs(id)
}

func types(msgs []*Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Header.MsgType)
	}
	return out
}
