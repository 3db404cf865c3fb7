// Package report renders a notebook as one self-contained HTML page: its
// Markdown rendered, its Go code highlighted, its outputs (streams, errors,
// images, HTML, Markdown, JSON) inline with their execution counts and
// timings. Images are embedded as data URIs and the style sheet is in the
// page, so the file opens in any browser without a server or network.
//
// Markdown is rendered with goldmark (CommonMark with the GitHub
// extensions: tables, strikethrough, autolinks, task lists), a maintained
// dependency-free library, rather than with a partial renderer of our own.
package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"

	"github.com/golign/golign/kernel/nbformat"
)

// Options configure a report. The zero value titles the page with the
// notebook's first heading.
type Options struct {
	// Title of the page. If Title is empty, it is the text of the first
	// Markdown heading, or "Notebook".
	Title string
	// Source names the notebook file in the page header; it may be empty.
	Source string
}

//go:embed report.css
var css string

// markdown returns the renderer of CommonMark with GitHub's extensions,
// built on first use (a kernel that writes no report never builds it). Raw
// HTML is kept, as in Jupyter: a notebook's Markdown is written by its
// author.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
})

// RenderMarkdown returns the HTML of CommonMark (with tables,
// strikethrough, autolinks and task lists) text.
func RenderMarkdown(src string) (template.HTML, error) {
	var b bytes.Buffer
	if err := markdown().Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// Write renders nb as an HTML page to w.
func Write(w io.Writer, nb *nbformat.Notebook, opts Options) error {
	page, err := build(nb, opts)
	if err != nil {
		return err
	}
	return pageTemplate().Execute(w, page)
}

// WriteFile renders nb as an HTML page into the file at path, atomically.
func WriteFile(path string, nb *nbformat.Notebook, opts Options) error {
	return nbformat.AtomicWriteFile(path, func(w io.Writer) error { return Write(w, nb, opts) })
}

// page is what the template shows.
type page struct {
	Title, Source, Language string
	CSS                     template.CSS
	Cells                   []cellView
	CodeCells               int
	Failed                  int
	Total                   string
}

type cellView struct {
	ID       string
	Kind     string // "markdown", "code" or "raw"
	HTML     template.HTML
	Prompt   string
	Duration string
	Outputs  []outputView
}

type outputView struct {
	Class  string
	Prompt string
	HTML   template.HTML
}

func build(nb *nbformat.Notebook, opts Options) (*page, error) {
	p := &page{Title: opts.Title, Source: opts.Source, CSS: template.CSS(css)}
	if li, ok := nb.Metadata["language_info"].(map[string]any); ok {
		name, _ := li["name"].(string)
		version, _ := li["version"].(string)
		p.Language = strings.TrimSpace(name + " " + version)
	}
	var total time.Duration
	for _, c := range nb.Cells {
		v := cellView{ID: c.ID, Kind: c.Type}
		switch c.Type {
		case nbformat.MarkdownCell:
			h, err := RenderMarkdown(withAttachments(c.Source, c.Attachments))
			if err != nil {
				return nil, fmt.Errorf("cell %s: %w", c.ID, err)
			}
			v.HTML = h
			if p.Title == "" {
				p.Title = firstHeading(c.Source)
			}
		case nbformat.RawCell:
			if mt, _ := c.Metadata["raw_mimetype"].(string); mt == "text/html" {
				v.HTML = template.HTML(c.Source)
			} else {
				v.HTML = template.HTML("<pre>" + html.EscapeString(c.Source) + "</pre>")
			}
		case nbformat.CodeCell:
			p.CodeCells++
			v.HTML = template.HTML(HighlightGo(c.Source))
			v.Prompt = "[ ]"
			if c.ExecutionCount != nil {
				v.Prompt = fmt.Sprintf("[%d]", *c.ExecutionCount)
			}
			if d, ok := c.Duration(); ok {
				total += d
				v.Duration = FormatDuration(d)
			}
			for _, o := range c.Outputs {
				ov, err := renderOutput(o)
				if err != nil {
					return nil, fmt.Errorf("cell %s: %w", c.ID, err)
				}
				if o.Type == nbformat.ErrorOutput {
					p.Failed++
				}
				v.Outputs = append(v.Outputs, ov)
			}
		}
		p.Cells = append(p.Cells, v)
	}
	if p.Title == "" {
		p.Title = "Notebook"
	}
	if total > 0 {
		p.Total = FormatDuration(total)
	}
	return p, nil
}

// FormatDuration writes a cell's run time the way people read it: "850 µs",
// "12 ms", "1.25 s", "2m05s".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// firstHeading returns the text of the first ATX heading in Markdown src,
// without emphasis and code marks.
func firstHeading(src string) string {
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			return strings.TrimSpace(headingMarks.Replace(strings.TrimLeft(line, "#")))
		}
	}
	return ""
}

// headingMarks removes inline Markdown marks from a heading.
var headingMarks = strings.NewReplacer("*", "", "_", "", "`", "")

// withAttachments replaces the "attachment:NAME" references of Markdown
// with data URIs of the attached images.
func withAttachments(src string, attachments map[string]nbformat.MIMEBundle) string {
	for name, bundle := range attachments {
		for mime, v := range bundle {
			if data, ok := v.(string); ok && strings.HasPrefix(mime, "image/") {
				src = strings.ReplaceAll(src, "attachment:"+name, dataURI(mime, data))
				break
			}
		}
	}
	return src
}

// dataURI returns a data URI for an image: data is base64 except for SVG,
// which is text.
func dataURI(mime, data string) string {
	if mime == "image/svg+xml" {
		return "data:image/svg+xml;charset=utf-8," + urlEscape(data)
	}
	return "data:" + mime + ";base64," + strings.Join(strings.Fields(data), "")
}

// urlEscape percent-encodes the characters of s that cannot appear in a
// data URI inside an HTML attribute.
func urlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || strings.IndexByte(`"%#<>?[\]^`+"`{|}'", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// outputPriority is the order in which the representations of a MIME
// bundle are preferred, richest first, as nbconvert's HTML exporter does.
var outputPriority = []string{"text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "application/json", "text/plain"}

func renderOutput(o *nbformat.Output) (outputView, error) {
	switch o.Type {
	case nbformat.StreamOutput:
		return outputView{Class: "stream " + o.Name, HTML: template.HTML("<pre>" + ANSIToHTML(o.Text) + "</pre>")}, nil
	case nbformat.ErrorOutput:
		text := strings.Join(o.Traceback, "\n")
		if text == "" {
			text = o.EName + ": " + o.EValue
		}
		return outputView{Class: "error", HTML: template.HTML("<pre>" + ANSIToHTML(text) + "</pre>")}, nil
	}
	v := outputView{Class: "display"}
	if o.Type == nbformat.ExecuteResultOutput {
		v.Class = "result"
		if o.ExecutionCount != nil {
			v.Prompt = fmt.Sprintf("[%d]", *o.ExecutionCount)
		}
	}
	mime := chooseMIME(o.Data)
	h, err := renderData(mime, o.Data[mime], o.Metadata)
	v.HTML = h
	return v, err
}

// chooseMIME returns the representation of data to show.
func chooseMIME(data nbformat.MIMEBundle) string {
	for _, m := range outputPriority {
		if _, ok := data[m]; ok {
			return m
		}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// renderData returns the HTML of one representation of an output.
func renderData(mime string, value any, metadata map[string]any) (template.HTML, error) {
	s, isString := value.(string)
	switch {
	case mime == "":
		return "", nil
	case mime == "text/html" && isString:
		return template.HTML(s), nil
	case mime == "text/markdown" && isString:
		return RenderMarkdown(s)
	case strings.HasPrefix(mime, "image/") && isString:
		return template.HTML(`<img src="` + dataURI(mime, s) + `"` + imageSize(mime, metadata) + ` alt="output image">`), nil
	case mime == "text/plain" && isString:
		return template.HTML("<pre>" + ANSIToHTML(s) + "</pre>"), nil
	}
	// JSON data, or a type this page cannot show: its JSON text.
	text := s
	if !isString {
		data, err := json.MarshalIndent(value, "", "  ")
		if err != nil {
			return "", fmt.Errorf("output %s: %w", mime, err)
		}
		text = string(data)
	}
	return template.HTML("<pre>" + html.EscapeString(text) + "</pre>"), nil
}

// imageSize returns the width and height attributes the output metadata
// asks for ({"image/png": {"width": 400}}).
func imageSize(mime string, metadata map[string]any) string {
	md, _ := metadata[mime].(map[string]any)
	var attrs string
	for _, key := range []string{"width", "height"} {
		switch v := md[key].(type) {
		case json.Number:
			attrs += fmt.Sprintf(` %s="%s"`, key, v.String())
		case int, float64:
			attrs += fmt.Sprintf(` %s="%v"`, key, v)
		}
	}
	return attrs
}

// pageTemplate returns the template of the page, parsed on first use.
var pageTemplate = sync.OnceValue(func() *template.Template { return template.Must(template.New("page").Parse(pageSource)) })

// pageSource is the template of the page.
const pageSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header class="summary">
{{- if .Source}}<span class="file">{{.Source}}</span>{{end}}
<span>{{.CodeCells}} code cells</span>
{{- if .Language}}<span>{{.Language}}</span>{{end}}
{{- if .Total}}<span>ran in {{.Total}}</span>{{end}}
{{- if .Failed}}<span class="failed">{{.Failed}} errors</span>{{end}}
</header>
<main>
{{- range .Cells}}
<section class="cell {{.Kind}}"{{if .ID}} id="cell-{{.ID}}"{{end}}>
{{- if eq .Kind "code"}}
<div class="input"><div class="prompt">In {{.Prompt}}</div><pre class="source"><code class="language-go">{{.HTML}}</code></pre>{{if .Duration}}<div class="timing">{{.Duration}}</div>{{end}}</div>
{{- range .Outputs}}
<div class="output {{.Class}}"><div class="prompt">{{if .Prompt}}Out {{.Prompt}}{{end}}</div><div class="content">{{.HTML}}</div></div>
{{- end}}
{{- else}}
<div class="content">{{.HTML}}</div>
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`
