package session

import (
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
		name     string
		slice    any
		n        any
		capacity []any
		want     int
		panics   string
	}{
		{"small", []float64(nil), 10, nil, 10, ""},
		{"typed length", []byte(nil), int64(1 << 20), nil, 1 << 20, ""},
		{"unsigned length", []byte(nil), uint8(7), nil, 7, ""},
		{"integral float constant", []int(nil), 1e3, nil, 1000, ""},
		{"fractional float", []int(nil), 1.5, nil, -1, ""},
		{"negative length", []int(nil), -1, nil, -1, ""},
		{"unsigned beyond int", []int(nil), uint64(math.MaxUint64), nil, -1, ""},
		{"capacity checked", []byte(nil), 0, []any{1 << 40}, 0, "make: 1.0 TiB requested"},
		{"1 TiB", []byte(nil), 1 << 40, nil, 0, "make: 1.0 TiB requested, "},
		{"overflowing bytes", []float64(nil), math.MaxInt / 2, nil, 0, "make: more than 16 EiB requested"},
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
				got = checkedMakeLen(c.slice, c.n, c.capacity...)
				return ""
			}()
			switch {
			case c.panics == "" && msg != "":
				t.Fatalf("panicked: %s", msg)
			case c.panics != "" && !strings.HasPrefix(msg, c.panics):
				t.Fatalf("panic %q, want one starting %q", msg, c.panics)
			case c.panics != "" && !strings.HasSuffix(msg, formatBytes(avail)+" available") && !strings.HasSuffix(msg, " available"):
				t.Fatalf("panic %q does not say what is available", msg)
			case c.panics == "" && got != c.want:
				t.Fatalf("length %d, want %d", got, c.want)
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
	r := mustExec(t, s, "a := make([]float64, 3, 10)\nm := make(map[string]int, 4)\nlen(a) + cap(a) + len(m) + kept")
	if got, _ := r.result(); got != "20" {
		t.Fatalf("result %q, want 20", got)
	}
}
