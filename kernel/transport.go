package kernel

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// The server listens through transports of its own that guard each
// connection before zmq4 sees it: zmq4 allocates a frame of whatever size
// its header announces and waits without limit for a greeting, so one bad
// peer could exhaust memory or stall every later connection. A guarded
// connection fails, and zmq4 drops it, when a peer announces a message
// larger than the limit, takes too long over its greeting and handshake,
// or stops reading what the kernel writes.
const (
	guardedTCP = "golign-tcp"
	guardedIPC = "golign-ipc"

	// DefaultMaxMessageSize bounds the total size of the frames of one
	// received message when Config.MaxMessageSize is 0.
	DefaultMaxMessageSize = 128 << 20
	maxCommandSize        = 64 << 10
	handshakeTimeout      = 10 * time.Second
	writeTimeout          = 30 * time.Second

	zmtpGreetingSize = 64
	flagMore         = 0x01
	flagLong         = 0x02
	flagCommand      = 0x04
)

// maxMessageSize is read by guarded connections; the transports are
// process-wide, so the limit is too (the last server configured wins).
var maxMessageSize atomic.Int64

func init() {
	maxMessageSize.Store(DefaultMaxMessageSize)
	for name, network := range map[string]string{guardedTCP: "tcp", guardedIPC: "unix"} {
		if err := zmq4.RegisterTransport(name, guardedTransport{transport.New(network), network}); err != nil {
			panic(err)
		}
	}
}

// guardedTransport listens like the transport it embeds, guarding each
// accepted connection. (The server only listens; dialing is left as is.)
type guardedTransport struct {
	transport.Transport
	network string
}

func (t guardedTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := net.Listen(t.network, addr)
	if err != nil {
		return nil, err
	}
	return guardedListener{l}, nil
}

type guardedListener struct{ net.Listener }

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newGuardedConn(c), nil
}

// guardedConn follows the ZMTP 3 framing of both directions. What it
// reads is served from a buffer (zmq4 reads each frame header and body with
// separate calls) and checked against the limits; what it writes is held
// until a message, command or the greeting is complete and then written at
// once, so that a message goes out in one segment instead of two per frame.
type guardedConn struct {
	net.Conn
	limit int64

	in          zmtpFramer
	inBuf       []byte
	inData      []byte // unread part of inBuf
	handshaking bool

	// outMu guards the writing side: zmq4 may answer a PING command from
	// its reading goroutine while another goroutine writes a message.
	outMu  sync.Mutex
	out    zmtpFramer
	outBuf []byte
}

// readBufferSize is the size of a guarded connection's read buffer;
// flushSize is how much written data is held at most before being written
// even in the middle of a message.
const (
	readBufferSize = 32 << 10
	flushSize      = 256 << 10
)

func newGuardedConn(c net.Conn) *guardedConn {
	c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	return &guardedConn{
		Conn:        c,
		limit:       maxMessageSize.Load(),
		in:          newZMTPFramer(),
		inBuf:       make([]byte, readBufferSize),
		handshaking: true,
		out:         newZMTPFramer(),
	}
}

func (c *guardedConn) Read(p []byte) (int, error) {
	if len(c.inData) == 0 {
		n, err := c.Conn.Read(c.inBuf)
		c.inData = c.inBuf[:n]
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, c.inData)
	c.inData = c.inData[n:]
	if err := c.in.advance(p[:n], c.checkHeader, c.endFrame); err != nil {
		c.Conn.Close()
		return 0, err
	}
	return n, nil
}

func (c *guardedConn) Write(p []byte) (int, error) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	c.outBuf = append(c.outBuf, p...)
	c.out.advance(p, nil, nil)
	if c.out.atMessageBoundary() || len(c.outBuf) >= flushSize {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (c *guardedConn) flush() error {
	c.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := c.Conn.Write(c.outBuf)
	c.outBuf = c.outBuf[:0]
	if cap(c.outBuf) > 2*flushSize {
		// A large frame grew the buffer: let it go rather than hold
		// the largest message ever sent for the connection's life.
		c.outBuf = nil
	}
	return err
}

// checkHeader fails on a received frame that breaks a limit.
func (c *guardedConn) checkHeader(flags byte, size, messageSize uint64) error {
	if flags&flagCommand != 0 {
		if size > maxCommandSize {
			return fmt.Errorf("peer sent a %d-byte command frame (limit %d)", size, maxCommandSize)
		}
		return nil
	}
	if messageSize > uint64(c.limit) {
		return fmt.Errorf("peer sent a message of more than %d bytes (limit %d)", messageSize, c.limit)
	}
	return nil
}

// endFrame lifts the handshake deadline once the peer's first command
// (READY, which ends the NULL handshake) is complete.
func (c *guardedConn) endFrame(flags byte) {
	if c.handshaking && flags&flagCommand != 0 {
		c.handshaking = false
		c.Conn.SetReadDeadline(time.Time{})
	}
}

// zmtpFramer tracks where a ZMTP 3 byte stream is: in the 64-byte
// greeting, then in frames of a flags byte, a 1- or 8-byte big-endian size
// and the body.
type zmtpFramer struct {
	greetingLeft int
	header       [9]byte
	headerHave   int
	flags        byte
	bodyLeft     uint64
	// messageSize sums the sizes of the message frames seen so far of the
	// message in progress.
	messageSize uint64
}

func newZMTPFramer() zmtpFramer { return zmtpFramer{greetingLeft: zmtpGreetingSize} }

// advance moves over data. onHeader (if not nil) sees each frame's flags,
// size and the size of its message so far, and may stop the stream with an
// error; onEnd (if not nil) is called at the end of each frame.
func (f *zmtpFramer) advance(data []byte, onHeader func(flags byte, size, messageSize uint64) error, onEnd func(flags byte)) error {
	for len(data) > 0 {
		switch {
		case f.greetingLeft > 0:
			k := min(f.greetingLeft, len(data))
			f.greetingLeft -= k
			data = data[k:]
		case f.bodyLeft > 0:
			k := min(f.bodyLeft, uint64(len(data)))
			f.bodyLeft -= k
			data = data[k:]
			if f.bodyLeft == 0 {
				f.endFrame(onEnd)
			}
		default:
			f.header[f.headerHave] = data[0]
			f.headerHave++
			data = data[1:]
			need := 2
			if f.header[0]&flagLong != 0 {
				need = 9
			}
			if f.headerHave < need {
				continue
			}
			f.headerHave = 0
			f.flags = f.header[0]
			size := uint64(f.header[1])
			if need == 9 {
				size = binary.BigEndian.Uint64(f.header[1:9])
			}
			if f.flags&flagCommand == 0 {
				f.messageSize += size
			}
			if onHeader != nil {
				if err := onHeader(f.flags, size, f.messageSize); err != nil {
					return err
				}
			}
			f.bodyLeft = size
			if size == 0 {
				f.endFrame(onEnd)
			}
		}
	}
	return nil
}

func (f *zmtpFramer) endFrame(onEnd func(flags byte)) {
	if f.flags&(flagMore|flagCommand) == 0 {
		f.messageSize = 0
	}
	if onEnd != nil {
		onEnd(f.flags)
	}
}

// atMessageBoundary reports whether the stream stands after the greeting,
// a command, or the last frame of a message.
func (f *zmtpFramer) atMessageBoundary() bool {
	return f.greetingLeft == 0 && f.headerHave == 0 && f.bodyLeft == 0 &&
		(f.flags&flagMore == 0 || f.flags&flagCommand != 0)
}
