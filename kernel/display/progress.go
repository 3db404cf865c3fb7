package display

import (
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/golign/golign/alignment/job"
)

// Progress is a progress bar in the output of a cell: a label, a bar, the
// count of finished steps, the rate and the estimated time left. Updates are
// rate-limited (five a second in a notebook, one every two seconds on a
// terminal), so calling Add in a tight loop is cheap.
type Progress struct {
	mu       sync.Mutex
	area     *Area
	label    string
	total    int
	done     int
	start    time.Time
	last     time.Time
	finished bool
}

// NewProgress shows a progress bar for total steps (0 or less when the total
// is unknown) named label.
func NewProgress(label string, total int) *Progress {
	p := &Progress{area: New(), label: label, total: max(total, 0), start: time.Now()}
	p.last = p.start
	p.area.Show(p.render(time.Now(), nil))
	return p
}

// Add records n more finished steps.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(p.done+n, false, nil)
}

// Set records that done steps are finished.
func (p *Progress) Set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(done, false, nil)
}

// Done shows the bar as finished, or as failed with err when err is not nil.
// Later calls have no effect.
func (p *Progress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.set(p.done, true, err)
}

// set updates the count and redraws when the rate limit allows it or when
// the bar ends. p.mu is held.
func (p *Progress) set(done int, end bool, err error) {
	if p.finished {
		return
	}
	p.done = done
	now := time.Now()
	interval := 200 * time.Millisecond
	if !attached() {
		interval = 2 * time.Second
	}
	if !end && now.Sub(p.last) < interval {
		return
	}
	p.last = now
	p.finished = end
	var status error
	if end {
		status = err
		if status == nil {
			status = errFinished
		}
	}
	p.area.Update(p.render(now, status))
}

var errFinished = fmt.Errorf("finished")

// render draws the bar: a <progress> element and a line of figures in HTML,
// and a text bar of 30 cells for text frontends. status is nil while
// running, errFinished on success, and the failure otherwise.
func (p *Progress) render(now time.Time, status error) Data {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.done) / s
	}
	count := fmt.Sprint(p.done)
	if p.total > 0 {
		count = fmt.Sprintf("%d/%d", p.done, p.total)
	}
	figures := fmt.Sprintf("%s [%s, %.3g/s", count, elapsed.Round(time.Second), rate)
	if status == nil && p.total > 0 && rate > 0 && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		figures += fmt.Sprintf(", %s left", left.Round(time.Second))
	}
	figures += "]"
	switch {
	case status == errFinished:
		figures += " done"
	case status != nil:
		figures += " " + status.Error()
	}

	const cells = 30
	bar := strings.Repeat("?", cells)
	value := ""
	if p.total > 0 {
		fraction := min(float64(p.done)/float64(p.total), 1)
		full := int(fraction * cells)
		bar = strings.Repeat("#", full) + strings.Repeat(".", cells-full)
		value = fmt.Sprintf(` value="%d" max="%d"`, min(p.done, p.total), p.total)
	}
	text := fmt.Sprintf("%s |%s| %s", p.label, bar, figures)
	htm := fmt.Sprintf(`<div style="font-family:monospace">%s <progress style="width:30ch"%s></progress> %s</div>`,
		html.EscapeString(p.label), value, html.EscapeString(figures))
	return Data{MIME: map[string]any{MIMEText: text, MIMEHTML: htm}}
}

// JobReporter shows the progress of alignment library computations
// (job.Start) as progress bars. Runtimes bind it with job.Bind for each
// cell.
type JobReporter struct{}

// Begin implements job.Reporter.
func (JobReporter) Begin(label string, total int) job.Meter {
	return jobMeter{NewProgress(label, total)}
}

type jobMeter struct{ p *Progress }

func (m jobMeter) Update(done int) { m.p.Set(done) }

func (m jobMeter) End(done int, err error) {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	m.p.set(done, true, err)
}
