package kernel

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
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

func (t guardedTransport) Dial(ctx context.Context, dialer transport.Dialer, addr string) (net.Conn, error) {
	c, err := dialer.DialContext(ctx, t.network, addr)
	if err != nil {
		return nil, err
	}
	return newGuardedConn(c), nil
}

type guardedListener struct{ net.Listener }

func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newGuardedConn(c), nil
}

// guardedConn follows the ZMTP 3 framing of what it reads: the 64-byte
// greeting, then frames of a flags byte, a 1- or 8-byte big-endian size and
// the body.
type guardedConn struct {
	net.Conn
	limit int64

	greetingLeft int
	header       [9]byte
	headerHave   int
	bodyLeft     uint64
	messageSize  uint64
	handshaking  bool
	inCommand    bool
}

func newGuardedConn(c net.Conn) *guardedConn {
	c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	return &guardedConn{Conn: c, limit: maxMessageSize.Load(), greetingLeft: zmtpGreetingSize, handshaking: true}
}

func (c *guardedConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.Conn.Write(p)
}

func (c *guardedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if ferr := c.follow(p[:n]); ferr != nil {
		c.Conn.Close()
		return 0, ferr
	}
	return n, err
}

// follow advances the framing state over data and fails when a frame
// breaks a limit.
func (c *guardedConn) follow(data []byte) error {
	for len(data) > 0 {
		switch {
		case c.greetingLeft > 0:
			k := min(c.greetingLeft, len(data))
			c.greetingLeft -= k
			data = data[k:]
		case c.bodyLeft > 0:
			k := min(c.bodyLeft, uint64(len(data)))
			c.bodyLeft -= k
			data = data[k:]
			if c.bodyLeft == 0 {
				c.endFrame()
			}
		default:
			c.header[c.headerHave] = data[0]
			c.headerHave++
			data = data[1:]
			if err := c.endHeader(); err != nil {
				return err
			}
		}
	}
	return nil
}

// endHeader acts on the frame header once all its bytes are in.
func (c *guardedConn) endHeader() error {
	flags := c.header[0]
	need := 2
	if flags&flagLong != 0 {
		need = 9
	}
	if c.headerHave < need {
		return nil
	}
	c.headerHave = 0
	size := uint64(c.header[1])
	if need == 9 {
		size = binary.BigEndian.Uint64(c.header[1:9])
	}
	c.inCommand = flags&flagCommand != 0
	if c.inCommand {
		if size > maxCommandSize {
			return fmt.Errorf("peer sent a %d-byte command frame (limit %d)", size, maxCommandSize)
		}
	} else {
		c.messageSize += size
		if c.messageSize > uint64(c.limit) {
			return fmt.Errorf("peer sent a message of more than %d bytes (limit %d)", c.messageSize, c.limit)
		}
		if flags&flagMore == 0 {
			c.messageSize = 0
		}
	}
	c.bodyLeft = size
	if size == 0 {
		c.endFrame()
	}
	return nil
}

// endFrame lifts the handshake deadline once the peer's first command
// (READY, which ends the NULL handshake) is complete.
func (c *guardedConn) endFrame() {
	if c.handshaking && c.inCommand {
		c.handshaking = false
		c.Conn.SetReadDeadline(time.Time{})
	}
}
