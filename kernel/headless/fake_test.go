package headless

import (
	"context"
	"os"
	"strings"

	"github.com/golign/golign/kernel"
)

// fakeInterpreter runs a tiny command language, one command per line, so
// that the runner's handling of every kind of output can be tested without
// the Go session:
//
//	out TEXT / err TEXT        a line on stdout / stderr
//	raw TEXT                   TEXT on stdout, with \r and \n escapes
//	display ID TEXT            display_data (ID "-" for none)
//	update ID TEXT             update_display_data
//	png ID                     display_data of a PNG image
//	result TEXT                execute_result
//	clear / clearwait          clear_output
//	input PROMPT               ask for input and print the answer
//	fail NAME VALUE            the execution fails
//	sleep                      wait until interrupted
//	hang                       block, ignoring interrupts, until released
//	args                       print os.Args
type fakeInterpreter struct {
	executed []kernel.ExecuteRequest
	release  chan struct{}
}

func (f *fakeInterpreter) Info() kernel.Info {
	return kernel.Info{Implementation: "fake", Language: kernel.LanguageInfo{Name: "go", Version: "1.26", MIMEType: "text/x-go", FileExtension: ".go"}}
}

func (f *fakeInterpreter) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Publisher) kernel.ExecuteReply {
	f.executed = append(f.executed, req)
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		id, text, _ := strings.Cut(arg, " ")
		if id == "-" {
			id = ""
		}
		switch cmd {
		case "out":
			out.Stream("stdout", arg+"\n")
		case "err":
			out.Stream("stderr", arg+"\n")
		case "raw":
			out.Stream("stdout", strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(arg))
		case "display":
			out.Display(kernel.MIMEBundle{"text/plain": text}, nil, id, false)
		case "update":
			out.Display(kernel.MIMEBundle{"text/plain": text}, nil, id, true)
		case "png":
			out.Display(kernel.MIMEBundle{"image/png": "iVBORw0KGgo=", "text/plain": "<plot>"}, map[string]any{"image/png": map[string]any{"width": 10}}, id, false)
		case "result":
			out.Result(kernel.MIMEBundle{"text/plain": arg}, nil)
		case "clear":
			out.ClearOutput(false)
		case "clearwait":
			out.ClearOutput(true)
		case "input":
			answer, err := out.Input(arg, false)
			if err != nil {
				return kernel.ExecuteReply{Status: kernel.StatusError, Error: &kernel.Error{Name: "InputError", Value: err.Error()}}
			}
			out.Stream("stdout", answer+"\n")
		case "fail":
			return kernel.ExecuteReply{Status: kernel.StatusError, Error: &kernel.Error{Name: id, Value: text, Traceback: []string{id + ": " + text}}}
		case "sleep":
			<-ctx.Done()
			return kernel.ExecuteReply{Status: kernel.StatusError, Error: &kernel.Error{Name: "Interrupted", Value: "interrupted"}}
		case "hang":
			<-f.release
		case "args":
			out.Stream("stdout", strings.Join(os.Args[1:], ",")+"\n")
		}
	}
	return kernel.ExecuteReply{Status: kernel.StatusOK}
}

func (f *fakeInterpreter) Complete(string, int) kernel.CompleteReply { return kernel.CompleteReply{} }
func (f *fakeInterpreter) Inspect(string, int, int) kernel.InspectReply {
	return kernel.InspectReply{}
}
func (f *fakeInterpreter) IsComplete(string) kernel.IsCompleteReply {
	return kernel.IsCompleteReply{Status: kernel.Complete}
}
func (f *fakeInterpreter) Shutdown(bool) {}
