package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot colours: golign and its peer.
var (
	golignColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	peerColor   = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}
	refColor    = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
)

// savePNG renders p at w×h into dir/name.
func savePNG(p *plot.Plot, dir, name string, w, h vg.Length) error {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))}
	p.Draw(draw.New(c))
	return writeFile(filepath.Join(dir, name), c)
}

// logLogFit returns the slope and intercept of log t = a + b log x by least
// squares: t grows as x^b.
func logLogFit(x, t []float64) (slope, intercept float64) {
	lx, lt := make([]float64, len(x)), make([]float64, len(t))
	for i := range x {
		lx[i], lt[i] = math.Log(x[i]), math.Log(t[i])
	}
	intercept, slope = stat.LinearRegression(lx, lt, nil, false)
	return slope, intercept
}

// scalingPlot draws seconds against x (named xLabel, written symbol in the
// fit's legend) on log-log axes with the fitted power law, and returns the
// fitted exponent.
func scalingPlot(dir, name, xLabel, symbol string, x, t []float64) (float64, error) {
	slope, intercept := logLogFit(x, t)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("DataInf time against %s (slope %.2f)", xLabel, slope)
	p.X.Label.Text, p.Y.Label.Text = xLabel, "seconds"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	pts, fit := make(plotter.XYs, len(x)), make(plotter.XYs, len(x))
	for i := range x {
		pts[i] = plotter.XY{X: x[i], Y: t[i]}
		fit[i] = plotter.XY{X: x[i], Y: math.Exp(intercept) * math.Pow(x[i], slope)}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return 0, err
	}
	sc.Color, sc.Shape, sc.Radius = golignColor, draw.CircleGlyph{}, vg.Points(3)
	ln, err := plotter.NewLine(fit)
	if err != nil {
		return 0, err
	}
	ln.Color, ln.Dashes = refColor, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(ln, sc)
	p.Legend.Add("measured", sc)
	p.Legend.Add(fmt.Sprintf("fit: c·%s^%.2f", symbol, slope), ln)
	p.Legend.Top, p.Legend.Left = true, true
	return slope, savePNG(p, dir, name, 5*vg.Inch, 3.5*vg.Inch)
}

// pairedBars draws golign's and the peer's values side by side per label
// (golign's alone when peer is nil), with an optional horizontal reference
// line (reference > 0).
func pairedBars(dir, name, title, yLabel string, labels []string, golign, peer []float64, peerName string,
	reference float64, referenceName string) error {
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, yLabel
	w := vg.Points(14)
	a, err := plotter.NewBarChart(plotter.Values(golign), w)
	if err != nil {
		return err
	}
	a.Color, a.LineStyle.Width = golignColor, 0
	p.Add(a)
	p.Legend.Add("golign", a)
	if peer != nil {
		b, err := plotter.NewBarChart(plotter.Values(peer), w)
		if err != nil {
			return err
		}
		a.Offset = -w / 2
		b.Color, b.LineStyle.Width, b.Offset = peerColor, 0, w/2
		p.Add(b)
		p.Legend.Add(peerName, b)
	}
	if reference > 0 {
		ref, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: reference}, {X: float64(len(labels)) - 0.5, Y: reference}})
		if err != nil {
			return err
		}
		ref.Color, ref.Dashes = refColor, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add(referenceName, ref)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.7, float64(len(labels))-0.3
	p.Y.Min = 0
	p.Y.Max *= 1.25 // room for the legend
	return savePNG(p, dir, name, vg.Length(1.3*float64(len(labels))+2.5)*vg.Inch, 3.5*vg.Inch)
}
