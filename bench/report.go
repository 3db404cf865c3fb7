package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Targets of the report.
const (
	roundTripShare = 0.25 // golign's trivial-cell round trip against ipykernel's
	startTarget    = 0.050
	idleRSSTarget  = 40.0 // MiB
	gemmShare      = 0.5  // of the backend's DGEMM rate
)

// writeFile writes what w produces to path.
func writeFile(path string, w io.WriterTo) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = w.WriteTo(f)
	return err
}

// verdict is a target's pass or miss.
func verdict(pass bool) string {
	if pass {
		return "pass"
	}
	return "**miss**"
}

// kernelRow returns the named row of bench_kernel.py's output.
func kernelRow(rows []KernelRow, name string) KernelRow {
	for _, r := range rows {
		if r.Kernel == name {
			return r
		}
	}
	return KernelRow{Kernel: name}
}

// bestDGEMM is golign's fastest DGEMM rate, GFLOP/s.
func bestDGEMM(rows []DGEMMRow) float64 {
	best := 0.0
	for _, r := range rows {
		best = max(best, r.Golign)
	}
	return best
}

// ms formats seconds as milliseconds.
func ms(s float64) string { return fmt.Sprintf("%.2f ms", s*1e3) }

// secs formats seconds with a unit that suits their size.
func secs(s float64) string {
	if s < 1 {
		return ms(s)
	}
	return fmt.Sprintf("%.2f s", s)
}

// report is the markdown being written.
type report struct{ strings.Builder }

func (r *report) line(format string, args ...any) { fmt.Fprintf(&r.Builder, format+"\n", args...) }

// writeReport writes REPORT.md and its plots into dir.
func writeReport(dir string, res *Results) error {
	var r report
	m := res.Machine
	sizes := "default sizes"
	if res.Full {
		sizes = "full sizes (-full)"
	}
	r.line("# golign performance report")
	r.line("")
	r.line("Written by `make bench` (`go run -tags openblas ./bench`) on %s, %s, in %s.",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), sizes, res.Elapsed.Round(time.Second))
	r.line("Times are the fastest of %d rounds × %d repetitions, golign and NumPy alternating round by round so that both meet the same load (medians for the kernel protocol).",
		res.Sizes.Rounds, res.Sizes.Repeats)
	r.line("")
	r.line("## Machine")
	r.line("")
	r.line("| | |")
	r.line("|---|---|")
	r.line("| CPU | %s, %d logical cores, %s |", m.CPU, m.Cores, m.Vector)
	r.line("| Clock | %.0f MHz nominal (/proc/cpuinfo), %.2f GHz measured (dependent additions) |", m.NominalMHz, m.MeasuredGHz)
	r.line("| fp64 peak (estimate) | %d cores × %.2f GHz × %d FLOP/cycle = **%.0f GFLOP/s** |", m.Cores, m.MeasuredGHz, m.FlopsPerCycle, m.PeakGFLOPS())
	r.line("| Load average (1, 5, 15 min) | %s at start, %s at the end: the machine was shared, figures are noisy |", m.LoadBefore, m.LoadAfter)
	r.line("| golign's BLAS | %s |", res.Backend)
	r.line("| NumPy | %s on %s, OpenBLAS core `%s`, %d threads (%s) |", res.NumPy.NumPy, res.NumPy.Library, res.NumPy.Corename, res.NumPy.Threads, res.NumPy.Config)
	env := "none"
	if len(m.OpenBLASEnv) > 0 {
		env = "`" + strings.Join(m.OpenBLASEnv, "`, `") + "`"
	}
	r.line("| OpenBLAS environment | started with %s; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were removed for golign and the peers alike (they share Debian's libopenblas) |", env)
	r.line("")
	if err := writeTargets(&r, res); err != nil {
		return err
	}
	if err := writeKernel(&r, res); err != nil {
		return err
	}
	if err := writeNumerics(&r, dir, res); err != nil {
		return err
	}
	if err := writeScaling(&r, dir, res); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "REPORT.md"), []byte(r.String()), 0o644)
}

// writeTargets writes the table of targets with pass or miss and, for a
// miss, the measurement that explains it.
func writeTargets(r *report, res *Results) error {
	g, ipy, null := kernelRow(res.Kernel, "golign"), kernelRow(res.Kernel, "ipykernel"), kernelRow(res.Kernel, "null")
	dgemm := bestDGEMM(res.DGEMM)
	r.line("## Targets")
	r.line("")
	r.line("| target | measured | | why, when missed |")
	r.line("|---|---|---|---|")
	// The round trip is what BlockingKernelClient.execute(reply=True)
	// waits for: the execute_reply. The idle status, which adds the client
	// reading the iopub messages, is shown beside it.
	share := g.Reply / ipy.Reply
	r.line("| kernel round trip ≤ ¼ of ipykernel's | %s against %s (%.2f×); to the idle status %s against %s (%.2f×) | %s | %s |",
		ms(g.Reply), ms(ipy.Reply), share, ms(g.Idle), ms(ipy.Idle), g.Idle/ipy.Idle,
		verdict(share <= roundTripShare), whyIf(share > roundTripShare, fmt.Sprintf(
			"a Python kernel that does no work takes %s: the Python client and pyzmq alone cost %.0f%% of ipykernel's round trip",
			ms(null.Reply), 100*null.Reply/ipy.Reply)))
	r.line("| start-up to kernel_info_reply ≤ 50 ms | %s median, %s fastest | %s | %s |", ms(g.Start), ms(g.StartMin),
		verdict(g.Start <= startTarget), whyIf(g.Start > startTarget, fmt.Sprintf(
			"the machine was loaded (load average %s on %d cores): the do-nothing Python kernel took %s to start and ipykernel %s",
			res.Machine.LoadBefore, res.Machine.Cores, ms(null.Start), ms(ipy.Start))))
	r.line("| idle memory ≤ 40 MiB | %.1f MiB | %s | %s |", g.RSS, verdict(g.RSS <= idleRSSTarget),
		whyIf(g.RSS > idleRSSTarget, fmt.Sprintf("resident after start; ipykernel takes %.1f MiB", ipy.RSS)))
	for _, row := range res.Numerics {
		if row.NoPeer != "" {
			continue
		}
		gb, nb := row.Golign.Best(), row.NumPy.Best()
		why := ""
		if gb > nb {
			why = fmt.Sprintf("golign %s against NumPy %s", secs(gb), secs(nb))
			if t, ok := threadRow(res.Threads, row); ok {
				why += fmt.Sprintf("; with one OpenBLAS thread each, golign %s against NumPy %s, with two %s against %s",
					secs(t.One), secs(t.NumPyOne), secs(t.Two), secs(t.NumPyTwo))
			}
		}
		r.line("| %s at least as fast as NumPy (%s) | %.2f× NumPy's speed | %s | %s |", row.Name, row.Size, nb/gb, verdict(gb <= nb), why)
	}
	for _, row := range res.Numerics {
		if row.Flops == 0 {
			continue
		}
		rate := row.Flops / row.Golign.Best() / 1e9
		why := ""
		if rate < gemmShare*dgemm {
			why = fmt.Sprintf("a single product of its dominant shape, %s, runs at %.1f GFLOP/s on this backend (%.0f%% of square DGEMM); the kernel reaches %.0f%% of that",
				row.Shape, row.ShapeGFLOPS, 100*row.ShapeGFLOPS/dgemm, 100*rate/row.ShapeGFLOPS)
		}
		r.line("| %s ≥ 50%% of DGEMM (%.0f GFLOP/s) | %.1f GFLOP/s (%.0f%%) | %s | %s |", row.Name, dgemm, rate, 100*rate/dgemm,
			verdict(rate >= gemmShare*dgemm), why)
	}
	r.line("")
	return nil
}

// threadRow returns the thread measurements of a numeric row.
func threadRow(rows []ThreadRow, row NumericRow) (ThreadRow, bool) {
	for _, t := range rows {
		if t.Name == row.Name+", "+row.Size {
			return t, true
		}
	}
	return ThreadRow{}, false
}

// whyIf returns why when missed is true.
func whyIf(missed bool, why string) string {
	if missed {
		return why
	}
	return ""
}

// writeKernel writes the kernel protocol, memory and interpreted-code tables.
func writeKernel(r *report, res *Results) error {
	r.line("## Kernel: golign beside ipykernel")
	r.line("")
	r.line("Both driven by the same jupyter_client BlockingKernelClient (test/jupyter/bench_kernel.py): start-up is process start to the first kernel_info_reply (median of %d starts), the round trip is a trivial cell (`x := 1`, `x = 1`) from execute_request to its execute_reply, what `BlockingKernelClient.execute(reply=True)` waits for, and to the idle status that ends it on iopub (medians of %d). `null` is a Python kernel that does no work: the client's and pyzmq's own cost.",
		res.Sizes.KernelStarts, res.Sizes.KernelRoundTrips)
	r.line("")
	r.line("| kernel | start-up (fastest) | RSS after start | → execute_reply | → idle |")
	r.line("|---|---|---|---|---|")
	for _, k := range res.Kernel {
		r.line("| %s | %s (%s) | %.1f MiB | %s | %s |", k.Kernel, ms(k.Start), ms(k.StartMin), k.RSS, ms(k.Reply), ms(k.Idle))
	}
	c := res.Cells
	r.line("")
	r.line("Loading %d preference pairs (%d features each, .npz) in a cell: golign with `pref.LoadNPZ`, ipykernel with `numpy.load` (bench/peers/kernel_cells.py).", res.Sizes.LoadPairs, res.Sizes.LoadDim)
	r.line("")
	r.line("| kernel | RSS after start | RSS after loading | loading cell |")
	r.line("|---|---|---|---|")
	r.line("| golign | %.1f MiB | %.1f MiB | %s |", c.Golign.RSSStart, c.Golign.RSSLoaded, secs(c.Golign.LoadSeconds))
	r.line("| ipykernel | %.1f MiB | %.1f MiB | %s |", c.IPyKernel.RSSStart, c.IPyKernel.RSSLoaded, secs(c.IPyKernel.LoadSeconds))
	r.line("")
	r.line("## Interpreted against compiled")
	r.line("")
	r.line("A dot product of %d elements (that many multiply-adds) in a cell.", c.N)
	r.line("")
	r.line("| how | time | per element |")
	r.line("|---|---|---|")
	perElement := func(s float64) string { return fmt.Sprintf("%.1f ns", s/float64(c.N)*1e9) }
	r.line("| golign, interpreted loop in the cell (yaegi) | %s | %s |", secs(c.Golign.InterpretedDot), perElement(c.Golign.InterpretedDot))
	r.line("| golign, compiled `floats.Dot` called from the cell | %s | %s |", secs(c.Golign.CompiledDot), perElement(c.Golign.CompiledDot))
	r.line("| ipykernel, Python loop over lists | %s | %s |", secs(c.IPyKernel.InterpretedDot), perElement(c.IPyKernel.InterpretedDot))
	r.line("")
	r.line("Compiled code is %.0f× faster than the interpreted loop. One call from interpreted into compiled code (`floats.Dot` on one element, less an interpreted loop iteration doing the same multiply) costs **%.2f µs**: keep loops over data in the library and call it once per array.",
		c.Golign.InterpretedDot/c.Golign.CompiledDot, c.Golign.CallSeconds*1e6)
	r.line("")
	return nil
}

// writeNumerics writes DGEMM, the numeric kernels beside NumPy and the
// threading table, with their plots.
func writeNumerics(r *report, dir string, res *Results) error {
	peak := res.Machine.PeakGFLOPS()
	r.line("## BLAS: DGEMM")
	r.line("")
	r.line("![DGEMM](dgemm.png)")
	r.line("")
	r.line("| N×N | golign, 1 thread | golign, default threads | NumPy | golign / peak |")
	r.line("|---|---|---|---|---|")
	var labels []string
	var gs, ns []float64
	for _, d := range res.DGEMM {
		r.line("| %d² | %.1f GFLOP/s | %.1f GFLOP/s | %.1f GFLOP/s | %.0f%% of %.0f |", d.N, d.GolignOne, d.Golign, d.NumPy, 100*d.Golign/peak, peak)
		labels = append(labels, fmt.Sprintf("%d²", d.N))
		gs, ns = append(gs, d.Golign), append(ns, d.NumPy)
	}
	r.line("")
	if err := pairedBars(dir, "dgemm.png", "DGEMM rate", "GFLOP/s", labels, gs, ns, "NumPy", peak, "fp64 peak (estimate)"); err != nil {
		return err
	}
	r.line("## Numerics beside NumPy")
	r.line("")
	r.line("Same math on the same data: golign writes the inputs as .npy (bench/peers/numerics.py reads them) and compares the answers.")
	r.line("")
	r.line("![speed-up](numerics.png)")
	r.line("")
	r.line("| kernel | size | golign | NumPy | NumPy time ÷ golign time | max relative difference |")
	r.line("|---|---|---|---|---|---|")
	labels, gs = nil, nil
	for _, row := range res.Numerics {
		if row.NoPeer != "" {
			r.line("| %s | %s | %s | — | %s | — |", row.Name, row.Size, secs(row.Golign.Best()), row.NoPeer)
			continue
		}
		gb, nb := row.Golign.Best(), row.NumPy.Best()
		r.line("| %s | %s | %s | %s | %.2f× | %.1e |", row.Name, row.Size, secs(gb), secs(nb), nb/gb, row.MaxRelDiff)
		labels = append(labels, shortName(row))
		gs = append(gs, nb/gb)
	}
	r.line("")
	if err := pairedBars(dir, "numerics.png", "golign's speed relative to NumPy (higher is faster)", "NumPy time ÷ golign time", labels, gs, nil, "", 1, "NumPy"); err != nil {
		return err
	}
	r.line("## OpenBLAS threads")
	r.line("")
	r.line("The same tasks with OPENBLAS_NUM_THREADS=1 and 2 (golign also runs its own goroutines on every core).")
	r.line("")
	r.line("| kernel | golign, 1 thread | golign, 2 threads | NumPy, 1 thread | NumPy, 2 threads |")
	r.line("|---|---|---|---|---|")
	for _, t := range res.Threads {
		np1, np2 := "—", "—"
		if t.HasPeer {
			np1, np2 = secs(t.NumPyOne), secs(t.NumPyTwo)
		}
		r.line("| %s | %s | %s | %s | %s |", t.Name, secs(t.One), secs(t.Two), np1, np2)
	}
	r.line("")
	return nil
}

// shortName labels a numeric row on the plot's axis.
func shortName(row NumericRow) string {
	name, _, _ := strings.Cut(row.Name, " (")
	name = strings.TrimSuffix(name, " influence")
	if strings.HasPrefix(row.Name, "DataInf") {
		size, _, _ := strings.Cut(row.Size, " ")
		name += " " + size
	}
	return name
}

// writeScaling writes the growth plots and their fitted exponents.
func writeScaling(r *report, dir string, res *Results) error {
	x, t := make([]float64, len(res.ScaleTrain)), make([]float64, len(res.ScaleTrain))
	for i, p := range res.ScaleTrain {
		x[i], t[i] = float64(p.N), p.Seconds
	}
	slopeN, err := scalingPlot(dir, "scale_train.png", "training pairs n", "n", x, t)
	if err != nil {
		return err
	}
	x, t = make([]float64, len(res.ScaleDim)), make([]float64, len(res.ScaleDim))
	for i, p := range res.ScaleDim {
		x[i], t[i] = float64(p.Dim), p.Seconds
	}
	slopeD, err := scalingPlot(dir, "scale_dim.png", "gradient dimension D", "D", x, t)
	if err != nil {
		return err
	}
	r.line("## How influence cost grows")
	r.line("")
	r.line("DataInf (fit + %d query scores) on gradient-like rows. Its cost is O(q·n·D): both exponents should be near 1.", res.Sizes.Queries)
	r.line("")
	r.line("| sweep | fitted exponent |")
	r.line("|---|---|")
	r.line("| n from %d to %d at D = %d | %.2f |", res.Sizes.ScaleTrain[0], res.Sizes.ScaleTrain[len(res.Sizes.ScaleTrain)-1], res.Sizes.ScaleDimFixed, slopeN)
	r.line("| D from %d to %d at n = %d | %.2f |", res.Sizes.ScaleDim[0], res.Sizes.ScaleDim[len(res.Sizes.ScaleDim)-1], res.Sizes.ScaleTrainFixed, slopeD)
	r.line("")
	r.line("![against n](scale_train.png) ![against D](scale_dim.png)")
	return nil
}
