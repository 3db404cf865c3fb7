package logo

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"
)

func TestLogoGeometry(t *testing.T) {
	img, err := Image(64)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		x, y int
		want color.NRGBA
	}{
		{"corner outside the rounded square", 0, 0, color.NRGBA{}},
		{"square near its edge", 32, 2, Background},
		{"centre of the ring (hole)", 32, 32 - 8, Background},
		{"left of the ring", 32 - 18, 32, Foreground},
		{"bottom of the ring", 32, 32 + 18, Foreground},
		{"gap at the upper right", 32 + 13, 32 - 13, Background},
		{"bar right of the centre", 32 + 10, 32, Foreground},
	}
	for _, tc := range tests {
		if got := img.NRGBAAt(tc.x, tc.y); got != tc.want {
			t.Errorf("%s (%d,%d): %v, want %v", tc.name, tc.x, tc.y, got, tc.want)
		}
	}
}

func TestPNG(t *testing.T) {
	for _, size := range []int{32, 64} {
		data, err := PNG(size)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("size %d: %+v, %v", size, cfg, err)
		}
	}
	if _, err := PNG(2); err == nil {
		t.Errorf("size 2 accepted")
	}
}
