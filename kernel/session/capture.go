package session

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Output written to the process's standard output and error — by
// interpreted code, compiled code, goroutines and child processes alike — is
// captured at the file-descriptor level: file descriptors 1 and 2 are pipes
// for as long as a session lives, and what comes out of them is forwarded to
// the cell running (or the one that ran last) in batches of at most
// batchDelay. The process's original standard output and error are kept for
// the kernel's own logs (LogWriter).
const batchDelay = 25 * time.Millisecond

// streamTarget receives forwarded text.
type streamTarget func(name, text string)

// capture owns the redirection of file descriptors 1 and 2.
type capture struct {
	savedStdout, savedStderr *os.File
	streams                  [2]*stream
}

var (
	captureMu    sync.Mutex
	captureUsers int
	theCapture   *capture
)

// acquireCapture redirects fds 1 and 2 into pipes, or shares the redirection
// already made, and sends what they receive to target.
func acquireCapture(target streamTarget) (*capture, error) {
	captureMu.Lock()
	defer captureMu.Unlock()
	if theCapture == nil {
		c, err := startCapture()
		if err != nil {
			return nil, err
		}
		theCapture = c
	}
	captureUsers++
	theCapture.setTarget(target)
	return theCapture, nil
}

// release gives up the caller's share; the last one restores the original
// file descriptors.
func (c *capture) release() {
	captureMu.Lock()
	defer captureMu.Unlock()
	captureUsers--
	if captureUsers > 0 {
		return
	}
	c.sync()
	for i, s := range c.streams {
		saved := c.savedStdout
		if i == 1 {
			saved = c.savedStderr
		}
		syscall.Dup3(int(saved.Fd()), s.fd, 0)
		s.w.Close()
	}
	debug.SetCrashOutput(nil, debug.CrashOptions{})
	theCapture = nil
}

func startCapture() (*capture, error) {
	c := &capture{}
	for i, fd := range []int{1, 2} {
		saved, err := dupFile(fd, []string{"stdout", "stderr"}[i])
		if err != nil {
			return nil, err
		}
		if i == 0 {
			c.savedStdout = saved
		} else {
			c.savedStderr = saved
			// A fatal runtime error (out of memory, a concurrent map
			// write) ends the process before the stream is forwarded:
			// the runtime also writes it to the original stderr, the
			// kernel's log.
			debug.SetCrashOutput(saved, debug.CrashOptions{})
		}
		s, err := newStream([]string{"stdout", "stderr"}[i], fd)
		if err != nil {
			return nil, err
		}
		c.streams[i] = s
	}
	return c, nil
}

// dupFile returns a close-on-exec duplicate of fd.
func dupFile(fd int, name string) (*os.File, error) {
	syscall.ForkLock.RLock()
	nfd, err := syscall.Dup(fd)
	if err == nil {
		syscall.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("saving the original %s: %w", name, err)
	}
	return os.NewFile(uintptr(nfd), name), nil
}

// blockingPipe makes a pipe whose ends are in blocking mode: they replace
// file descriptors that the os package opened as blocking, and it must keep
// treating them so.
func blockingPipe() (r, w *os.File, err error) { return makePipe(false) }

// makePipe makes a close-on-exec pipe. Its write end blocks; its read end
// blocks too unless pollRead is true, in which case reads go through the
// runtime's poller and a read of an empty pipe fails with EAGAIN at once.
func makePipe(pollRead bool) (r, w *os.File, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = syscall.Pipe2(p[:], syscall.O_CLOEXEC)
	syscall.ForkLock.RUnlock()
	if err == nil && pollRead {
		err = syscall.SetNonblock(p[0], true)
		if err != nil {
			syscall.Close(p[0])
			syscall.Close(p[1])
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("creating a pipe: %w", err)
	}
	return os.NewFile(uintptr(p[0]), "pipe"), os.NewFile(uintptr(p[1]), "pipe"), nil
}

func (c *capture) setTarget(t streamTarget) {
	for _, s := range c.streams {
		s.mu.Lock()
		s.target = t
		s.mu.Unlock()
	}
}

// sync returns once everything written to fds 1 and 2 before the call has
// been forwarded.
func (c *capture) sync() {
	for _, s := range c.streams {
		s.sync()
	}
}

// stream forwards one redirected file descriptor. Its pipe is read by
// whichever goroutine holds readMu: the reader, woken by the runtime's
// poller when data arrives, or sync, which drains what the pipe holds
// itself instead of waiting for the reader to be scheduled.
type stream struct {
	name string
	fd   int
	r, w *os.File
	raw  syscall.RawConn // r's descriptor, for reads without blocking

	readMu sync.Mutex // held while reading the pipe and queueing what was read
	buf    []byte     // read buffer, guarded by readMu

	pubMu sync.Mutex // held while taking and publishing, to keep order

	mu      sync.Mutex
	target  streamTarget
	pending []byte
	kick    chan struct{}
}

func newStream(name string, fd int) (*stream, error) {
	r, w, err := makePipe(true)
	if err != nil {
		return nil, err
	}
	raw, err := r.SyscallConn()
	if err == nil {
		err = syscall.Dup3(int(w.Fd()), fd, 0)
	}
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("redirecting %s: %w", name, err)
	}
	s := &stream{name: name, fd: fd, r: r, w: w, raw: raw, buf: make([]byte, 64<<10), kick: make(chan struct{}, 1)}
	go s.read()
	go s.batch()
	return s, nil
}

// pipeState is what one read of a stream's pipe found.
type pipeState int

const (
	pipeData  pipeState = iota // data, now pending
	pipeEmpty                  // nothing to read yet
	pipeEnded                  // every write end is closed
)

// readOnce reads what the pipe holds, up to the buffer's size, into
// pending, and returns how many bytes it read. The caller holds readMu.
func (s *stream) readOnce(fd int) (int, pipeState) {
	for {
		n, err := syscall.Read(fd, s.buf)
		switch {
		case n > 0:
			s.add(s.buf[:n])
			return n, pipeData
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, pipeEmpty
		default:
			return 0, pipeEnded
		}
	}
}

// read forwards the pipe until its write ends are closed.
func (s *stream) read() {
	var state pipeState
	for state != pipeEnded {
		err := s.raw.Read(func(fd uintptr) bool {
			s.readMu.Lock()
			_, state = s.readOnce(int(fd))
			s.readMu.Unlock()
			return state != pipeEmpty
		})
		if err != nil {
			break
		}
	}
	s.flush(true)
	s.r.Close()
	close(s.kick)
}

// sync publishes everything written to the stream before the call: it
// reads the bytes the pipe holds (those the reader took earlier are pending
// already), no more, so that a writer that never pauses cannot hold it up,
// and flushes.
func (s *stream) sync() {
	s.readMu.Lock()
	s.raw.Control(func(fd uintptr) {
		left, err := pipeBytes(fd)
		if err != nil {
			left = len(s.buf) // one read's worth
		}
		for left > 0 {
			n, state := s.readOnce(int(fd))
			if state != pipeData {
				break
			}
			left -= n
		}
	})
	s.readMu.Unlock()
	s.flush(true)
}

// pipeBytes returns the number of unread bytes in the pipe fd.
func pipeBytes(fd uintptr) (int, error) {
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// maxKeptPending is the largest capacity of a stream's pending buffer kept
// between flushes.
const maxKeptPending = 1 << 20

func (s *stream) add(b []byte) {
	if len(b) == 0 {
		return
	}
	s.mu.Lock()
	s.pending = append(s.pending, b...)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// batch publishes pending output batchDelay after it starts to arrive.
func (s *stream) batch() {
	for range s.kick {
		time.Sleep(batchDelay)
		s.flush(false)
	}
}

// flush publishes pending output; unless all is true it keeps back an
// incomplete UTF-8 sequence at the end.
func (s *stream) flush(all bool) {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	s.mu.Lock()
	n := len(s.pending)
	if !all {
		n -= incompleteRuneTail(s.pending)
	}
	text := string(s.pending[:n])
	if cap(s.pending) > maxKeptPending {
		// A burst of output grew the buffer: release it.
		s.pending = append([]byte(nil), s.pending[n:]...)
	} else {
		s.pending = append(s.pending[:0], s.pending[n:]...)
	}
	target := s.target
	s.mu.Unlock()
	if text != "" && target != nil {
		target(s.name, text)
	}
}

// incompleteRuneTail returns the length of a UTF-8 sequence cut short at the
// end of b.
func incompleteRuneTail(b []byte) int {
	for k := 1; k <= min(utf8.UTFMax-1, len(b)); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}

// savedWriter writes to the process's original standard error while output
// is captured, and to the current one otherwise.
type savedWriter struct{}

func (savedWriter) Write(p []byte) (int, error) {
	captureMu.Lock()
	c := theCapture
	captureMu.Unlock()
	if c != nil {
		return c.savedStderr.Write(p)
	}
	return os.Stderr.Write(p)
}

// LogWriter returns a writer to the process's original standard error, for
// the kernel's own logs: they must not go into the captured output of cells.
func LogWriter() io.Writer { return savedWriter{} }
