package session

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// Standard input of cells is a pipe on file descriptor 0, fed on demand:
// while a cell runs, a watcher looks every stdinPoll for a thread of the
// process blocked reading file descriptor 0 of an empty pipe (Linux shows
// each thread's current system call in /proc/self/task/*/syscall), and then
// asks the frontend for a line (input_request) and writes it into the pipe.
// This serves interpreted and compiled readers alike: fmt.Scan,
// bufio.Reader on os.Stdin, compiled library code.
const stdinPoll = 40 * time.Millisecond

// stdinFeeder owns file descriptor 0.
type stdinFeeder struct {
	mu    sync.Mutex
	saved *os.File // the original standard input
	w     *os.File // write end of the pipe on fd 0; nil after EOF was given
}

func newStdinFeeder() (*stdinFeeder, error) {
	saved, err := dupFile(0, "stdin")
	if err != nil {
		return nil, err
	}
	f := &stdinFeeder{saved: saved}
	if err := f.renew(); err != nil {
		saved.Close()
		return nil, err
	}
	return f, nil
}

// renew puts a fresh pipe on fd 0 unless the current one is still open.
func (f *stdinFeeder) renew() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w != nil {
		return nil
	}
	r, w, err := blockingPipe()
	if err != nil {
		return err
	}
	defer r.Close()
	if err := syscall.Dup3(int(r.Fd()), 0, 0); err != nil {
		w.Close()
		return fmt.Errorf("redirecting stdin: %w", err)
	}
	f.w = w
	return nil
}

// close restores the original standard input.
func (f *stdinFeeder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	syscall.Dup3(int(f.saved.Fd()), 0, 0)
	if f.w != nil {
		f.w.Close()
		f.w = nil
	}
	f.saved.Close()
}

// watch feeds fd 0 from ask until stop is closed. ask returns the line the
// user typed, or an error after which readers get end of file.
func (f *stdinFeeder) watch(stop <-chan struct{}, ask func() (string, error)) {
	tick := time.NewTicker(stdinPoll)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if !stdinWanted() {
			continue
		}
		line, err := ask()
		f.mu.Lock()
		if f.w != nil {
			if err != nil {
				f.w.Close()
				f.w = nil
			} else {
				f.w.WriteString(line + "\n")
			}
		}
		f.mu.Unlock()
	}
}

// stdinWanted reports whether a thread of the process is blocked reading an
// empty fd 0.
func stdinWanted() bool {
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, 0, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 || n > 0 {
		return false
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/syscall")
	prefix := []byte(strconv.Itoa(syscall.SYS_READ) + " 0x0 ")
	for _, t := range tasks {
		if b, err := os.ReadFile(t); err == nil && bytes.HasPrefix(b, prefix) {
			return true
		}
	}
	return false
}
