package stdlib

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
)

// The extractor maps a few symbols of os and log to the local replacements
// below (os.Exit to osExit, log.New to logNew, ...), so that a cell cannot end
// the process that runs it: a kernel must survive the cells it runs.

// errOwnProcess is returned by os.FindProcess for the running process.
var errOwnProcess = errors.New("os.FindProcess: a cell cannot take hold of the process running it")

// osExit replaces os.Exit: it panics with the exit code instead of exiting,
// which ends the cell with an error.
func osExit(code int) { panic(fmt.Sprintf("os.Exit(%d)", code)) }

// osFindProcess replaces os.FindProcess: it refuses the running process and
// finds any other.
func osFindProcess(pid int) (*os.Process, error) {
	if pid == os.Getpid() {
		return nil, errOwnProcess
	}
	return os.FindProcess(pid)
}

// logFatal replaces log.Fatal: it panics instead of exiting.
func logFatal(v ...any) { log.Panic(v...) }

// logFatalf replaces log.Fatalf: it panics instead of exiting.
func logFatalf(format string, v ...any) { log.Panicf(format, v...) }

// logFatalln replaces log.Fatalln: it panics instead of exiting.
func logFatalln(v ...any) { log.Panicln(v...) }

// logLogger is the log.Logger cells see: a *log.Logger (reachable as the
// field Logger) whose Fatal methods panic instead of exiting.
type logLogger struct {
	*log.Logger
}

// logNew replaces log.New.
func logNew(out io.Writer, prefix string, flag int) *logLogger {
	return &logLogger{log.New(out, prefix, flag)}
}

// Fatal logs v as Print does, then panics.
func (l *logLogger) Fatal(v ...any) { l.Panic(v...) }

// Fatalf logs as Printf does, then panics.
func (l *logLogger) Fatalf(format string, v ...any) { l.Panicf(format, v...) }

// Fatalln logs v as Println does, then panics.
func (l *logLogger) Fatalln(v ...any) { l.Panicln(v...) }
