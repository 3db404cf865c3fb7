package session

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
)

// Go cannot recover from running out of memory: an allocation the system
// refuses ends the process. Cells therefore do not call make for slices
// directly; the rewriter (see rewrite.go) passes the length through
// checkedMakeLen, which compares the bytes asked for with the memory the
// process can still get and panics with an ordinary, recoverable error when
// they cannot be backed. Allocations made inside compiled code (append,
// the library's own) are not checked.

// makeCheckThreshold is the smallest allocation checkedMakeLen compares
// with the memory available: smaller ones cannot matter unless memory is
// nearly exhausted, and they keep make cheap in loops.
const makeCheckThreshold = 64 << 20

// memoryMargin is kept back from the available memory for the rest of the
// process (its goroutines, buffers and the garbage collector's work).
const memoryMargin = 64 << 20

// checkedMakeLen returns n, the length of make(T, n[, capacity]) for the
// slice type of slice (a nil slice of T), after checking that the elements
// — max(n, capacity) of them — fit in the memory the process can still
// get; it panics with "make: 1.0 TiB requested, 22.8 GiB available"
// otherwise. Negative sizes are left to make to report.
func checkedMakeLen(slice any, n int) int { return checkedMake(slice, n, n) }

// checkedMakeLenCap is checkedMakeLen for make(T, n, capacity).
func checkedMakeLenCap(slice any, n, capacity int) int { return checkedMake(slice, n, capacity) }

func checkedMake(slice any, n, capacity int) int {
	count := max(n, capacity)
	t := reflect.TypeOf(slice)
	if count < 0 || t == nil || t.Kind() != reflect.Slice {
		return n
	}
	hi, size := bits.Mul64(uint64(count), uint64(t.Elem().Size()))
	if hi == 0 && size < makeCheckThreshold {
		return n
	}
	avail := availableMemory(systemMemory)
	if hi == 0 && size <= avail {
		return n
	}
	requested := "more than 16 EiB"
	if hi == 0 {
		requested = formatBytes(size)
	}
	panic(fmt.Sprintf("make: %s requested, %s available", requested, formatBytes(avail)))
}

// formatBytes writes n bytes with a binary unit: 512 B, 1.5 KiB, 22.8 GiB.
func formatBytes(n uint64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, u := float64(n)/1024, 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	return fmt.Sprintf("%.1f %ciB", f, units[u])
}

// memorySources are the places the memory figures are read from: the proc
// and cgroup file systems (other roots in tests).
type memorySources struct {
	proc, cgroup string
}

// systemMemory reads the running system's figures.
var systemMemory = memorySources{proc: "/proc", cgroup: "/sys/fs/cgroup"}

// availableMemory returns the bytes the process can still allocate: the
// least of the system's MemAvailable and the room left under the limit of
// each memory cgroup the process belongs to (limit − usage), plus the
// memory the Go heap holds free, minus memoryMargin. Swap is not counted.
func availableMemory(src memorySources) uint64 {
	avail, ok := src.memInfo("MemAvailable")
	if !ok {
		avail = math.MaxUint64
	}
	if room, _, ok := src.cgroupRoom(); ok {
		avail = min(avail, room)
	}
	if avail == math.MaxUint64 {
		return avail
	}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		avail += sample[0].Value.Uint64()
	}
	if avail < memoryMargin {
		return 0
	}
	return avail - memoryMargin
}

// memInfo returns a field of /proc/meminfo in bytes.
func (src memorySources) memInfo(field string) (uint64, bool) {
	f, err := os.Open(filepath.Join(src.proc, "meminfo"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0, false
		}
		kib, err := strconv.ParseUint(fields[0], 10, 64)
		return kib << 10, err == nil
	}
	return 0, false
}

// cgroupRoom returns the least room (limit − usage) and the least limit
// among the memory cgroups containing the process and their ancestors, for
// cgroup v2 (memory.max, memory.current) and v1 (memory.limit_in_bytes,
// memory.usage_in_bytes); ok is false when none sets a limit.
func (src memorySources) cgroupRoom() (room, limit uint64, ok bool) {
	data, err := os.ReadFile(filepath.Join(src.proc, "self", "cgroup"))
	if err != nil {
		return 0, 0, false
	}
	room, limit = math.MaxUint64, math.MaxUint64
	for _, line := range strings.Split(string(data), "\n") {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, limitFile, usageFile = src.cgroup, "memory.max", "memory.current"
		case controllersInclude(parts[1], "memory"):
			dir, limitFile, usageFile = filepath.Join(src.cgroup, "memory"), "memory.limit_in_bytes", "memory.usage_in_bytes"
		default:
			continue
		}
		for p := filepath.Clean("/" + parts[2]); ; p = filepath.Dir(p) {
			at := filepath.Join(dir, p)
			bound, lok := readBytesFile(filepath.Join(at, limitFile))
			usage, uok := readBytesFile(filepath.Join(at, usageFile))
			if lok && uok && bound < 1<<62 { // v1 writes no limit as 2^63 rounded to pages
				room, limit, ok = min(room, bound-min(usage, bound)), min(limit, bound), true
			}
			if p == "/" {
				break
			}
		}
	}
	return room, limit, ok
}

func controllersInclude(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readBytesFile reads a cgroup file holding a number of bytes; "max" (no
// limit) reads as the largest value.
func readBytesFile(path string) (uint64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return math.MaxUint64, true
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

var setMemoryLimit sync.Once

// limitMemory sets the Go runtime's soft memory limit, once per process and
// unless GOMEMLIMIT does, to nine tenths of the memory the process may use
// (the tightest cgroup limit, or the system's memory), so that the garbage collector works
// harder before the heap reaches what the system can give.
func limitMemory(src memorySources) {
	setMemoryLimit.Do(func() {
		if os.Getenv("GOMEMLIMIT") != "" {
			return
		}
		total, ok := src.memInfo("MemTotal")
		if !ok {
			return
		}
		if _, limit, ok := src.cgroupRoom(); ok {
			total = min(total, limit)
		}
		debug.SetMemoryLimit(int64(min(total/10*9, math.MaxInt64)))
	})
}
