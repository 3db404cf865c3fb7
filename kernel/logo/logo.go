// Package logo draws golign's kernel logo: a white "G" on a Go-blue
// rounded square, rendered at any size so the kernelspec can carry the
// 32×32 and 64×64 PNGs Jupyter frontends show.
package logo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Colours of the logo.
var (
	Background = color.NRGBA{R: 0x00, G: 0xAD, B: 0xD8, A: 0xFF} // Go blue
	Foreground = color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
)

// samples is the side of the grid of samples averaged per pixel for
// anti-aliasing.
const samples = 4

// Image draws the logo as a size×size image. Coordinates are taken in the
// unit square, so the drawing is the same at every size.
func Image(size int) (*image.NRGBA, error) {
	if size < 8 || size > 4096 {
		return nil, fmt.Errorf("logo: size %d is outside [8, 4096]", size)
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var inSquare, inGlyph int
			for sy := 0; sy < samples; sy++ {
				for sx := 0; sx < samples; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/samples) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/samples) / float64(size)
					if insideRoundedSquare(x, y) {
						inSquare++
						if insideG(x, y) {
							inGlyph++
						}
					}
				}
			}
			img.SetNRGBA(px, py, blend(inSquare, inGlyph))
		}
	}
	return img, nil
}

// PNG encodes the logo at size×size as PNG.
func PNG(size int) ([]byte, error) {
	img, err := Image(size)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// blend is the colour of a pixel whose samples fall inSquare times in the
// square and inGlyph times in the glyph: glyph over background, with the
// square's coverage as alpha.
func blend(inSquare, inGlyph int) color.NRGBA {
	if inSquare == 0 {
		return color.NRGBA{}
	}
	f := float64(inGlyph) / float64(inSquare)
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-f) + float64(b)*f)) }
	return color.NRGBA{
		R: mix(Background.R, Foreground.R),
		G: mix(Background.G, Foreground.G),
		B: mix(Background.B, Foreground.B),
		A: uint8(math.Round(255 * float64(inSquare) / samples / samples)),
	}
}

// insideRoundedSquare reports whether (x, y) of the unit square lies in
// the square with corners rounded to radius 0.2.
func insideRoundedSquare(x, y float64) bool {
	const r = 0.2
	cx := math.Max(r, math.Min(1-r, x))
	cy := math.Max(r, math.Min(1-r, y))
	return math.Hypot(x-cx, y-cy) <= r
}

// insideG reports whether (x, y) lies in the glyph: a ring centred in the
// square, open over its upper right eighth, with a bar from the centre to
// the ring's right side and a stem closing it downwards.
func insideG(x, y float64) bool {
	const (
		outer = 0.34
		inner = 0.22
		c     = 0.5
	)
	dx, dy := x-c, c-y // y grows upwards for the angle
	d := math.Hypot(dx, dy)
	angle := math.Atan2(dy, dx) // in (-π, π], 0 pointing right
	inRing := d >= inner && d <= outer && !(angle > 0 && angle < math.Pi/4)
	inBar := dx >= 0 && dx <= outer && dy <= 0.05 && dy >= -0.05
	inStem := dx >= inner && dx <= outer && dy <= 0.05 && dy >= -outer
	return (inRing || inBar || inStem) && d <= outer
}
