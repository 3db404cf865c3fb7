package session

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/golign/golign/kernel"
	"github.com/golign/golign/kernel/gocode"
)

// magicHelp is what %help prints.
const magicHelp = `golign magic commands (a line of their own, anywhere in a cell):

  %help             this list
  %time             (first line) run the rest of the cell and print its wall time
  %env              list the environment; %env NAME shows a variable,
                    %env NAME=VALUE sets it for the kernel and the commands it runs
  %who              list the variables, functions, types and packages the cells defined
  %reset            forget every definition and import (a fresh interpreter)
  !command          run command with sh, its output streamed to the cell
  ?name, name?      show the documentation of name (a cell of its own), as
                    Shift-Tab does; name may be pkg.Name or pkg.Type.Method
`

// magicLine matches a line holding a magic command.
var magicLine = regexp.MustCompile(`^\s*(%%?[a-z]+\b|!)`)

// docQuery matches a documentation request: ?name or name?.
var docQuery = regexp.MustCompile(`^\s*(?:\?([\w.]+)|([\w.]+)\?)\s*$`)

// executeCell runs code — Go and magic lines in order — and publishes the
// result of its last Go expression unless silent.
func (s *Session) executeCell(ctx context.Context, code string, silent bool, reply *kernel.ExecuteReply) *kernel.Error {
	if m := docQuery.FindStringSubmatch(code); m != nil {
		return s.showDoc(m[1]+m[2], reply)
	}
	lines := strings.Split(code, "\n")
	if first := strings.TrimSpace(lines[0]); first == "%time" || first == "%%time" {
		start := time.Now()
		kerr := s.executeCell(ctx, strings.Join(lines[1:], "\n"), silent, reply)
		s.capture.sync()
		fmt.Fprintf(os.Stdout, "wall time: %v\n", time.Since(start).Round(time.Microsecond))
		return kerr
	}
	var goLines []string
	flush := func(last bool) *kernel.Error {
		src := strings.Join(goLines, "\n")
		goLines = goLines[:0]
		if strings.TrimSpace(src) == "" {
			return nil
		}
		res, kerr := s.run(ctx, src)
		s.forgetCompiled()
		if kerr != nil {
			return kerr
		}
		if res != nil && last && !silent {
			s.capture.sync()
			s.publisher().Result(res.data, res.metadata)
		}
		return nil
	}
	for i, line := range lines {
		if !magicLine.MatchString(line) {
			goLines = append(goLines, line)
			continue
		}
		// Keep line numbers of the Go code: a magic line counts as empty.
		if kerr := flush(false); kerr != nil {
			return kerr
		}
		goLines = append(goLines, make([]string, i+1)...)
		if kerr := s.magic(ctx, strings.TrimSpace(line)); kerr != nil {
			return kerr
		}
	}
	if kerr := flush(true); kerr != nil {
		return kerr
	}
	s.sources = append(s.sources, code)
	return nil
}

// magic runs one magic line.
func (s *Session) magic(ctx context.Context, line string) *kernel.Error {
	if cmd, ok := strings.CutPrefix(line, "!"); ok {
		return s.shell(ctx, cmd)
	}
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch strings.TrimLeft(name, "%") {
	case "help":
		os.Stdout.WriteString(magicHelp)
	case "env":
		s.env(arg)
	case "who":
		s.who()
	case "reset":
		if err := s.reset(); err != nil {
			return &kernel.Error{Name: ErrInternal, Value: err.Error(), Traceback: []string{err.Error()}}
		}
		os.Stdout.WriteString("all definitions and imports forgotten\n")
	case "time":
		return &kernel.Error{Name: ErrSyntax, Value: "%time must be the first line of the cell",
			Traceback: []string{"SyntaxError: %time must be the first line of the cell"}}
	default:
		msg := fmt.Sprintf("unknown magic command %s (%%help lists them)", name)
		return &kernel.Error{Name: ErrSyntax, Value: msg, Traceback: []string{"SyntaxError: " + msg}}
	}
	return nil
}

// shell runs cmd with sh; its output goes to the cell as it comes, through
// the captured file descriptors. An interrupt kills it.
func (s *Session) shell(ctx context.Context, cmd string) *kernel.Error {
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	err := c.Run()
	if ctx.Err() != nil {
		return &kernel.Error{Name: ErrInterrupted, Value: "the command was interrupted", Traceback: []string{"Interrupted: !" + cmd}}
	}
	if err != nil {
		msg := fmt.Sprintf("!%s: %v", cmd, err)
		return &kernel.Error{Name: "CommandError", Value: msg, Traceback: []string{"CommandError: " + msg}}
	}
	return nil
}

// env lists, shows or sets environment variables.
func (s *Session) env(arg string) {
	if arg == "" {
		vars := os.Environ()
		sort.Strings(vars)
		os.Stdout.WriteString(strings.Join(vars, "\n") + "\n")
		return
	}
	name, value, set := strings.Cut(arg, "=")
	if !set {
		name, value, set = strings.Cut(arg, " ")
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !set {
		v, ok := os.LookupEnv(name)
		if !ok {
			fmt.Fprintf(os.Stdout, "%s is not set\n", name)
			return
		}
		fmt.Fprintln(os.Stdout, v)
		return
	}
	os.Setenv(name, value)
	fmt.Fprintf(os.Stdout, "env: %s=%s\n", name, value)
}

// who prints the names the cells defined, with their kinds and the types of
// variables.
func (s *Session) who() {
	names := scope{s}.Names()
	if len(names) == 0 {
		os.Stdout.WriteString("nothing defined yet\n")
		return
	}
	var b strings.Builder
	for _, n := range names {
		switch {
		case n.Kind == gocode.KindPackage:
			fmt.Fprintf(&b, "%-20s package %q\n", n.Name, n.Path)
		case n.Kind == gocode.KindVar:
			t, ok := s.globalType(n.Name)
			if ok {
				fmt.Fprintf(&b, "%-20s var %v\n", n.Name, t)
			} else {
				fmt.Fprintf(&b, "%-20s var\n", n.Name)
			}
		default:
			fmt.Fprintf(&b, "%-20s %s\n", n.Name, n.Kind)
		}
	}
	os.Stdout.WriteString(b.String())
}

// showDoc puts the documentation of name in the pager.
func (s *Session) showDoc(name string, reply *kernel.ExecuteReply) *kernel.Error {
	doc, ok := gocode.Inspect(name, len([]rune(name)), scope{s})
	if !ok {
		msg := "no documentation found for " + name
		return &kernel.Error{Name: "NameError", Value: msg, Traceback: []string{"NameError: " + msg}}
	}
	reply.Payload = append(reply.Payload, map[string]any{
		"source": "page",
		"data":   map[string]any{"text/plain": doc.PlainText(), "text/markdown": doc.Markdown()},
		"start":  0,
	})
	return nil
}
