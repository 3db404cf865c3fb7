"""Soak test of a golign kernel: a notebook-like workload (training reward
models, printing, defining and redefining functions) runs against a real
kernel through jupyter_client for --minutes, mixed with faults (panics,
compile errors, panicking goroutines, interrupts, 1 MB outputs, impossible
allocations, killed clients, wrongly signed and replayed messages) and with
malformed inputs (mutated cells, completion and inspection at random
cursors). The kernel's memory, threads, descriptors and goroutines are
sampled throughout.

It prints how many executes held (ran and kept the notebook's state), how
many faults the kernel survived, how many inputs were tried, and the drift
of resident memory and of the live heap (after a garbage collection)
between the first and the last quarter of the run; it exits non-zero when
the kernel died, a state check failed, the live heap drifted more than
--max-drift-mib or the goroutines grew by more than --max-goroutine-growth.
Resident memory is reported but not judged: Go returns freed memory to the
system lazily, so it follows the largest recent output, not leaks.

    GOLIGN=bin/golign /usr/bin/python3 test/soak/soak.py --minutes 10
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, deque
from queue import Empty

import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "faults"))

from faultlib import (KernelProcess, alive, control_request, drain_iopub, fd_count, proc_status,  # noqa: E402
                      run_cell, stream_text, value_of)

SETUP = [
    'import (\n"fmt"\n"math/rand/v2"\n"runtime"\n"strings"\n"time"\n'
    '"github.com/golign/golign/alignment/pref"\n"github.com/golign/golign/alignment/reward"\n'
    '"gonum.org/v1/gonum/mat"\n)',
    "count := 0",
    "func liveHeapKiB() int {\nruntime.GC()\nvar m runtime.MemStats\nruntime.ReadMemStats(&m)\nreturn int(m.HeapAlloc >> 10)\n}",
    """func pairs(n, d int, seed uint64) *pref.Comparisons {
	rng := rand.New(rand.NewPCG(seed, 1))
	chosen, rejected := mat.NewDense(n, d, nil), mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			a, b := rng.NormFloat64(), rng.NormFloat64()
			if j == 0 && a < b {
				a, b = b, a
			}
			chosen.Set(i, j, a)
			rejected.Set(i, j, b)
		}
	}
	return &pref.Comparisons{Chosen: chosen, Rejected: rejected}
}""",
]

# Cells of the workload; each increments count once and prints it, so the
# soak can check that the notebook's state held.
WORKLOAD = [
    'm, _ := reward.TrainLinear(pairs(200, 8, uint64(count)), reward.LinearConfig{})\n'
    'acc, _ := m.Accuracy(pairs(100, 8, 99))\ncount++\nfmt.Printf("count %d accuracy %.2f\\n", count, acc)',
    'words := strings.Fields(strings.Repeat("alignment research ", 50))\ncount++\nfmt.Println("count", count, len(words))',
    'func double(x int) int { return 2 * x }\ncount++\nfmt.Println("count", count, double(count))',
    'scores := map[string]float64{}\nfor i := 0; i < 100; i++ {\nscores[fmt.Sprint(i)] = float64(i) / 3\n}\n'
    'count++\nfmt.Println("count", count, len(scores))',
]

# Faults: (name, code, expected status). None as code marks a fault done
# by the client rather than by a cell.
FAULTS = [
    ("panic", 'panic("soak")', "error"),
    ("compile error", "this is not Go", "error"),
    ("undefined name", "notDefinedAnywhere + 1", "error"),
    ("goroutine panic", 'go func() { panic("soak goroutine") }()\ntime.Sleep(50 * time.Millisecond)', "ok"),
    ("impossible allocation", "huge := make([]byte, 1<<50)", "error"),
    ("allocation beyond memory", "huge := make([]byte, 1<<40)", "error"),
    ("1 MB output", 'func() { fmt.Print(strings.Repeat("z", 1<<20)) }()', "ok"),
    ("division by zero", "zero := 0\nfmt.Println(1 / zero)", "error"),
    ("nil map write", "var nm map[string]int\nnm[\"a\"] = 1", "error"),
    ("interrupt", None, None),
    ("killed client", None, None),
    ("wrong signature", None, None),
    ("replayed message", None, None),
]

# What mutations start from. The set-up cells are left out: a failed
# redefinition of a function breaks the function (see README, Reliability),
# which would end the soak rather than measure it.
SNIPPETS = WORKLOAD + [f[1] for f in FAULTS if f[1]]


def mutate(rng):
    """A malformed cell: a snippet cut, spliced, stuttered or sprinkled
    with odd characters."""
    code = rng.choice(SNIPPETS)
    how = rng.randrange(5)
    if how == 0:
        return code[:rng.randrange(len(code) + 1)]
    if how == 1:
        other = rng.choice(SNIPPETS)
        return code[:rng.randrange(len(code) + 1)] + other[rng.randrange(len(other) + 1):]
    if how == 2:
        i = rng.randrange(len(code) + 1)
        return code[:i] + rng.choice(["{", "}", "(", ")", '"', "`", "\x00", "\u202e", "…", "\\", "//", "/*"]) * rng.randint(1, 5) + code[i:]
    if how == 3:
        return "".join(rng.choice("abc(){}[]:=.,;+-*/&|^!<>\"'` \n\tfuncgoimport") for _ in range(rng.randint(1, 80)))
    return code.replace("count", rng.choice(["count()", "count.x", "*count", "count[0]", "&count"]))


class Soak:
    def __init__(self, minutes, seed, sample_every):
        self.rng = random.Random(seed)
        self.deadline = time.monotonic() + minutes * 60
        self.sample_every = sample_every
        self.kp = KernelProcess()
        self.pid = self.kp.proc.pid
        self.kc = self.kp.ready_client()
        self.count = 0
        self.held = 0
        self.faults = Counter()
        self.inputs = Counter()
        self.samples = []  # (elapsed s, rss KiB, threads, fds, goroutines, live heap KiB)
        self.started = time.monotonic()
        self.failures = []
        self.recent = deque(maxlen=12)  # the last cells sent, shown on a failure
        self.sent = []  # every cell sent, for --transcript

    def cell(self, code, **kwargs):
        """Runs code, remembering it among the recent cells."""
        self.remember(code)
        return run_cell(self.kc, code, **kwargs)

    def remember(self, *codes):
        """Notes cells sent, for the failure report and the transcript."""
        self.recent.extend(codes)
        self.sent.extend(codes)

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
            raise RuntimeError(what)

    def run(self):
        for code in SETUP:
            reply, _ = self.cell(code)
            self.check(reply["content"]["status"] == "ok", f"setup cell failed: {reply['content']}")
        next_sample = 0.0
        while time.monotonic() < self.deadline:
            if time.monotonic() - self.started >= next_sample:
                self.sample()
                next_sample += self.sample_every
            kind = self.rng.random()
            if kind < 0.5:
                self.workload()
            elif kind < 0.75:
                self.fault()
            else:
                self.malformed()
            self.check(alive(self.pid), "the kernel died")
        self.workload()
        self.sample()

    def workload(self):
        reply, outputs = self.cell(self.rng.choice(WORKLOAD))
        self.count += 1
        self.check(reply["content"]["status"] == "ok", f"workload cell failed: {reply['content']}")
        self.check(stream_text(outputs).startswith(f"count {self.count}"), f"state lost: expected count {self.count}, "
                   f"got {stream_text(outputs)[:80]!r}")
        self.held += 1

    def fault(self):
        name, code, status = self.rng.choice(FAULTS)
        if code is not None:
            reply, _ = self.cell(code)
            self.check(reply["content"]["status"] == status, f"{name}: status {reply['content']['status']}")
        else:
            getattr(self, name.replace(" ", "_"))()
        self.faults[name] += 1

    def interrupt(self):
        # An interpreted loop: an interrupt stops it and its goroutine
        # (a long compiled call, such as time.Sleep(time.Hour), would keep
        # running after the interrupt; see README, Reliability).
        code = "for {\ntime.Sleep(time.Millisecond)\n}"
        self.remember(code)
        msg_id = self.kc.execute(code)
        time.sleep(0.1)
        control_request(self.kc, "interrupt_request")
        while True:
            reply = self.kc.get_shell_msg(timeout=30)
            if reply["parent_header"]["msg_id"] == msg_id:
                break
        self.check(reply["content"]["status"] == "error", "interrupted cell did not end in an error")

    def killed_client(self):
        # The client vanishes while a cell runs; a new one takes over.
        code = "time.Sleep(100 * time.Millisecond)"
        self.remember(code)
        self.kc.execute(code)
        self.kc.stop_channels()
        self.kc = self.kp.ready_client()

    def wrong_signature(self):
        intruder = self.kp.client(key=b"not-the-key")
        try:
            intruder.execute("count = -1000")
            try:
                intruder.get_shell_msg(timeout=0.3)
                self.check(False, "a wrongly signed request was answered")
            except Empty:
                pass
        finally:
            intruder.stop_channels()

    def replayed_message(self):
        msg = self.kc.session.msg("execute_request", {"code": "count = -1000", "silent": False, "store_history": True,
                                                     "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        with open(self.kp.connection_file) as f:
            info = json.load(f)
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        try:
            # Signed with a header never sent before, but sent twice: at
            # most one may run, and then count must be restored.
            frames = self.kc.session.serialize(msg)
            sock.send_multipart(frames)
            self.check(sock.poll(30_000) != 0, "no reply to a signed raw request")
            sock.recv_multipart()
            sock.send_multipart(frames)
            self.check(sock.poll(300) == 0, "a replayed request was answered")
        finally:
            sock.close()
        self.cell(f"count = {self.count}")

    def malformed(self):
        rng = self.rng
        if rng.random() < 0.6:
            code = mutate(rng)
            reply, _ = self.cell(code)
            self.inputs["mutated cells"] += 1
            if "count" in code:
                # A mutation may change count before it fails: put it back.
                self.cell(f"count = {self.count}")
            return
        code = rng.choice(SNIPPETS)
        cursor = rng.randint(0, len(code))
        kind = rng.choice(["complete", "inspect", "is_complete"])
        if kind == "complete":
            msg_id = self.kc.complete(code, cursor)
        elif kind == "inspect":
            msg_id = self.kc.inspect(code, cursor)
        else:
            msg_id = self.kc.is_complete(code)
        while True:
            reply = self.kc.get_shell_msg(timeout=30)
            if reply["parent_header"]["msg_id"] == msg_id:
                break
        self.inputs[kind + " requests"] += 1

    def sample(self):
        drain_iopub(self.kc, quiet=0.05)
        self.remember("liveHeapKiB()", "runtime.NumGoroutine()")
        heap = int(value_of(self.kc, "liveHeapKiB()"))
        goroutines = int(value_of(self.kc, "runtime.NumGoroutine()"))
        self.samples.append((time.monotonic() - self.started, proc_status(self.pid, "VmRSS"),
                             proc_status(self.pid, "Threads"), fd_count(self.pid), goroutines, heap))

    def report(self):
        elapsed = time.monotonic() - self.started
        print(f"soak: {elapsed / 60:.1f} minutes against pid {self.pid}, kernel "
              f"{'alive' if alive(self.pid) else 'DEAD'}")
        print(f"executes held: {self.held} workload cells kept the notebook's state (count = {self.count})")
        print(f"faults survived: {sum(self.faults.values())} — " +
              ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())))
        print(f"inputs tried: {sum(self.inputs.values())} — " +
              ", ".join(f"{k} {v}" for k, v in sorted(self.inputs.items())))
        if not self.samples:
            return 0.0, 0
        rss = [s[1] / 1024 for s in self.samples]
        heap = [s[5] / 1024 for s in self.samples]
        print(f"memory: {len(rss)} samples; resident first {rss[0]:.1f} MiB, max {max(rss):.1f} MiB, "
              f"last {rss[-1]:.1f} MiB (drift {drift(rss):+.1f} MiB); live heap after GC first {heap[0]:.1f} MiB, "
              f"max {max(heap):.1f} MiB, last {heap[-1]:.1f} MiB (drift {drift(heap):+.1f} MiB)")
        s0, s1 = self.samples[0], self.samples[-1]
        print(f"threads {s0[2]} → {s1[2]}, file descriptors {s0[3]} → {s1[3]}, goroutines {s0[4]} → {s1[4]}")
        return drift(heap), s1[4] - s0[4]

    def close(self):
        self.kc.stop_channels()
        self.kp.stop()


def drift(values):
    """The median of the last quarter of values minus that of the first."""
    quarter = max(1, len(values) // 4)
    return statistics.median(values[-quarter:]) - statistics.median(values[:quarter])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to run (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the workload's choices (default 1)")
    parser.add_argument("--sample-every", type=float, default=5, help="seconds between memory samples (default 5)")
    parser.add_argument("--max-drift-mib", type=float, default=32,
                        help="largest acceptable drift of the live heap in MiB (default 32)")
    parser.add_argument("--max-goroutine-growth", type=int, default=5,
                        help="largest acceptable growth of the goroutine count (default 5)")
    parser.add_argument("--transcript", help="write every cell sent, as a JSON list, to this file")
    args = parser.parse_args()
    soak = Soak(args.minutes, args.seed, args.sample_every)
    try:
        soak.run()
    except Exception as e:  # reported below with the figures so far
        if not soak.failures:
            soak.failures.append(f"{type(e).__name__}: {e}")
    finally:
        heap_drift, goroutine_growth = soak.report()
        soak.close()
        if args.transcript:
            with open(args.transcript, "w") as f:
                json.dump(soak.sent, f, indent=0)
    if heap_drift > args.max_drift_mib:
        soak.failures.append(f"live heap drifted {heap_drift:.1f} MiB (limit {args.max_drift_mib})")
    if goroutine_growth > args.max_goroutine_growth:
        soak.failures.append(f"{goroutine_growth} more goroutines (limit {args.max_goroutine_growth})")
    for f in soak.failures:
        print("FAIL:", f)
    if soak.failures:
        print("the last cells sent, oldest first:")
        for code in soak.recent:
            print("  ", json.dumps(code))
    sys.exit(1 if soak.failures else 0)


if __name__ == "__main__":
    main()
