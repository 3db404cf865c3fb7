package report

import (
	"bytes"
	"encoding/base64"
	"html"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golign/golign/kernel/nbformat"
)

var tag = regexp.MustCompile(`<[^>]*>`)

// text returns what a browser shows of HTML without markup.
func text(h string) string { return html.UnescapeString(tag.ReplaceAllString(h, "")) }

func TestHighlightGoKeepsTheSourceText(t *testing.T) {
	sources := []string{
		"x := 1 // one\nfmt.Println(x < 2 && x > 0)\n",
		"func f(a int) string {\n\treturn `raw\n<multi>` + \"q\\\"<\" + string('x')\n}",
		"%time heavy()\n",
		"s := \"unterminated\n/* open comment",
		"π := 3.14e-2i + 0x1F // ünïcödé & <tags>\r\nvar _ = #illegal ?",
		"",
	}
	for _, src := range sources {
		got := text(HighlightGo(src))
		if want := strings.ReplaceAll(src, "\r\n", "\n"); got != want {
			t.Errorf("HighlightGo(%q) shows %q", src, got)
		}
	}
}

func TestHighlightGoClasses(t *testing.T) {
	h := HighlightGo("func main() {\n\tx := len(\"s\") + 2 // done\n\tfmt.Println(x, nil)\n}")
	for _, want := range []string{
		`<span class="kw">func</span>`, `<span class="fn">main</span>`, `<span class="bi">len</span>`,
		`<span class="str">&#34;s&#34;</span>`, `<span class="num">2</span>`, `<span class="com">// done</span>`,
		`<span class="fn">Println</span>`, `<span class="bi">nil</span>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("missing %s in\n%s", want, h)
		}
	}
	if strings.Contains(h, `class="fn">fmt`) || strings.Contains(h, `class="fn">x`) {
		t.Errorf("non-call identifier marked as a function:\n%s", h)
	}
}

func TestANSIToHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain <b>", "plain &lt;b&gt;"},
		{"\x1b[31mred\x1b[0m back", `<span style="color:#cd3131">red</span> back`},
		{"\x1b[1;92mok\x1b[m", `<span style="font-weight:bold;color:#14b853">ok</span>`},
		{"\x1b[38;5;196mx\x1b[39m", `<span style="color:rgb(255,0,0)">x</span>`},
		{"\x1b[38;2;1;2;3;48;5;232mx", `<span style="color:rgb(1,2,3);background-color:rgb(8,8,8)">x</span>`},
		{"50%\x1b[2K\x1b[1Gdone", "50%done"},
		{"lone \x1b escape", "lone  escape"},
		{"cut \x1b[31", "cut "},
	}
	for _, tt := range tests {
		if got := ANSIToHTML(tt.in); got != tt.want {
			t.Errorf("ANSIToHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func pngBase64(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestReportShowsCellsAndOutputs(t *testing.T) {
	img := pngBase64(t)
	three := 3
	code := &nbformat.Cell{ID: "c1", Type: nbformat.CodeCell, Source: "x := 41\nx + 1", ExecutionCount: &three,
		Outputs: []*nbformat.Output{
			{Type: nbformat.StreamOutput, Name: "stdout", Text: "hello <world>\n"},
			{Type: nbformat.DisplayDataOutput, Data: nbformat.MIMEBundle{"image/png": img, "text/plain": "<plot>"},
				Metadata: map[string]any{"image/png": map[string]any{"width": 300}}},
			{Type: nbformat.DisplayDataOutput, Data: nbformat.MIMEBundle{"text/html": "<table><tr><td>inline html</td></tr></table>"}},
			{Type: nbformat.DisplayDataOutput, Data: nbformat.MIMEBundle{"text/markdown": "**bold** result"}},
			{Type: nbformat.ExecuteResultOutput, ExecutionCount: &three, Data: nbformat.MIMEBundle{"text/plain": "42"}},
			{Type: nbformat.ErrorOutput, EName: "panic", EValue: "boom", Traceback: []string{"\x1b[31mpanic\x1b[0m: boom"}},
		}}
	code.SetTiming(time.Unix(0, 0), time.Unix(0, 0).Add(1250*time.Millisecond))
	nb := nbformat.New()
	nb.Metadata["language_info"] = map[string]any{"name": "go", "version": "1.26"}
	nb.Cells = []*nbformat.Cell{
		{Type: nbformat.MarkdownCell, Source: "# The *tour*\n\nSome `code` and a [link](https://go.dev).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![att](attachment:pic.png)",
			Attachments: map[string]nbformat.MIMEBundle{"pic.png": {"image/png": img}}},
		code,
		{Type: nbformat.RawCell, Source: "raw <text>"},
	}
	var b bytes.Buffer
	if err := Write(&b, nb, Options{Source: "tour.ipynb"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"<title>The tour</title>",
		"<h1>The <em>tour</em></h1>",
		"<code>code</code>",
		`<a href="https://go.dev">link</a>`,
		"<td>1</td>",
		`<img src="data:image/png;base64,` + img + `" alt="att"`,
		`<img src="data:image/png;base64,` + img + `" width="300" alt="output image">`,
		`<span class="num">41</span>`,
		"In [3]", "Out [3]", "1.25 s", "ran in 1.25 s", "go 1.26", "tour.ipynb", "1 errors",
		"hello &lt;world&gt;",
		"<td>inline html</td>",
		"<strong>bold</strong> result",
		`<span style="color:#cd3131">panic</span>: boom`,
		"raw &lt;text&gt;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "\x1b") {
		t.Error("escape sequences left in the page")
	}
	// Self-contained: nothing is fetched from elsewhere.
	for _, external := range []string{`src="http`, "<link", "<script", "@import", "url(http"} {
		if strings.Contains(page, external) {
			t.Errorf("page refers to an external resource: %s", external)
		}
	}
}

func TestChooseMIMEPrefersRichest(t *testing.T) {
	tests := []struct {
		data nbformat.MIMEBundle
		want string
	}{
		{nbformat.MIMEBundle{"text/plain": "", "image/png": ""}, "image/png"},
		{nbformat.MIMEBundle{"text/plain": "", "text/html": "", "image/png": ""}, "text/html"},
		{nbformat.MIMEBundle{"application/vnd.custom": "", "text/plain": ""}, "text/plain"},
		{nbformat.MIMEBundle{"application/vnd.custom": ""}, "application/vnd.custom"},
	}
	for _, tt := range tests {
		if got := chooseMIME(tt.data); got != tt.want {
			t.Errorf("chooseMIME(%v) = %s, want %s", tt.data, got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{850 * time.Microsecond, "850 µs"}, {12 * time.Millisecond, "12 ms"},
		{1250 * time.Millisecond, "1.25 s"}, {125 * time.Second, "2m05s"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func FuzzHighlightGo(f *testing.F) {
	f.Add("x := 1 // one\nfmt.Println(x < 2)\n")
	f.Add("func f() string { return `raw\n` + \"q\\\"\" }")
	f.Add("%time heavy()\n/* open")
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			return
		}
		// Highlighting only adds markup: the text shown is the source.
		if got, want := text(HighlightGo(src)), strings.ReplaceAll(src, "\r\n", "\n"); got != want {
			t.Errorf("HighlightGo(%q) shows %q", src, got)
		}
	})
}
