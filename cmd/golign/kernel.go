package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/session"
)

func init() {
	register(command{
		name:    "kernel",
		usage:   "-f CONNECTION_FILE",
		summary: "serve a Jupyter kernel on the sockets a connection file names (Jupyter starts this from the kernelspec)",
		run:     runKernel,
	})
}

// sessionStartDelay is how long the kernel waits for a first request
// before building the session anyway.
const sessionStartDelay = time.Second

func runKernel(args []string) error {
	fs := newFlagSet("kernel")
	connectionFile := fs.String("f", "", "the connection `FILE` Jupyter wrote for this kernel")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *connectionFile == "" {
		return usagef("-f CONNECTION_FILE is required")
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	info, err := kernel.LoadConnectionFile(*connectionFile)
	if err != nil {
		return err
	}
	// The session captures the process's standard streams for the cells;
	// the kernel's own lines go to the original stderr.
	logger := log.New(session.LogWriter(), "golign kernel: ", log.LstdFlags)
	// The session is built while the server already answers, so the
	// frontend's first kernel_info_request is served at once: the build
	// starts once the sockets are bound and that first request answered
	// (or any other request received). If binding fails it never starts
	// (and the session's capture of stderr cannot swallow the error).
	bound := make(chan struct{})
	var server *kernel.Server
	interp := kernel.NewDeferred(sessionInfo(), func() (kernel.Interpreter, error) {
		<-bound
		select {
		case <-server.Started():
		case <-time.After(sessionStartDelay):
		}
		s, err := session.New(session.Options{})
		if err != nil {
			logger.Printf("starting the Go session: %v", err)
			return nil, err
		}
		return s, nil
	})
	server, err = kernel.NewServer(kernel.Config{
		Connection:  info,
		Interpreter: interp,
		Log:         logger,
	})
	if err != nil {
		return err
	}
	close(bound)

	// SIGINT interrupts the running cell, as interrupt_request does;
	// SIGTERM and SIGHUP shut the kernel down cleanly.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	go func() {
		for range interrupts {
			server.Interrupt()
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	watchParent(ctx, stop, logger)
	return server.Serve(ctx)
}

// watchParent shuts the kernel down (through stop) when the process that
// launched it is gone, as ipykernel does, so that a frontend that crashed
// leaves no kernel behind. Jupyter names itself in JPY_PARENT_PID; without
// it, or when that process is not the kernel's parent, nothing is watched.
func watchParent(ctx context.Context, stop context.CancelFunc, logger *log.Logger) {
	parent, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	if err != nil || parent <= 1 || os.Getppid() != parent {
		return
	}
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if os.Getppid() != parent {
					logger.Printf("the process that started the kernel (pid %d) is gone; shutting down", parent)
					stop()
					return
				}
			}
		}
	}()
}

// sessionInfo is the kernel_info description of a golign session, known
// before any session exists: Session.Info reads nothing from its receiver.
func sessionInfo() kernel.Info {
	var unbuilt *session.Session
	return unbuilt.Info()
}
