#!/usr/bin/python3
"""Cells timed inside running kernels, for the performance suite (bench/).

Starts golign's kernel and Debian's ipykernel through jupyter_client (as
test/jupyter/bench_kernel.py does) and measures, printing JSON:
  - resident memory after start and after a cell loads the preference pairs
    of an .npz file (golign through pref.LoadNPZ, ipykernel through
    numpy.load), and how long that cell took;
  - in golign, a dot product of 10⁷ elements as an interpreted loop and as
    a call of compiled gonum floats.Dot, and the cost of one call from
    interpreted into compiled code; the same loop in ipykernel's Python.

Usage: kernel_cells.py PAIRS.npz   (GOLIGN names the golign binary)
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "jupyter"))
from kernelproc import KernelProcess, golign_command, ipykernel_command, rss_kib  # noqa: E402

N = 10_000_000
CALLS = 1_000_000

GOLIGN_LOAD = ['import "github.com/golign/golign/alignment/pref"',
               'pairs, err := pref.LoadNPZ({path})\nif err != nil {{ panic(err) }}']
IPYKERNEL_LOAD = ["import numpy as np",
                  'z = np.load({path})\nchosen, rejected = z["chosen"], z["rejected"]']

GOLIGN_LOOPS = [
    'import (\n"fmt"\n"time"\n"gonum.org/v1/gonum/floats"\n)',
    f'x := make([]float64, {N})\ny := make([]float64, {N})\n'
    'for i := range x { x[i] = 1 + float64(i%10)*1e-3; y[i] = 0.5 }',
    't0 := time.Now()\ns := 0.0\nfor i := 0; i < len(x); i++ { s += x[i] * y[i] }\n'
    'fmt.Println("interpreted", time.Since(t0).Seconds(), s)',
    't0 = time.Now()\ns = floats.Dot(x, y)\nfmt.Println("compiled", time.Since(t0).Seconds(), s)',
    'a := []float64{1}\nt0 = time.Now()\n'
    f'for i := 0; i < {CALLS}; i++ {{ s = floats.Dot(a, a) }}\n'
    'calls := time.Since(t0).Seconds()\nt0 = time.Now()\n'
    f'for i := 0; i < {CALLS}; i++ {{ s = a[0] * a[0] }}\n'
    'fmt.Println("calls", calls, time.Since(t0).Seconds())',
]
PYTHON_LOOP = [
    f'import time\nx = [1 + (i % 10) * 1e-3 for i in range({N})]\ny = [0.5] * {N}',
    't0 = time.perf_counter()\ns = 0.0\nfor i in range(len(x)):\n    s += x[i] * y[i]\n'
    'print("interpreted", time.perf_counter() - t0, s)',
]


def execute(kc, code):
    """Runs code, returns (seconds to idle, stdout), raising on an error."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    out, error = [], None
    while True:
        msg = kc.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            break
    if error:
        raise RuntimeError(f"cell failed: {error}\n{code}")
    return time.perf_counter() - t0, "".join(out)


def printed(out, label):
    """The numbers printed after label on one line of out."""
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0] == label:
            return [float(f) for f in fields[1:]]
    raise RuntimeError(f"no line {label!r} in {out!r}")


def measure(command, load, loops, path):
    kp = KernelProcess(command=command)
    try:
        kc = kp.ready_client()
        time.sleep(1.0)
        row = {"rss_start": rss_kib(kp.proc.pid) / 1024}
        execute(kc, load[0])
        row["load_seconds"], _ = execute(kc, load[1].format(path=json.dumps(path)))
        row["rss_loaded"] = rss_kib(kp.proc.pid) / 1024
        out = "".join(execute(kc, cell)[1] for cell in loops)
        row["interpreted_dot"] = printed(out, "interpreted")[0]
        if "compiled" in out:
            row["compiled_dot"] = printed(out, "compiled")[0]
            calls, bare = printed(out, "calls")[:2]
            row["call_seconds"] = (calls - bare) / CALLS
        kc.stop_channels()
        return row
    finally:
        kp.stop()


def main(argv):
    path = os.path.abspath(argv[1])
    print(json.dumps({
        "n": N,
        "golign": measure(golign_command, GOLIGN_LOAD, GOLIGN_LOOPS, path),
        "ipykernel": measure(ipykernel_command, IPYKERNEL_LOAD, PYTHON_LOOP, path),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
