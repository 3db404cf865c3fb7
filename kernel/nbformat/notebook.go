package nbformat

// Version of the notebooks Write produces.
const (
	Major = 4
	Minor = 5
)

// Cell types.
const (
	CodeCell     = "code"
	MarkdownCell = "markdown"
	RawCell      = "raw"
)

// Output types of code cells.
const (
	StreamOutput        = "stream"
	DisplayDataOutput   = "display_data"
	ExecuteResultOutput = "execute_result"
	ErrorOutput         = "error"
)

// Notebook is a Jupyter notebook.
type Notebook struct {
	// Format and FormatMinor are the nbformat version the notebook was
	// read with; Write always writes 4.5.
	Format, FormatMinor int
	// Metadata is the notebook metadata (kernelspec, language_info, and
	// anything else), as decoded JSON values: map[string]any, []any,
	// string, json.Number, bool or nil.
	Metadata map[string]any
	Cells    []*Cell
	// Extra holds top-level fields this package does not know.
	Extra map[string]any
}

// Cell is one cell of a notebook.
type Cell struct {
	// ID is the cell id (nbformat 4.5); Write generates one when empty.
	ID string
	// Type is CodeCell, MarkdownCell or RawCell.
	Type string
	// Source is the cell's text.
	Source   string
	Metadata map[string]any
	// Attachments maps file names to MIME bundles (markdown and raw cells).
	Attachments map[string]MIMEBundle
	// ExecutionCount is the code cell's execution count, nil when the
	// cell has not run.
	ExecutionCount *int
	// Outputs of a code cell.
	Outputs []*Output
	// Extra holds cell fields this package does not know.
	Extra map[string]any
}

// MIMEBundle maps MIME types to data: a string for text types and base64
// images (lists of lines are joined when read), a decoded JSON value for
// application/json and application/*+json.
type MIMEBundle map[string]any

// Output is one output of a code cell; which fields are used depends on
// Type.
type Output struct {
	// Type is StreamOutput, DisplayDataOutput, ExecuteResultOutput or
	// ErrorOutput.
	Type string
	// Name is the stream name, "stdout" or "stderr" (stream).
	Name string
	// Text is the text written to the stream (stream).
	Text string
	// Data is the MIME bundle shown (display_data, execute_result).
	Data MIMEBundle
	// Metadata of the data (display_data, execute_result).
	Metadata map[string]any
	// ExecutionCount is the count of the execution that produced the
	// result (execute_result).
	ExecutionCount *int
	// EName, EValue and Traceback describe an error (error).
	EName, EValue string
	Traceback     []string
	// Extra holds output fields this package does not know.
	Extra map[string]any
}

// New returns an empty nbformat 4.5 notebook.
func New() *Notebook {
	return &Notebook{Format: Major, FormatMinor: Minor, Metadata: map[string]any{}}
}
