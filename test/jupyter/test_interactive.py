"""golign's kernel in interactive use, driven by a real BlockingKernelClient:
completion and inspection of library code, interrupts of interpreted loops
and of native library computations, redefinition across cells and panics in
goroutines a cell started."""

import time
import unittest

from kernelproc import KernelProcess
from test_kernel_process import TIMEOUT, control_reply, iopub_of, run_cell

# How soon after an interrupt the cell must answer, in seconds.
INTERRUPT_WITHIN = 2


def result_text(outputs):
    """The text/plain data of the execute_result among outputs."""
    for m in outputs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def stream_text(outputs, name):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


class InteractiveTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kp = KernelProcess()
        try:
            cls.kc = cls.kp.ready_client(timeout=TIMEOUT)
        except Exception:
            cls.kp.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.kp.stop()

    def ok(self, code):
        """Runs code, asserts it succeeded and returns its iopub messages."""
        reply, outputs = run_cell(self.kc, code)
        self.assertEqual(reply["content"]["status"], "ok", (code, reply["content"], self.kp.log_text()))
        return outputs

    def shell_reply(self, msg_id):
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply

    def interrupt(self, msg_id, after):
        """Interrupts the running cell msg_id after the given delay and
        asserts that it answers with an error within INTERRUPT_WITHIN."""
        time.sleep(after)
        sent = time.monotonic()
        self.kc.control_channel.send(self.kc.session.msg("interrupt_request", {}))
        self.assertEqual(control_reply(self.kc)["msg_type"], "interrupt_reply")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        elapsed = time.monotonic() - sent
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error", reply["content"])
        self.assertEqual(reply["content"]["ename"], "Interrupted", reply["content"])
        self.assertLess(elapsed, INTERRUPT_WITHIN)
        iopub_of(self.kc, msg_id)

    def test_complete_methods_of_a_variable(self):
        self.ok('import "gonum.org/v1/gonum/mat"')
        self.ok("m := mat.NewDense(2, 2, nil)")
        msg_id = self.kc.complete("m.Ra", 4)
        content = self.shell_reply(msg_id)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertIn("RawMatrix", content["matches"])
        self.assertIn("RawRowView", content["matches"])
        self.assertEqual(content["cursor_start"], 2)
        self.assertEqual(content["cursor_end"], 4)

    def test_inspect_library_function(self):
        self.ok('import "gonum.org/v1/gonum/mat"')
        msg_id = self.kc.inspect("mat.NewDense", 7)
        content = self.shell_reply(msg_id)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertTrue(content["found"])
        text = content["data"]["text/plain"]
        self.assertIn("func NewDense", text)
        self.assertIn("NewDense creates", text)

    def test_interrupt_interpreted_loop(self):
        self.ok("before := 41")
        msg_id = self.kc.execute("for {}")
        self.interrupt(msg_id, 0.5)
        self.assertEqual(result_text(self.ok("before + 1")), "42")

    def test_interrupt_library_training(self):
        self.ok('import "github.com/golign/golign/alignment/reward"')
        self.ok('import "github.com/golign/golign/alignment/synth"')
        self.ok("data, err := synth.Generate(synth.Config{Pairs: 4000, Validation: -1, Dim: 64, Seed: 1})")
        self.ok("kept := len(data.Flipped)")
        # Many epochs of a wide MLP: minutes of work unless interrupted.
        msg_id = self.kc.execute(
            "model, err := reward.TrainMLP(data.Train, reward.MLPConfig{Hidden: []int{512, 512}, Epochs: 100000, BatchSize: 32})"
        )
        self.interrupt(msg_id, 1)
        self.assertEqual(result_text(self.ok("kept")), "4000")

    def test_redefinition_reaches_callers(self):
        self.ok("func f() int { return 1 }")
        self.ok("func g() int { return f() + 10 }")
        self.assertEqual(result_text(self.ok("g()")), "11")
        self.ok("func f() int { return 2 }")
        self.assertEqual(result_text(self.ok("g()")), "12")

    def test_panic_in_goroutine(self):
        self.ok('import "time"')
        reply, outputs = run_cell(self.kc, 'go func() { panic("boom") }()\ntime.Sleep(200 * time.Millisecond)')
        self.assertIn("boom", stream_text(outputs, "stderr"), outputs)
        self.assertIsNone(self.kp.proc.poll())
        self.assertEqual(result_text(self.ok("1+1")), "2")


if __name__ == "__main__":
    unittest.main()
