package display

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/golign/golign/alignment/job"
)

// decodePNG decodes the base64 PNG of a bundle.
func decodePNG(t *testing.T, d Data) image.Image {
	t.Helper()
	s, ok := d.MIME[MIMEPNG].(string)
	if !ok {
		t.Fatalf("no image/png in %v", d.MIME)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImage(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 7, 5))
	src.Set(3, 2, color.RGBA{R: 200, G: 10, B: 30, A: 255})
	d := Image(src)
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	got := decodePNG(t, d)
	if got.Bounds() != src.Bounds() {
		t.Fatalf("bounds %v, want %v", got.Bounds(), src.Bounds())
	}
	for y := 0; y < 5; y++ {
		for x := 0; x < 7; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := src.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("pixel (%d,%d) differs", x, y)
			}
		}
	}
	if d.String() != "<PNG image 7×5>" {
		t.Errorf("text %q", d.String())
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		d    Data
		want string
	}{
		{"PNG of other bytes", PNG([]byte("not a png")), "not a PNG image"},
		{"JPEG of other bytes", JPEG([]byte{1, 2, 3}), "not a JPEG image"},
		{"nil image", Image(nil), "nil image"},
		{"nil plot", Plot(nil), "nil plot"},
		{"JSON of a channel", JSON(make(chan int)), "JSON"},
		{"plot format", PlotSized(plot.New(), PlotWidth, PlotHeight, "gif"), "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.d.Err == nil || !strings.Contains(tt.d.Err.Error(), tt.want) {
				t.Errorf("Err = %v, want one containing %q", tt.d.Err, tt.want)
			}
			if tt.d.String() != tt.d.Err.Error() {
				t.Errorf("text %q does not carry the error", tt.d.String())
			}
		})
	}
}

func TestPlot(t *testing.T) {
	p := plot.New()
	p.Title.Text = "line"
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 2}, {X: 2, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line)
	img := decodePNG(t, Plot(p))
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 384 {
		t.Errorf("PNG size %v, want 576×384", b.Size())
	}
	svg := PlotSVG(p)
	if s, _ := svg.MIME[MIMESVG].(string); !strings.Contains(s, "<svg") {
		t.Errorf("PlotSVG gave %.80q", s)
	}
	if Render(p).MIME[MIMEPNG] == nil {
		t.Errorf("Render of a plot has no PNG")
	}
}

func TestJSONAndBundle(t *testing.T) {
	d := JSON(map[string]any{"a": []int{1, 2}})
	tree, ok := d.MIME[MIMEJSON].(map[string]any)
	if !ok || len(tree["a"].([]any)) != 2 {
		t.Errorf("application/json %v", d.MIME[MIMEJSON])
	}
	b := Bundle(map[string]any{"image/png": []byte{1, 2, 3}, "text/latex": "$x$"})
	if b.MIME["image/png"] != base64.StdEncoding.EncodeToString([]byte{1, 2, 3}) {
		t.Errorf("binary image not base64: %v", b.MIME["image/png"])
	}
	if b.MIME[MIMEText] != "<image/png, text/latex>" {
		t.Errorf("text/plain %v", b.MIME[MIMEText])
	}
}

// recordingSink keeps what it receives.
type recordingSink struct {
	mu      sync.Mutex
	shown   []shown
	cleared int
}

type shown struct {
	data   map[string]any
	id     string
	update bool
}

func (r *recordingSink) Display(data, _ map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, shown{data, id, update})
}
func (r *recordingSink) ClearOutput(bool) { r.cleared++ }
func (r *recordingSink) Input(prompt string, password bool) (string, error) {
	if password {
		return "secret:" + prompt, nil
	}
	return "line:" + prompt, nil
}

func withSink(t *testing.T) *recordingSink {
	r := &recordingSink{}
	prev := SetSink(r)
	t.Cleanup(func() { SetSink(prev) })
	return r
}

func TestSinkAndAreas(t *testing.T) {
	r := withSink(t)
	Show("plain", HTML("<b>x</b>"), 3)
	a := New()
	a.Update(Text("first"))
	a.Update(Markdown("*second*"))
	ClearOutput(true)
	if len(r.shown) != 5 {
		t.Fatalf("%d displays, want 5", len(r.shown))
	}
	if r.shown[0].data[MIMEText] != "plain" || r.shown[1].data[MIMEHTML] != "<b>x</b>" || r.shown[2].data[MIMEText] != "3" {
		t.Errorf("Show gave %v", r.shown[:3])
	}
	if r.shown[3].id != a.ID() || r.shown[3].update || r.shown[4].id != a.ID() || !r.shown[4].update {
		t.Errorf("area: %+v", r.shown[3:])
	}
	if r.cleared != 1 {
		t.Errorf("cleared %d times", r.cleared)
	}
	if New().ID() == a.ID() {
		t.Errorf("two areas share an ID")
	}
	if s, _ := Input("name? "); s != "line:name? " {
		t.Errorf("Input = %q", s)
	}
	if s, _ := ReadPassword("key? "); s != "secret:key? " {
		t.Errorf("ReadPassword = %q", s)
	}
}

func TestProgress(t *testing.T) {
	r := withSink(t)
	p := NewProgress("train", 1000)
	for range 1000 {
		p.Add(1)
	}
	p.Done(nil)
	p.Done(errors.New("ignored after the end"))
	if len(r.shown) < 2 || len(r.shown) > 4 {
		t.Fatalf("%d displays for a fast loop, want the first, at most a couple of updates, and the end", len(r.shown))
	}
	first, last := r.shown[0], r.shown[len(r.shown)-1]
	if first.update || !last.update || first.id != last.id {
		t.Errorf("first %+v, last %+v: want one display updated", first, last)
	}
	text := last.data[MIMEText].(string)
	if !strings.Contains(text, "1000/1000") || !strings.Contains(text, "done") || !strings.Contains(text, strings.Repeat("#", 30)) {
		t.Errorf("final bar %q", text)
	}
	if !strings.Contains(last.data[MIMEHTML].(string), `value="1000" max="1000"`) {
		t.Errorf("final HTML %q", last.data[MIMEHTML])
	}
}

func TestJobReporter(t *testing.T) {
	r := withSink(t)
	var rep job.Reporter = JobReporter{}
	m := rep.Begin("epochs", 10)
	m.Update(4)
	m.End(4, job.ErrInterrupted)
	if len(r.shown) < 2 {
		t.Fatalf("%d displays", len(r.shown))
	}
	last := r.shown[len(r.shown)-1]
	if text := last.data[MIMEText].(string); !strings.Contains(text, "epochs") || !strings.Contains(text, "4/10") || !strings.Contains(text, "interrupted") {
		t.Errorf("final bar %q", text)
	}
	if !last.update || last.id != r.shown[0].id {
		t.Errorf("the end does not update the bar: %+v", last)
	}
}
