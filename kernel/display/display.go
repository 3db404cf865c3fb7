// Package display shows rich output — HTML, Markdown, images, plots, JSON,
// progress bars — in the notebook running the code, and asks its user for
// input.
//
// Values are built by the constructors (HTML, Markdown, SVG, PNG, JPEG, Image,
// JSON, Plot, PlotSVG, Text, Bundle), each returning a Data: a MIME bundle,
// the form Jupyter frontends render. A Data that is the last expression of a
// cell becomes the cell's result; Show displays any value at once, anywhere in
// a cell; an Area is a place in the output that later updates replace:
//
//	display.Show(display.Markdown("# Results"))
//	a := display.New()
//	a.Show(display.Text("starting"))
//	...
//	a.Update(display.Plot(p))
//
// Everything here goes through the Sink installed by the runtime hosting the
// code (the golign kernel, or a notebook runner). Without one, as in a plain Go
// program, displays print their text/plain form on standard output and Input
// reads standard input.
package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"sort"
	"strings"
)

// MIME types of the bundles built by this package.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMESVG      = "image/svg+xml"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMEJSON     = "application/json"
)

// Data is a MIME bundle: one representation of a value per MIME type, as
// Jupyter's display_data and execute_result messages carry it. Text formats
// (text/*, image/svg+xml) are strings, binary images are base64 strings and
// application/json is any JSON-encodable value. Metadata is keyed by MIME
// type too (for example {"image/png": {"width": 400}}) and may be nil.
//
// Err, when not nil, tells why the value could not be rendered; the bundle
// then holds the error message as text/plain.
type Data struct {
	MIME     map[string]any
	Metadata map[string]any
	Err      error
}

// MIMEBundle returns d's bundle and metadata. Runtimes call it, through
// Render, to turn a cell's result into an execute_result.
func (d Data) MIMEBundle() (data, metadata map[string]any) { return d.MIME, d.Metadata }

// String returns the text/plain form of d.
func (d Data) String() string {
	if s, ok := d.MIME[MIMEText].(string); ok {
		return s
	}
	types := make([]string, 0, len(d.MIME))
	for t := range d.MIME {
		types = append(types, t)
	}
	sort.Strings(types)
	return "<" + strings.Join(types, ", ") + ">"
}

// failed returns a Data standing for a value that could not be rendered.
func failed(what string, err error) Data {
	err = fmt.Errorf("display.%s: %w", what, err)
	return Data{MIME: map[string]any{MIMEText: err.Error()}, Err: err}
}

// Text is plain text.
func Text(s string) Data { return Data{MIME: map[string]any{MIMEText: s}} }

// HTML is an HTML fragment; frontends without HTML show it as text.
func HTML(html string) Data {
	return Data{MIME: map[string]any{MIMEHTML: html, MIMEText: html}}
}

// Markdown is Markdown text (with LaTeX math between $ signs in Jupyter).
func Markdown(md string) Data {
	return Data{MIME: map[string]any{MIMEMarkdown: md, MIMEText: md}}
}

// SVG is an SVG document.
func SVG(svg string) Data {
	return Data{MIME: map[string]any{MIMESVG: svg, MIMEText: "<SVG image>"}}
}

// PNG is an encoded PNG image. The image size is read from its header;
// bytes that are not a PNG image give a Data with Err set.
func PNG(b []byte) Data { return encodedImage("PNG", MIMEPNG, b, png.DecodeConfig) }

// JPEG is an encoded JPEG image. The image size is read from its header;
// bytes that are not a JPEG image give a Data with Err set.
func JPEG(b []byte) Data { return encodedImage("JPEG", MIMEJPEG, b, jpeg.DecodeConfig) }

func encodedImage(what, mime string, b []byte, decodeConfig func(r io.Reader) (image.Config, error)) Data {
	cfg, err := decodeConfig(bytes.NewReader(b))
	if err != nil {
		return failed(what, fmt.Errorf("not a %s image (%d bytes): %w", what, len(b), err))
	}
	return Data{MIME: map[string]any{
		mime:     base64.StdEncoding.EncodeToString(b),
		MIMEText: fmt.Sprintf("<%s image %d×%d>", what, cfg.Width, cfg.Height),
	}}
}

// Image is an image, shown as PNG.
func Image(img image.Image) Data {
	if img == nil {
		return failed("Image", fmt.Errorf("nil image"))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return failed("Image", err)
	}
	return PNG(buf.Bytes())
}

// JSON is a value shown as an interactive JSON tree by frontends that
// support it, and as indented JSON text by the others. v must be encodable
// by encoding/json.
func JSON(v any) Data {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return failed("JSON", err)
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return failed("JSON", err)
	}
	return Data{MIME: map[string]any{MIMEJSON: tree, MIMEText: string(b)}}
}

// Bundle is a MIME bundle built by hand: mime maps MIME types to data in the
// form Jupyter expects (strings for text and SVG, base64 strings for binary
// images, JSON values for application/json). A bundle without text/plain
// gets one naming its MIME types.
func Bundle(mime map[string]any) Data {
	d := Data{MIME: make(map[string]any, len(mime)+1)}
	for t, v := range mime {
		if b, ok := v.([]byte); ok && strings.HasPrefix(t, "image/") && t != MIMESVG {
			v = base64.StdEncoding.EncodeToString(b)
		}
		d.MIME[t] = v
	}
	if _, ok := d.MIME[MIMEText]; !ok {
		d.MIME[MIMEText] = d.String()
	}
	return d
}
