// Command golign is a Jupyter kernel and scripting runtime for Go. Each
// subcommand lives in its own file and registers itself from init; run
// "golign help" for the list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand of golign.
type command struct {
	// name is the word that selects the command.
	name string
	// usage shows the arguments after the name, as in "-f CONNECTION.json".
	usage string
	// summary is one line for "golign help".
	summary string
	// run executes the command with the arguments after its name.
	run func(args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; registering a name twice is a programming
// error and panics at start-up.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("golign: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

// usageError is a mistake in the command line: main prints it with the
// command's usage and exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// newFlagSet returns a flag set for command name that reports mistakes as
// usageErrors instead of printing them and exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("golign "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// helpRequest is returned when the arguments ask for a command's help
// ("-h"); it holds the description of the command's flags.
type helpRequest struct{ flags string }

func (h helpRequest) Error() string { return "help requested" }

// parseFlags parses args into fs; "-h" asks for the command's help.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return helpRequest{b.String()}
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}

func init() {
	register(command{name: "help", usage: "[COMMAND]", summary: "list the commands, or show one command's usage", run: runHelp})
	register(command{name: "version", summary: "print golign's version", run: runVersion})
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the command named by args[0] and returns the exit status.
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "golign: no command given")
		printCommands(stderr)
		return 2
	}
	name := strings.TrimLeft(args[0], "-")
	if name == "h" {
		name = "help"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "golign: unknown command %q\n", args[0])
		printCommands(stderr)
		return 2
	}
	err := c.run(args[1:])
	var usage usageError
	var help helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		fmt.Fprintf(stdout, "usage: golign %s %s\n\n%s\n\n%s", c.name, c.usage, c.summary, help.flags)
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "golign %s: %v\nusage: golign %s %s\n", c.name, usage.msg, c.name, c.usage)
		return 2
	default:
		fmt.Fprintf(stderr, "golign %s: %v\n", c.name, err)
		return 1
	}
}

func printCommands(w io.Writer) {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: golign COMMAND [ARGUMENTS]\n\ncommands:")
	for _, name := range names {
		c := commands[name]
		fmt.Fprintf(w, "  %-8s %s\n", name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"golign help COMMAND\" for a command's arguments.")
}

func runHelp(args []string) error {
	switch len(args) {
	case 0:
		printCommands(os.Stdout)
		return nil
	case 1:
		c, ok := commands[args[0]]
		if !ok {
			return usagef("unknown command %q", args[0])
		}
		fmt.Printf("usage: golign %s %s\n\n%s\n", c.name, c.usage, c.summary)
		return nil
	}
	return usagef("too many arguments")
}

// version is set at link time with -ldflags "-X main.version=…"; when it
// is empty the module version recorded in the binary is used.
var version string

func runVersion(args []string) error {
	if len(args) > 0 {
		return usagef("takes no arguments")
	}
	fmt.Println("golign", golignVersion())
	return nil
}

func golignVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
