"""golign's kernel under faults, driven by a real jupyter_client: killed and
concurrent clients, a thousand back-to-back executes, huge output and
allocations, panicking goroutines, interrupt storms, shutdown and restart
during an execution, and a notebook run killed half-way."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import unittest
from queue import Empty

from jupyter_client.manager import KernelManager
from jupyter_client.utils import run_sync

from faultlib import (TIMEOUT, KernelProcess, Resources, alive, control_request, drain_iopub, golign_binary,
                      iopub_of, run_cell, shell_reply, stream_text, value_of)


def mem_available():
    """MemAvailable of /proc/meminfo in bytes."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


class KernelTestCase(unittest.TestCase):
    """A golign kernel with a ready client and the runtime package imported."""

    def setUp(self):
        self.kp = KernelProcess()
        self.kc = self.kp.ready_client()
        self.run_ok('import (\n"fmt"\n"runtime"\n"runtime/debug"\n"strings"\n"time"\n)')

    def tearDown(self):
        self.kc.stop_channels()
        self.kp.stop()

    def run_ok(self, code, kc=None, **kwargs):
        """Runs code, checks that it succeeded and returns its outputs."""
        reply, outputs = run_cell(kc or self.kc, code, **kwargs)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        return outputs

    def resources(self):
        """The kernel's resources once garbage is collected and freed."""
        self.run_ok("runtime.GC()\ndebug.FreeOSMemory()")
        return Resources(self.kc, self.kp.proc.pid)


# A client that sets x, starts a cell incrementing it after two seconds,
# says so and waits to be killed.
DOOMED_CLIENT = """
import sys, time
from jupyter_client import BlockingKernelClient
kc = BlockingKernelClient(connection_file=sys.argv[1])
kc.load_connection_file()
kc.start_channels()
msg_id = kc.execute("x := 41")
while kc.get_shell_msg(timeout=60)["parent_header"]["msg_id"] != msg_id:
    pass
kc.execute('time.Sleep(2 * time.Second)\\nx++\\nfmt.Println("incremented")')
time.sleep(0.5)
print("executing", flush=True)
time.sleep(3600)
"""


class ClientTests(KernelTestCase):
    def test_client_killed_mid_execute(self):
        doomed = subprocess.Popen([sys.executable, "-c", DOOMED_CLIENT, self.kp.connection_file],
                                  stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(doomed.stdout.readline().strip(), "executing")
        finally:
            doomed.kill()
            doomed.wait()
            doomed.stdout.close()
        # A new client sees the kernel alive, with the state the dead
        # client's cells left (its last cell completes without it).
        fresh = self.kp.ready_client()
        try:
            self.assertEqual(value_of(fresh, "x"), "42")
        finally:
            fresh.stop_channels()

    def test_two_clients_share_one_kernel(self):
        other = self.kp.ready_client()
        try:
            self.run_ok("shared := 1")
            self.run_ok("shared += 10", kc=other)
            self.assertEqual(value_of(self.kc, "shared"), "11")
            # Requests sent by both at once: each client gets exactly the
            # replies to its own requests, in the order it sent them.
            sent = {self.kc: [], other: []}
            for i in range(20):
                for kc in sent:
                    sent[kc].append(kc.execute(f"shared += {i}"))
            for kc, ids in sent.items():
                got = [kc.get_shell_msg(timeout=TIMEOUT)["parent_header"]["msg_id"] for _ in ids]
                self.assertEqual(got, ids)
                with self.assertRaises(Empty):
                    kc.get_shell_msg(timeout=0.2)
            self.assertEqual(value_of(other, "shared"), str(11 + 2 * sum(range(20))))
        finally:
            other.stop_channels()


class LoadTests(KernelTestCase):
    def test_thousand_back_to_back_executes(self):
        cells = ["n := 0", "n++", 'fmt.Println("n is", n)', "s := strings.Repeat(\"ab\", n)", "len(s)"]
        for code in cells:
            self.run_ok(code)
        before = self.resources()
        sent = [self.kc.execute(cells[1 + i % 4]) for i in range(1000)]
        counts = []
        for msg_id in sent:
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            self.assertEqual(reply["parent_header"]["msg_id"], msg_id, "replies out of order")
            self.assertEqual(reply["content"]["status"], "ok", reply["content"])
            counts.append(reply["content"]["execution_count"])
        self.assertEqual(counts, list(range(counts[0], counts[0] + 1000)))
        drain_iopub(self.kc)
        self.assertEqual(value_of(self.kc, "n"), str(1 + 250))
        after = self.resources()
        print(f"\n1000 executes: before {before}; after {after}", file=sys.stderr)
        self.assertLessEqual(after.goroutines, before.goroutines + 3)
        self.assertLessEqual(after.threads, before.threads + 3)
        self.assertLessEqual(after.fds, before.fds + 2)
        self.assertLess(after.rss_kib - before.rss_kib, 64 * 1024)

    def test_fifty_megabytes_of_output(self):
        before = self.resources()
        # Inside a function: what a cell computes at top level stays
        # referenced by the interpreter (see README, Reliability).
        outputs = self.run_ok('func() { fmt.Print(strings.Repeat("0123456789", 5<<20)) }()', timeout=120)
        text = stream_text(outputs)
        self.assertEqual(len(text), 50 << 20)
        self.assertEqual(text[:20], "01234567890123456789")
        self.assertEqual(value_of(self.kc, '"still here"'), '"still here"')
        after = self.resources()
        print(f"\n50 MB printed: before {before}; after {after}", file=sys.stderr)
        self.assertLess(after.rss_kib - before.rss_kib, 25 * 1024, "memory not returned after 50 MB of output")
        self.assertLessEqual(after.goroutines, before.goroutines + 2)


class FailureTests(KernelTestCase):
    def test_allocation_beyond_the_address_space_is_an_error(self):
        self.run_ok("kept := 7")
        reply, outputs = run_cell(self.kc, "b := make([]byte, 1<<50)")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertRegex(reply["content"]["evalue"], r"^make: 1\.0 PiB requested, [0-9.]+ [KMGTP]?i?B available$")
        self.assertTrue(any(m["msg_type"] == "error" for m in outputs))
        self.assertEqual(value_of(self.kc, "kept"), "7")

    def test_allocation_beyond_memory_is_an_error(self):
        # 1 TiB, within the address space but beyond this machine's memory:
        # Go would end the process; the session's check of make refuses it.
        if mem_available() >= 1 << 40:
            self.skipTest("this machine has 1 TiB available")
        self.run_ok("kept := 7\nn := 1 << 37")
        for code in ["c := make([]float64, 1<<37)", "c := make([]float64, 0, n)",
                     "func grab(k int) []float64 { return make([]float64, k) }\nc := grab(n)"]:
            reply, outputs = run_cell(self.kc, code)
            self.assertEqual(reply["content"]["status"], "error", code)
            self.assertRegex(reply["content"]["evalue"], r"^make: 1\.0 TiB requested, [0-9.]+ [KMGT]?i?B available$")
            self.assertTrue(alive(self.kp.proc.pid))
        self.assertEqual(value_of(self.kc, "kept"), "7")
        self.assertEqual(value_of(self.kc, "len(make([]float64, 1<<20))"), str(1 << 20))

    def test_goroutine_panic_is_reported_and_survived(self):
        self.run_ok("kept := 7")
        outputs = self.run_ok('go func() { panic("boom in a goroutine") }()\ntime.Sleep(200 * time.Millisecond)')
        self.assertIn("panic in a goroutine: boom in a goroutine", stream_text(outputs, "stderr"))
        self.assertEqual(value_of(self.kc, "kept"), "7")
        self.assertTrue(alive(self.kp.proc.pid))

    def test_failed_redefinition_keeps_the_function(self):
        self.run_ok("func f() int { return 1 }")
        reply, _ = run_cell(self.kc, "func f() int {\nretx{a: b}\n}")
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(value_of(self.kc, "f()"), "1")

    def test_interrupt_storm(self):
        self.run_ok("n := 0")
        msg_id = self.kc.execute("for {\nn++\ntime.Sleep(time.Millisecond)\n}")
        time.sleep(0.5)
        sent = [self.kc.session.msg("interrupt_request", {}) for _ in range(100)]
        for msg in sent:
            self.kc.control_channel.send(msg)
        replies = 0
        while replies < len(sent):
            reply = run_sync(self.kc.control_channel.get_msg)(timeout=TIMEOUT)
            self.assertEqual(reply["msg_type"], "interrupt_reply")
            replies += 1
        reply = shell_reply(self.kc, msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        iopub_of(self.kc, msg_id)
        # State survives, and no interrupt of the storm cancels later cells.
        counted = int(value_of(self.kc, "n"))
        self.assertGreater(counted, 0)
        self.run_ok("time.Sleep(300 * time.Millisecond)\nn++")
        self.assertEqual(value_of(self.kc, "n"), str(counted + 1))


class LifecycleTests(unittest.TestCase):
    def test_shutdown_and_restart_during_execution(self):
        kp = KernelProcess()
        kc = kp.ready_client()
        try:
            run_cell(kc, 'import "time"\nx := 1')
            kc.execute("time.Sleep(time.Hour)")
            time.sleep(0.3)
            reply = control_request(kc, "shutdown_request", {"restart": True})
            self.assertEqual(reply["content"], {"status": "ok", "restart": True})
            self.assertEqual(kp.wait(timeout=TIMEOUT), 0)
            kc.stop_channels()
            # A new kernel on the same connection file starts clean.
            kp.start()
            kc = kp.ready_client()
            reply, _ = run_cell(kc, "x")
            self.assertEqual(reply["content"]["status"], "error")
            self.assertEqual(value_of(kc, "1 + 1"), "2")
        finally:
            kc.stop_channels()
            kp.stop()

    def test_manager_restart_during_execution(self):
        km = KernelManager(kernel_name="golign")
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT)
            first = km.provisioner.pid
            run_cell(kc, 'import "time"')
            kc.execute("time.Sleep(time.Hour)")
            time.sleep(0.3)
            km.restart_kernel(now=False)
            self.assertFalse(alive(first))
            kc.stop_channels()
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=TIMEOUT)
            self.assertEqual(value_of(kc, "2 * 21"), "42")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        self.assertFalse(km.is_alive())


def notebook(cells):
    """An nbformat 4 notebook of Go code cells."""
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "golign", "language": "go",
            "display_name": "Go (golign)"}}, "cells": [
        {"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None, "outputs": [],
         "source": source} for i, source in enumerate(cells)]}


class NotebookRunTests(unittest.TestCase):
    def setUp(self):
        self.kp = KernelProcess(start=False)  # only for its temporary directory
        self.dir = self.kp.dir
        self.started = os.path.join(self.dir, "started")
        self.input = os.path.join(self.dir, "in.ipynb")
        with open(self.input, "w") as f:
            json.dump(notebook(['import (\n"fmt"\n"os"\n"time"\n)', 'fmt.Println("first")',
                                f'os.WriteFile("{self.started}", nil, 0o644)\ntime.Sleep(time.Hour)',
                                'fmt.Println("never")']), f)
        with open(self.input, "rb") as f:
            self.digest = hashlib.sha256(f.read()).hexdigest()

    def tearDown(self):
        self.kp.stop()

    def run_and_kill(self, output, sig):
        proc = subprocess.Popen([golign_binary(), "run", self.input, "-o", output, "-q"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + TIMEOUT
            while not os.path.exists(self.started):
                self.assertIsNone(proc.poll(), "golign run ended before its long cell")
                self.assertLess(time.monotonic(), deadline, "the long cell never started")
                time.sleep(0.05)
            proc.send_signal(sig)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def assert_input_untouched(self):
        with open(self.input, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), self.digest, "the input notebook changed")

    def assert_absent_or_valid(self, path):
        if os.path.exists(path):
            with open(path) as f:
                self.assertEqual(json.load(f)["nbformat"], 4)

    def test_killed_run_leaves_input_untouched(self):
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig.name):
                if os.path.exists(self.started):
                    os.remove(self.started)
                output = os.path.join(self.dir, f"out-{sig.name}.ipynb")
                self.run_and_kill(output, sig)
                self.assert_input_untouched()
                self.assert_absent_or_valid(output)

    def test_killed_in_place_run_leaves_a_whole_notebook(self):
        # Writing over the input: a kill leaves the old file or a whole new
        # one, never a truncated one.
        self.run_and_kill(self.input, signal.SIGKILL)
        self.assert_absent_or_valid(self.input)
        self.assertTrue(os.path.exists(self.input))


if __name__ == "__main__":
    unittest.main()
