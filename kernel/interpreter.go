package kernel

import (
	"context"
	"errors"
)

// Interpreter is the language side of a kernel: the protocol server owns the
// sockets, signing, threads and message plumbing, and hands every request that
// needs the language to an Interpreter. The server serialises the calls of the
// shell channel, so an Interpreter sees at most one of Execute, Complete,
// Inspect and IsComplete at a time. An interrupt cancels the context given to
// Execute.
type Interpreter interface {
	// Info describes the language for kernel_info_reply.
	Info() Info
	// Execute runs req.Code, publishing what the code writes and displays
	// through out while it runs. A cancelled ctx means the user interrupted
	// the execution.
	Execute(ctx context.Context, req ExecuteRequest, out Publisher) ExecuteReply
	// Complete lists completions of code at the cursor, a position counted in
	// Unicode code points as the messaging protocol counts it.
	Complete(code string, cursor int) CompleteReply
	// Inspect describes the object at the cursor; detail is 0 or 1.
	Inspect(code string, cursor, detail int) InspectReply
	// IsComplete tells whether code is ready to execute.
	IsComplete(code string) IsCompleteReply
	// Shutdown releases the interpreter's resources; restart is true when
	// the frontend will start a new kernel.
	Shutdown(restart bool)
}

// Info is the language description of kernel_info_reply.
type Info struct {
	Implementation        string
	ImplementationVersion string
	Banner                string
	Language              LanguageInfo
	HelpLinks             []HelpLink
}

// LanguageInfo is the language_info field of kernel_info_reply.
type LanguageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	MIMEType          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	PygmentsLexer     string `json:"pygments_lexer"`
	CodeMirrorMode    string `json:"codemirror_mode"`
	NBConvertExporter string `json:"nbconvert_exporter,omitempty"`
}

// HelpLink is one entry of the help menu a frontend shows.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// ExecuteRequest is the content of an execute_request, with the execution
// count the kernel assigned to it.
type ExecuteRequest struct {
	Code            string
	Silent          bool
	StoreHistory    bool
	AllowStdin      bool
	StopOnError     bool
	UserExpressions map[string]string
	// Count is the execution count of this request (unchanged from the
	// previous one when Silent or !StoreHistory).
	Count int
}

// Execution statuses of an ExecuteReply.
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusAborted = "aborted"
)

// ExecuteReply is the outcome of an execution.
type ExecuteReply struct {
	// Status is StatusOK, StatusError or StatusAborted.
	Status string
	// Error describes the failure when Status is StatusError; the server
	// publishes it as an error message and copies it into the reply.
	Error *Error
	// Payload carries deprecated-but-supported payloads such as the pager
	// ({"source": "page", "data": {...}, "start": 0}).
	Payload []map[string]any
	// UserExpressions holds the results of req.UserExpressions.
	UserExpressions map[string]any
}

// Error is an error raised by executed code.
type Error struct {
	Name      string
	Value     string
	Traceback []string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Name + ": " + e.Value }

// MIMEBundle maps MIME types to data: strings for text types and base64 for
// binary images, JSON values for application/json.
type MIMEBundle map[string]any

// Publisher is how an Interpreter talks back to the frontend while it
// executes code: everything sent through it goes out on iopub (or stdin for
// Input) with the execute_request as parent.
type Publisher interface {
	// Stream sends text written to "stdout" or "stderr".
	Stream(name, text string)
	// Display sends display_data, or update_display_data when update is
	// true; displayID may be empty when update is false.
	Display(data MIMEBundle, metadata map[string]any, displayID string, update bool)
	// Result sends the execute_result of the request being executed.
	Result(data MIMEBundle, metadata map[string]any)
	// ClearOutput asks the frontend to clear the output area, when the next
	// output arrives if wait is true.
	ClearOutput(wait bool)
	// Input asks the user for a line of input and returns it without the
	// newline. It returns ErrStdinNotAllowed when the frontend does not
	// accept input requests.
	Input(prompt string, password bool) (string, error)
}

// ErrStdinNotAllowed is returned by Publisher.Input when the frontend did not
// allow input requests for the execution in progress.
var ErrStdinNotAllowed = errors.New("this frontend does not support input requests (allow_stdin is false)")

// CompleteReply is the content of a complete_reply.
type CompleteReply struct {
	Matches     []string
	CursorStart int
	CursorEnd   int
	// Types, when set, has one entry per match for the
	// _jupyter_types_experimental metadata.
	Types []CompletionType
}

// CompletionType describes one completion match.
type CompletionType struct {
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Text      string `json:"text"`
	Type      string `json:"type"`
	Signature string `json:"signature,omitempty"`
}

// InspectReply is the content of an inspect_reply.
type InspectReply struct {
	Found    bool
	Data     MIMEBundle
	Metadata map[string]any
}

// Statuses of an IsCompleteReply.
const (
	Complete   = "complete"
	Incomplete = "incomplete"
	Invalid    = "invalid"
	Unknown    = "unknown"
)

// IsCompleteReply is the content of an is_complete_reply.
type IsCompleteReply struct {
	Status string
	// Indent is the indentation of the next line when Status is Incomplete.
	Indent string
}
