package display

import (
	"fmt"
	"image"

	"gonum.org/v1/plot"
)

// Bundler is implemented by values that know their MIME bundle; Render and
// the golign kernel use it to show them richly.
type Bundler interface {
	MIMEBundle() (data, metadata map[string]any)
}

// Rich reports whether v has a representation richer than text: a Data, a
// Bundler, an image.Image or a *plot.Plot.
func Rich(v any) bool {
	switch v.(type) {
	case Data, *Data, Bundler, image.Image, *plot.Plot:
		return v != nil
	}
	return false
}

// Render returns v as a bundle: a Data as it is, a Bundler's own bundle, an
// image.Image as PNG, a *plot.Plot as by Plot, and anything else as its text
// in the form fmt's %v prints it (%#v for strings, quoted as Go would).
func Render(v any) Data {
	switch x := v.(type) {
	case Data:
		return x
	case *Data:
		if x != nil {
			return *x
		}
	case Bundler:
		data, metadata := x.MIMEBundle()
		d := Bundle(data)
		d.Metadata = metadata
		return d
	case image.Image:
		return Image(x)
	case *plot.Plot:
		return Plot(x)
	case string:
		return Text(fmt.Sprintf("%q", x))
	}
	return Text(fmt.Sprintf("%v", v))
}
