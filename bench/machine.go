package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Machine describes the computer the suite ran on.
type Machine struct {
	// CPU is the model name from /proc/cpuinfo and Cores the number of
	// logical processors.
	CPU   string
	Cores int
	// Vector is the widest FMA instruction set in the CPU flags and
	// FlopsPerCycle the fp64 floating-point operations one core can retire
	// per cycle with it (two FMA pipes: 2 × 2 × lanes).
	Vector        string
	FlopsPerCycle int
	// NominalMHz is /proc/cpuinfo's clock; MeasuredGHz is the clock measured
	// by a chain of dependent integer additions (one per cycle) against the
	// thread's CPU time, so that time spent descheduled on a loaded machine
	// does not count.
	NominalMHz  float64
	MeasuredGHz float64
	// LoadBefore and LoadAfter are /proc/loadavg's 1, 5 and 15 minute
	// averages when the suite started and ended.
	LoadBefore, LoadAfter string
	// OpenBLASEnv lists the OPENBLAS_* variables of the environment the
	// suite was started with (they are removed for the measurements).
	OpenBLASEnv []string
}

// PeakGFLOPS is the machine's fp64 peak: cores × measured clock × FLOPs per
// cycle.
func (m Machine) PeakGFLOPS() float64 {
	return float64(m.Cores) * m.MeasuredGHz * float64(m.FlopsPerCycle)
}

// readMachine reads /proc/cpuinfo and /proc/loadavg and measures the clock.
func readMachine() (Machine, error) {
	m := Machine{LoadBefore: loadAverage()}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return m, err
	}
	defer f.Close()
	flags := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "processor":
			m.Cores++
		case "model name":
			m.CPU = value
		case "cpu MHz":
			fmt.Sscan(value, &m.NominalMHz)
		case "flags":
			for _, fl := range strings.Fields(value) {
				flags[fl] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("/proc/cpuinfo: %w", err)
	}
	switch {
	case flags["avx512f"]:
		m.Vector, m.FlopsPerCycle = "AVX-512 FMA", 32
	case flags["fma"]:
		m.Vector, m.FlopsPerCycle = "AVX2 FMA", 16
	default:
		m.Vector, m.FlopsPerCycle = "SSE2", 4
	}
	m.MeasuredGHz = measureClockGHz()
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OPENBLAS_") {
			m.OpenBLASEnv = append(m.OpenBLASEnv, kv)
		}
	}
	return m, nil
}

// loadAverage returns the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// clockSink keeps the clock loop's result alive.
var clockSink uint64

// measureClockGHz times a chain of dependent additions, four per iteration
// and one cycle each, against the thread's CPU time and returns the fastest
// of several runs in GHz.
func measureClockGHz() float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const iterations = 100_000_000
	best := 0.0
	a, b := uint64(time.Now().UnixNano()|1), uint64(3)
	for range 5 {
		x := a
		start := threadCPUSeconds()
		for i := 0; i < iterations; i++ {
			x += a
			x ^= b
			x += b
			x ^= a
		}
		if spent := threadCPUSeconds() - start; spent > 0 {
			best = max(best, 4*iterations/spent/1e9)
		}
		clockSink += x
	}
	return best
}

// threadCPUSeconds is the CPU time the calling OS thread has used.
func threadCPUSeconds() float64 {
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
