package nbformat

import "time"

// timestampLayout is the form of the timing metadata nbclient writes.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// Keys of the "execution" cell metadata where Jupyter's nbclient records
// when a cell ran.
const (
	timingStart = "iopub.execute_input"
	timingEnd   = "shell.execute_reply"
)

// SetTiming records in the cell metadata that the cell ran from started to
// ended, under "execution" with the keys nbclient uses.
func (c *Cell) SetTiming(started, ended time.Time) {
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	s, e := started.UTC().Format(timestampLayout), ended.UTC().Format(timestampLayout)
	c.Metadata["execution"] = map[string]any{
		"iopub.status.busy": s,
		timingStart:         s,
		timingEnd:           e,
		"iopub.status.idle": e,
	}
}

// Duration returns how long the cell ran according to its timing
// metadata (see SetTiming), and false when it has none.
func (c *Cell) Duration() (time.Duration, bool) {
	timing, ok := c.Metadata["execution"].(map[string]any)
	if !ok {
		return 0, false
	}
	parse := func(key string) (time.Time, bool) {
		s, ok := timing[key].(string)
		if !ok {
			return time.Time{}, false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	start, ok1 := parse(timingStart)
	end, ok2 := parse(timingEnd)
	if !ok1 || !ok2 || end.Before(start) {
		return 0, false
	}
	return end.Sub(start), true
}
