package session

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golign/golign/kernel"
)

func TestCheckedMakeLen(t *testing.T) {
	avail := availableMemory(systemMemory)
	cases := []struct {
		name        string
		slice       any
		n, capacity int
		panics      string
	}{
		{"small", []float64(nil), 10, 10, ""},
		{"below the threshold", []byte(nil), makeCheckThreshold - 1, makeCheckThreshold - 1, ""},
		{"negative length", []int(nil), -1, -1, ""},
		{"capacity checked", []byte(nil), 0, 1 << 40, "make: 1.0 TiB requested, "},
		{"1 TiB", []byte(nil), 1 << 40, 1 << 40, "make: 1.0 TiB requested, "},
		{"struct elements", []struct{ a, b float64 }(nil), 1 << 36, 1 << 36, "make: 1.0 TiB requested, "},
		{"overflowing bytes", []float64(nil), math.MaxInt / 2, math.MaxInt / 2, "make: more than 16 EiB requested, "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.panics != "" && avail >= 1<<40 {
				t.Skipf("%s available", formatBytes(avail))
			}
			var got int
			msg := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = fmt.Sprint(r)
					}
				}()
				got = checkedMakeLenCap(c.slice, c.n, c.capacity)
				return ""
			}()
			switch {
			case c.panics == "" && msg != "":
				t.Fatalf("panicked: %s", msg)
			case c.panics != "" && (!strings.HasPrefix(msg, c.panics) || !strings.HasSuffix(msg, " available")):
				t.Fatalf("panic %q, want %q… available", msg, c.panics)
			case c.panics == "" && got != c.n:
				t.Fatalf("length %d, want %d", got, c.n)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 1 << 40: "1.0 TiB",
		24481136 << 10: "23.3 GiB", math.MaxUint64: "16.0 EiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// writeFiles creates files under root from a map of relative paths to
// contents.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAvailableMemoryFromProcAndCgroups(t *testing.T) {
	const gib = 1 << 30
	meminfo := "MemTotal:       24683620 kB\nMemFree:  1000 kB\nMemAvailable:   20971520 kB\n" // 20 GiB available
	cases := []struct {
		name  string
		files map[string]string
		room  uint64 // before the heap's free memory and the margin
		limit bool
	}{
		{"no cgroup limit", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/\n",
			"cgroup/memory.max": "max\n", "cgroup/memory.current": "1000\n",
		}, 20 * gib, false},
		{"cgroup v2 limit", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/user/job\n",
			"cgroup/user/job/memory.max": "8589934592\n", "cgroup/user/job/memory.current": "1073741824\n",
			"cgroup/user/memory.max": "max\n", "cgroup/user/memory.current": "1073741824\n",
		}, 7 * gib, true},
		{"tighter parent", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/user/job\n",
			"cgroup/user/job/memory.max": "max\n", "cgroup/user/job/memory.current": "1073741824\n",
			"cgroup/user/memory.max": "4294967296\n", "cgroup/user/memory.current": "2147483648\n",
		}, 2 * gib, true},
		{"cgroup v1 limit", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "5:cpu,cpuacct:/\n4:memory:/jobs/a\n0::/\n",
			"cgroup/memory/jobs/a/memory.limit_in_bytes": "3221225472\n", "cgroup/memory/jobs/a/memory.usage_in_bytes": "1073741824\n",
			"cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n", "cgroup/memory/memory.usage_in_bytes": "1\n",
		}, 2 * gib, true},
		{"cgroup usage above the limit", map[string]string{
			"proc/meminfo": meminfo, "proc/self/cgroup": "0::/job\n",
			"cgroup/job/memory.max": "1073741824\n", "cgroup/job/memory.current": "2147483648\n",
		}, 0, true},
		{"system tighter than the cgroup", map[string]string{
			"proc/meminfo": "MemAvailable: 1048576 kB\n", "proc/self/cgroup": "0::/job\n",
			"cgroup/job/memory.max": "8589934592\n", "cgroup/job/memory.current": "0\n",
		}, 1 * gib, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, c.files)
			src := memorySources{proc: filepath.Join(root, "proc"), cgroup: filepath.Join(root, "cgroup")}
			if _, _, ok := src.cgroupRoom(); ok != c.limit {
				t.Errorf("cgroup limit found: %v, want %v", ok, c.limit)
			}
			got := availableMemory(src)
			// The heap's free memory is added and the margin taken off.
			low := c.room - min(c.room, memoryMargin)
			if got < low || got > low+256<<20 {
				t.Errorf("available %s, want %s plus the heap's free memory", formatBytes(got), formatBytes(low))
			}
		})
	}
}

// TestMakeBeyondMemoryIsAnError checks that a cell asking make for more
// memory than the machine has gets an error, and the session goes on.
func TestMakeBeyondMemoryIsAnError(t *testing.T) {
	if avail := availableMemory(systemMemory); avail >= 1<<40 {
		t.Skipf("%s available", formatBytes(avail))
	}
	s := newSession(t)
	mustExec(t, s, "kept := 7\nn := int64(1) << 40")
	for _, code := range []string{
		"b := make([]byte, 1<<40)",
		"b := make([]byte, 1.099511627776e12)",
		"b := make([]byte, uint64(n))",
		"b := make([]byte, n)",
		"b := make([]float64, 0, n/8)",
		"type row struct{ a, b float64 }\nrows := make([]row, n/16)",
		"func grab(k int64) []byte { return make([]byte, k) }\nb := grab(n)",
	} {
		reply, _ := runCell(t, s, code)
		if reply.Status != kernel.StatusError || !strings.HasPrefix(reply.Error.Value, "make: 1.0 TiB requested, ") {
			t.Fatalf("cell %q: %+v, want the error of make", code, reply.Error)
		}
	}
	r := mustExec(t, s, "k := uint8(3)\na := make([]float64, k, 10)\nm := make(map[string]int, 4)\nlen(a) + cap(a) + len(m) + len(make([]int, 1e3)) + kept")
	if got, _ := r.result(); got != "1020" {
		t.Fatalf("result %q, want 1020", got)
	}
}

// benchmarkMakeInCellLoop measures calls of a cell's function making 1000
// slices of 8 float64 in an interpreted loop, their length written size.
func benchmarkMakeInCellLoop(b *testing.B, size string) {
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Shutdown(false)
	run := func(code string) {
		r := &recorder{}
		if reply := s.Execute(context.Background(), kernel.ExecuteRequest{Code: code}, r); reply.Status != kernel.StatusOK {
			b.Fatalf("%s: %+v", code, reply.Error)
		}
	}
	run("n := 8\nfunc makes() int {\ns := 0\nfor i := 0; i < 1000; i++ {\ns += len(make([]float64, " + size + "))\n}\nreturn s\n}")
	for b.Loop() {
		run("makes()")
	}
}

// BenchmarkMakeCheckedInCellLoop: a length the session checks (a variable).
func BenchmarkMakeCheckedInCellLoop(b *testing.B) { benchmarkMakeInCellLoop(b, "n") }

// BenchmarkMakeLiteralInCellLoop: a literal length, which is not checked.
func BenchmarkMakeLiteralInCellLoop(b *testing.B) { benchmarkMakeInCellLoop(b, "8") }
