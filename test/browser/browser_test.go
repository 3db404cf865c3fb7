// Package browser checks in headless Chromium that the HTML report of the
// tour notebook renders, with its plot visible. It runs only when
// GOLIGN_BROWSER_TEST=1 (run.sh sets it), and keeps the page and its
// screenshot under out/browser/ at the root of the repository. When GOLIGN
// names a golign binary, the report is made by "golign run --html", as
// users make it; otherwise the tour runs in the test process.
package browser

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golign/golign/kernel/headless"
	"github.com/golign/golign/kernel/nbformat"
	"github.com/golign/golign/kernel/report"
	"github.com/golign/golign/kernel/session"
)

const chromium = "/usr/bin/chromium"

// probeScript records, once the page has loaded, what the test checks: the
// page title, the code cells shown, and the box and decoded size of every
// output image.
const probeScript = `<script>
window.addEventListener("load", () => {
  const images = [...document.querySelectorAll(".output img")].map(img => {
    const r = img.getBoundingClientRect();
    return {complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
  });
  document.body.setAttribute("data-probe", JSON.stringify({
    title: document.title, codeCells: document.querySelectorAll(".cell.code").length, images}));
});
</script>
</body>`

type probe struct {
	Title     string `json:"title"`
	CodeCells int    `json:"codeCells"`
	Images    []struct {
		Complete      bool    `json:"complete"`
		NaturalWidth  int     `json:"naturalWidth"`
		NaturalHeight int     `json:"naturalHeight"`
		X             float64 `json:"x"`
		Y             float64 `json:"y"`
		Width         float64 `json:"width"`
		Height        float64 `json:"height"`
	} `json:"images"`
}

func TestTourReportInChromium(t *testing.T) {
	if os.Getenv("GOLIGN_BROWSER_TEST") != "1" {
		t.Skip("set GOLIGN_BROWSER_TEST=1 to render the tour's report in headless Chromium")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is needed: %v", err)
	}
	out, err := filepath.Abs("../../out/browser")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(out, "tour.html")
	nb := runTour(t, filepath.Join(out, "tour.ipynb"), page)
	codeCells := 0
	for _, c := range nb.Cells {
		if c.Type == nbformat.CodeCell {
			codeCells++
		}
	}

	p := probePage(t, page, windowWidth)
	if p.Title != "A tour of golign" || p.CodeCells != codeCells {
		t.Errorf("page shows title %q and %d code cells, want the tour's %d", p.Title, p.CodeCells, codeCells)
	}
	if len(p.Images) != 1 {
		t.Fatalf("page has %d output images, want the tour's plot", len(p.Images))
	}
	plot := p.Images[0]
	if !plot.Complete || plot.NaturalWidth < 200 || plot.NaturalHeight < 150 || plot.Width < 200 {
		t.Fatalf("plot image not decoded or shown: %+v", plot)
	}

	shot := filepath.Join(out, "tour.png")
	height := int(plot.Y+plot.Height) + 100
	chrome(t, "--screenshot="+shot, "--window-size="+strconv.Itoa(windowWidth)+","+strconv.Itoa(height), "file://"+page)
	img := decodePNG(t, shot)
	region := image.Rect(int(plot.X), int(plot.Y), int(plot.X+plot.Width), int(plot.Y+plot.Height))
	if !region.In(img.Bounds()) {
		t.Fatalf("plot region %v is outside the screenshot %v", region, img.Bounds())
	}
	ink, dark := inkFractions(img, region)
	if ink < 0.01 || ink > 0.6 || dark < 0.001 {
		t.Errorf("plot region %v of %s: %.4f non-white and %.4f dark pixels: the plot is not visible", region, shot, ink, dark)
	}
	// Shown at its natural size, the plot on screen is the plot the
	// notebook holds, pixel for pixel up to colour handling.
	if int(plot.Width) != plot.NaturalWidth || int(plot.Height) != plot.NaturalHeight {
		t.Fatalf("the plot is shown at %gx%g, not at its size %dx%d", plot.Width, plot.Height, plot.NaturalWidth, plot.NaturalHeight)
	}
	// The best alignment within two pixels absorbs the rounding of the
	// layout's fractional positions.
	want, corr := plotImage(t, nb), -1.0
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			if r := region.Add(image.Pt(dx, dy)); r.In(img.Bounds()) {
				corr = max(corr, correlation(img, r, want))
			}
		}
	}
	if corr < 0.8 {
		t.Errorf("the plot on screen correlates at %.3f only with the notebook's image", corr)
	}
	t.Logf("screenshot %s; plot at %v: %.3f non-white, %.3f dark, correlation %.3f with the notebook's image", shot, region, ink, dark, corr)
}

// windowWidth is the width of the browser window, for the probe and the
// screenshot alike so that both lay the page out the same way.
const windowWidth = 1200

// plotImage decodes the tour's plot from the executed notebook.
func plotImage(t *testing.T, nb *nbformat.Notebook) image.Image {
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if s, ok := o.Data["image/png"].(string); ok {
				data, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				return img
			}
		}
	}
	t.Fatal("the executed tour has no plot")
	return nil
}

// correlation returns the Pearson correlation of the grey levels of screen
// inside r and of img: near 1 when the screen shows img there, whatever the
// browser's colour handling, near 0 when it shows something else.
func correlation(screen image.Image, r image.Rectangle, img image.Image) float64 {
	grey := func(c color.Color) float64 {
		cr, cg, cb, ca := c.RGBA()
		// Composite transparent pixels on the white page.
		return (float64(cr+cg+cb)/3 + float64(0xffff-ca)) / 0xffff
	}
	var sa, sb, saa, sbb, sab float64
	b := img.Bounds()
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			u, v := grey(screen.At(r.Min.X+x, r.Min.Y+y)), grey(img.At(b.Min.X+x, b.Min.Y+y))
			sa, sb, saa, sbb, sab = sa+u, sb+v, saa+u*u, sbb+v*v, sab+u*v
		}
	}
	n := float64(r.Dx() * r.Dy())
	cov := sab/n - sa/n*sb/n
	return cov / math.Sqrt((saa/n-sa/n*sa/n)*(sbb/n-sb/n*sb/n))
}

// tour is the notebook the test renders.
const tour = "../../notebooks/tour.ipynb"

// runTour executes the tour, writes the executed notebook to executed and
// its report to page, and returns the executed notebook.
func runTour(t *testing.T, executed, page string) *nbformat.Notebook {
	if bin := os.Getenv("GOLIGN"); bin != "" {
		out, err := exec.Command(bin, "run", tour, "-o", executed, "-html", page).CombinedOutput()
		if err != nil {
			t.Fatalf("golign run: %v\n%s", err, out)
		}
		nb, err := nbformat.ReadFile(executed)
		if err != nil {
			t.Fatal(err)
		}
		return nb
	}
	nb, err := nbformat.ReadFile(tour)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := session.New(session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := headless.RunNotebook(context.Background(), sess, nb, headless.Options{CellTimeout: 2 * time.Minute})
	sess.Shutdown(false)
	if err != nil {
		t.Fatal(err)
	}
	if f := rep.Failed(); len(f) > 0 {
		t.Fatalf("tour cells failed: %+v", f)
	}
	if err := nbformat.WriteFile(executed, nb); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFile(page, nb, report.Options{Source: "tour.ipynb"}); err != nil {
		t.Fatal(err)
	}
	return nb
}

var probeAttr = regexp.MustCompile(`data-probe="([^"]*)"`)

// probePage loads a copy of the page with probeScript in Chromium, in a
// window width pixels wide, and returns what the script recorded.
func probePage(t *testing.T, page string, width int) probe {
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	probed := filepath.Join(t.TempDir(), "probe.html")
	if err := os.WriteFile(probed, []byte(strings.Replace(string(data), "</body>", probeScript, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := chrome(t, "--dump-dom", "--virtual-time-budget=5000", "--window-size="+strconv.Itoa(width)+",1000", "file://"+probed)
	m := probeAttr.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page did not run its probe; DOM starts %.500s", dom)
	}
	var p probe
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// chrome runs headless Chromium with args and returns its standard output.
func chrome(t *testing.T, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--force-device-scale-factor=1", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(stdout)
}

func decodePNG(t *testing.T, path string) image.Image {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// inkFractions returns the fractions of the pixels of r that are not white
// and that are dark.
func inkFractions(img image.Image, r image.Rectangle) (ink, dark float64) {
	var nInk, nDark int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			sum := cr + cg + cb
			if sum < 3*0xf000 {
				nInk++
			}
			if sum < 3*0x6000 {
				nDark++
			}
		}
	}
	n := float64(r.Dx() * r.Dy())
	return float64(nInk) / n, float64(nDark) / n
}
