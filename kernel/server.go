package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

const (
	// shellQueueSize is how many shell requests may wait while one runs.
	shellQueueSize = 1024
	// outQueueSize is how many outgoing messages a socket's writer holds
	// before senders wait.
	outQueueSize = 1024
	// iopubHighWaterMark is how many messages iopub holds for slow
	// subscribers before dropping new ones.
	iopubHighWaterMark = 100_000
	// shutdownGrace is how long shutdown waits for a cancelled execution
	// to return before giving up on releasing the interpreter.
	shutdownGrace = 5 * time.Second
)

// Config configures a Server. Connection and Interpreter are required.
type Config struct {
	// Connection says where to listen and how to sign. A tcp port of 0
	// binds a free port; Server.Connection reports the ports bound.
	Connection ConnectionInfo
	// Interpreter runs the code.
	Interpreter Interpreter
	// Log receives a line for each dropped or refused message and each
	// failure; the key is never logged. If Log is nil, lines go to stderr
	// prefixed "golign kernel: ".
	Log *log.Logger
	// MaxMessageSize bounds the size of one received message, in bytes; a
	// peer sending a larger one is disconnected. If MaxMessageSize is 0, it
	// is DefaultMaxMessageSize. The bound applies to every server of the
	// process.
	MaxMessageSize int64
}

// Server is a Jupyter kernel speaking messaging protocol 5.3: shell,
// control and stdin are ROUTER sockets, iopub a PUB socket and heartbeat a
// REP socket. Each socket has one goroutine reading it and one writing it
// (zmq4 sockets are not safe for concurrent senders). Shell requests run
// one at a time in arrival order; control requests are answered while a
// shell request runs, so an interrupt reaches a running execution.
type Server struct {
	interp  Interpreter
	info    Info
	signer  *Signer
	log     *log.Logger
	conn    ConnectionInfo
	session string

	shell, control, stdin, iopub, heartbeat  zmq4.Socket
	shellOut, controlOut, stdinOut, iopubOut *writer

	shellQueue   chan *Message
	inputReplies chan *Message
	// inputMu makes input requests wait for one another, so that each
	// input_reply goes to the request that asked for it.
	inputMu sync.Mutex
	history History

	// count and abortLeft belong to the shell goroutine.
	count     int
	abortLeft int

	mu              sync.Mutex
	cancelExecution context.CancelFunc
	restart         bool

	// started is closed once the first kernel_info_request is answered or
	// another request arrives.
	started     chan struct{}
	startedOnce sync.Once

	quit      chan struct{}
	quitOnce  sync.Once
	closing   chan struct{}
	shellDone chan struct{}
	readers   sync.WaitGroup
}

// NewServer binds the five sockets the connection info names. The server
// does nothing until Serve.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Interpreter == nil {
		return nil, errors.New("kernel: Config.Interpreter is nil")
	}
	info := cfg.Connection
	if info.SignatureScheme == "" {
		info.SignatureScheme = schemeHMACSHA256
	}
	if err := info.validate(); err != nil {
		return nil, fmt.Errorf("kernel: connection: %w", err)
	}
	signer, err := NewSigner(info.SignatureScheme, info.Key)
	if err != nil {
		return nil, fmt.Errorf("kernel: %w", err)
	}
	if cfg.MaxMessageSize > 0 {
		maxMessageSize.Store(cfg.MaxMessageSize)
	}
	logger := cfg.Log
	if logger == nil {
		logger = log.New(os.Stderr, "golign kernel: ", log.LstdFlags)
	}
	s := &Server{
		interp:       cfg.Interpreter,
		info:         cfg.Interpreter.Info(),
		signer:       signer,
		log:          logger,
		session:      NewID(),
		shellQueue:   make(chan *Message, shellQueueSize),
		inputReplies: make(chan *Message, 1),
		started:      make(chan struct{}),
		quit:         make(chan struct{}),
		closing:      make(chan struct{}),
		shellDone:    make(chan struct{}),
	}
	zlog := log.New(logger.Writer(), logger.Prefix()+"zmq4: ", logger.Flags())
	opts := []zmq4.Option{zmq4.WithLogger(zlog), zmq4.WithTimeout(writeTimeout)}
	ctx := context.Background()
	sockets := []struct {
		sock *zmq4.Socket
		make func(context.Context, ...zmq4.Option) zmq4.Socket
		port *int
	}{
		{&s.shell, zmq4.NewRouter, &info.ShellPort},
		{&s.control, zmq4.NewRouter, &info.ControlPort},
		{&s.stdin, zmq4.NewRouter, &info.StdinPort},
		{&s.iopub, zmq4.NewPub, &info.IOPubPort},
		{&s.heartbeat, zmq4.NewRep, &info.HBPort},
	}
	for _, sk := range sockets {
		sock := sk.make(ctx, opts...)
		if err := sock.Listen(guardedEndpoint(info, *sk.port)); err != nil {
			sock.Close()
			s.closeSockets()
			return nil, fmt.Errorf("kernel: listening on %s: %w", info.Endpoint(*sk.port), err)
		}
		*sk.sock = sock
		if *sk.port == 0 && info.Transport == "tcp" {
			*sk.port = boundPort(sock)
		}
	}
	// zmq4 queues for PUB without bound unless told: a cell printing
	// faster than the frontend reads must not grow the kernel without limit.
	if err := s.iopub.SetOption(zmq4.OptionHWM, iopubHighWaterMark); err != nil {
		s.closeSockets()
		return nil, fmt.Errorf("kernel: setting the iopub high-water mark: %w", err)
	}
	s.conn = info
	s.shellOut = newWriter(s.shell)
	s.controlOut = newWriter(s.control)
	s.stdinOut = newWriter(s.stdin)
	s.iopubOut = newWriter(s.iopub)
	return s, nil
}

// guardedEndpoint is the endpoint of port through the guarded transports.
func guardedEndpoint(info ConnectionInfo, port int) string {
	ep := info.Endpoint(port)
	if info.Transport == "ipc" {
		return guardedIPC + strings.TrimPrefix(ep, "ipc")
	}
	return guardedTCP + strings.TrimPrefix(ep, "tcp")
}

func boundPort(sock zmq4.Socket) int {
	addr := sock.Addr()
	if addr == nil {
		return 0
	}
	s := addr.String()
	port, _ := strconv.Atoi(s[strings.LastIndexByte(s, ':')+1:])
	return port
}

// Connection is the connection info with the ports actually bound.
func (s *Server) Connection() ConnectionInfo { return s.conn }

// Serve answers requests until a shutdown_request arrives or ctx is
// cancelled, then interrupts the running execution, releases the
// interpreter and closes the sockets. It returns nil after a clean
// shutdown. Serve may be called once.
func (s *Server) Serve(ctx context.Context) error {
	for _, w := range []*writer{s.shellOut, s.controlOut, s.stdinOut, s.iopubOut} {
		go w.run(s.closing, s.log)
	}
	s.readers.Add(4)
	go s.readLoop(s.shell, "shell", s.enqueueShell)
	go s.readLoop(s.control, "control", s.handleControl)
	go s.readLoop(s.stdin, "stdin", s.handleStdin)
	go s.heartbeatLoop()
	go s.shellLoop()
	s.publish("status", nil, map[string]any{"execution_state": "starting"})

	select {
	case <-s.quit:
	case <-ctx.Done():
		s.requestQuit(false)
	}
	s.Interrupt()
	select {
	case <-s.shellDone:
		s.mu.Lock()
		restart := s.restart
		s.mu.Unlock()
		s.releaseInterpreter(restart)
	case <-time.After(shutdownGrace):
		s.log.Printf("an execution did not stop within %v of shutdown; not releasing the interpreter", shutdownGrace)
	}
	close(s.closing)
	s.closeSockets()
	s.readers.Wait()
	return nil
}

func (s *Server) releaseInterpreter(restart bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("interpreter shutdown panicked: %v", r)
		}
	}()
	s.interp.Shutdown(restart)
}

func (s *Server) closeSockets() {
	for _, sock := range []zmq4.Socket{s.shell, s.control, s.stdin, s.iopub, s.heartbeat} {
		if sock != nil {
			sock.Close()
		}
	}
}

// Started is closed once the server has written its reply to the first
// kernel_info_request or received any other request: a frontend's first
// question is kernel_info, and work that would slow its answer down (such
// as building the interpreter) can wait for this.
func (s *Server) Started() <-chan struct{} { return s.started }

func (s *Server) markStarted() {
	s.startedOnce.Do(func() { close(s.started) })
}

// isStarted tells whether Started is closed.
func (s *Server) isStarted() bool {
	select {
	case <-s.started:
		return true
	default:
		return false
	}
}

// Interrupt cancels the execution in progress, if any, as an
// interrupt_request or SIGINT does.
func (s *Server) Interrupt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelExecution != nil {
		s.cancelExecution()
	}
}

func (s *Server) requestQuit(restart bool) {
	s.quitOnce.Do(func() {
		s.mu.Lock()
		s.restart = restart
		s.mu.Unlock()
		close(s.quit)
	})
}

// readLoop receives the messages of a ROUTER socket, drops those that fail
// to decode or verify, and hands the others to handle.
func (s *Server) readLoop(sock zmq4.Socket, channel string, handle func(*Message)) {
	defer s.readers.Done()
	for {
		zm, err := sock.Recv()
		if err != nil {
			select {
			case <-s.closing:
			default:
				s.log.Printf("%s: receive failed, channel closed: %v", channel, err)
			}
			return
		}
		m, err := s.signer.Decode(zm.Frames)
		if err != nil {
			s.log.Printf("%s: dropped a message: %v", channel, err)
			continue
		}
		handle(m)
	}
}

func (s *Server) heartbeatLoop() {
	defer s.readers.Done()
	for {
		ping, err := s.heartbeat.Recv()
		if err != nil {
			return
		}
		if err := s.heartbeat.Send(ping); err != nil {
			s.log.Printf("heartbeat: %v", err)
		}
	}
}

func (s *Server) enqueueShell(m *Message) {
	if m.Header.MsgType != "kernel_info_request" {
		s.markStarted()
	}
	select {
	case s.shellQueue <- m:
	case <-s.quit:
	}
}

// shellLoop runs the queued shell requests in order until shutdown, which
// takes precedence over requests still queued.
func (s *Server) shellLoop() {
	defer close(s.shellDone)
	for {
		select {
		case <-s.quit:
			return
		default:
		}
		select {
		case <-s.quit:
			return
		case m := <-s.shellQueue:
			s.handleShell(m)
		}
	}
}

func (s *Server) handleStdin(m *Message) {
	if m.Header.MsgType != "input_reply" {
		s.log.Printf("stdin: ignored a %q message", m.Header.MsgType)
		return
	}
	select {
	case s.inputReplies <- m:
	default:
		s.log.Printf("stdin: dropped an input_reply nobody asked for")
	}
}

// writer owns the sending side of one socket.
type writer struct {
	sock  zmq4.Socket
	queue chan outgoing
}

type outgoing struct {
	frames [][]byte
	// sent, when not nil, receives the result of the send.
	sent chan error
}

var errClosing = errors.New("kernel is shutting down")

func newWriter(sock zmq4.Socket) *writer {
	return &writer{sock: sock, queue: make(chan outgoing, outQueueSize)}
}

func (w *writer) run(closing <-chan struct{}, logger *log.Logger) {
	for {
		select {
		case <-closing:
			return
		case o := <-w.queue:
			err := w.sock.SendMulti(zmq4.NewMsgFrom(o.frames...))
			if o.sent != nil {
				o.sent <- err
			} else if err != nil {
				logger.Printf("send failed: %v", err)
			}
		}
	}
}

// send queues frames; when wait is true it returns once they are written.
func (w *writer) send(closing <-chan struct{}, frames [][]byte, wait bool) error {
	o := outgoing{frames: frames}
	if wait {
		o.sent = make(chan error, 1)
	}
	select {
	case w.queue <- o:
	case <-closing:
		return errClosing
	}
	if !wait {
		return nil
	}
	select {
	case err := <-o.sent:
		return err
	case <-closing:
		return errClosing
	}
}

// message encodes a message of type msgType in reply to parent (nil for
// none) with the given content.
func (s *Server) message(ids [][]byte, msgType string, parent *Message, content any) ([][]byte, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", msgType, err)
	}
	header, err := json.Marshal(NewHeader(msgType, s.session))
	if err != nil {
		return nil, err
	}
	parentHeader := []byte("{}")
	if parent != nil {
		parentHeader = parent.RawHeader
	}
	return s.signer.Encode(ids, header, parentHeader, []byte("{}"), body, nil), nil
}

// reply queues a reply to request on the ROUTER socket it came from.
func (s *Server) reply(out *writer, request *Message, msgType string, content any) {
	s.sendReply(out, request, msgType, content, false)
}

// sendReply sends a reply to request; with wait, it returns once the reply
// is written.
func (s *Server) sendReply(out *writer, request *Message, msgType string, content any, wait bool) {
	frames, err := s.message(request.Identities, msgType, request, content)
	if err != nil {
		s.log.Print(err)
		return
	}
	if err := out.send(s.closing, frames, wait); err != nil && err != errClosing {
		s.log.Printf("sending %s: %v", msgType, err)
	}
}

// publish broadcasts a message on iopub with parent as its parent.
func (s *Server) publish(msgType string, parent *Message, content any) {
	topic := []byte("kernel." + s.session + "." + msgType)
	frames, err := s.message([][]byte{topic}, msgType, parent, content)
	if err != nil {
		s.log.Print(err)
		return
	}
	s.iopubOut.send(s.closing, frames, false)
}
