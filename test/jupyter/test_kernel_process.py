"""golign's kernel process driven by jupyter_client: what the conformance
suite does not cover (wrong key, interrupts by message and by SIGINT,
stdin, the ipc transport, a clean shutdown)."""

import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
from queue import Empty

from jupyter_client.manager import KernelManager
from jupyter_client.utils import run_sync

from kernelproc import KernelProcess, golign_binary

TIMEOUT = 30


def run_cell(kc, code, **kwargs):
    """Executes code and returns the reply and the iopub messages of the
    request, from busy to idle."""
    msg_id = kc.execute(code, **kwargs)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id, reply
    return reply, iopub_of(kc, msg_id)


def iopub_of(kc, msg_id):
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        outputs.append(msg)


def control_reply(kc):
    """The next message on the control channel."""
    return run_sync(kc.control_channel.get_msg)(timeout=TIMEOUT)


def stdout_of(outputs):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


class KernelProcessTests(unittest.TestCase):
    def setUp(self):
        self.kp = KernelProcess()
        self.kc = self.kp.ready_client(timeout=TIMEOUT)

    def tearDown(self):
        self.kc.stop_channels()
        self.kp.stop()

    def test_wrong_key_gets_no_reply_and_is_logged(self):
        intruder = self.kp.client(key=b"not-the-key")
        try:
            intruder.kernel_info()
            with self.assertRaises(Empty):
                intruder.get_shell_msg(timeout=2)
            intruder.execute('panic("must not run")')
            with self.assertRaises(Empty):
                intruder.get_shell_msg(timeout=1)
        finally:
            intruder.stop_channels()
        log = self.kp.log_text()
        self.assertIn("bad or missing signature", log)
        self.assertNotIn("a-test-key", log)
        # The real client is still served.
        reply, _ = run_cell(self.kc, "x := 1")
        self.assertEqual(reply["content"]["status"], "ok")

    def interrupt_long_cell(self, interrupt):
        run_cell(self.kc, 'import "time"')
        msg_id = self.kc.execute("time.Sleep(time.Hour)")
        time.sleep(0.5)
        interrupt()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        iopub_of(self.kc, msg_id)
        # The kernel keeps working after the interrupt.
        reply, _ = run_cell(self.kc, "y := 2")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_interrupt_request(self):
        def by_message():
            msg = self.kc.session.msg("interrupt_request", {})
            self.kc.control_channel.send(msg)
            self.assertEqual(control_reply(self.kc)["msg_type"], "interrupt_reply")

        self.interrupt_long_cell(by_message)

    def test_sigint(self):
        self.interrupt_long_cell(lambda: os.kill(self.kp.proc.pid, signal.SIGINT))

    def test_stdin(self):
        run_cell(self.kc, 'import "github.com/golign/golign/kernel/display"')
        msg_id = self.kc.execute('name, _ := display.Input("name? ")', allow_stdin=True)
        request = self.kc.get_stdin_msg(timeout=TIMEOUT)
        self.assertEqual(request["msg_type"], "input_request")
        self.assertEqual(request["content"]["prompt"], "name? ")
        self.assertEqual(request["parent_header"]["msg_id"], msg_id)
        self.kc.input("gopher")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")
        iopub_of(self.kc, msg_id)
        reply, outputs = run_cell(self.kc, "name")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertIn("gopher", results[0]["content"]["data"]["text/plain"])

    def test_shutdown_exits_zero(self):
        msg = self.kc.session.msg("shutdown_request", {"restart": False})
        self.kc.control_channel.send(msg)
        self.assertEqual(control_reply(self.kc)["msg_type"], "shutdown_reply")
        self.assertEqual(self.kp.wait(timeout=TIMEOUT), 0)

    def test_sigterm_exits_zero(self):
        self.kp.proc.terminate()
        self.assertEqual(self.kp.wait(timeout=TIMEOUT), 0)


class OrphanTest(unittest.TestCase):
    def test_exits_when_its_parent_is_gone(self):
        kp = KernelProcess(start=False)
        try:
            # A shell starts the kernel as Jupyter does (naming itself in
            # JPY_PARENT_PID), prints its pid and exits.
            script = 'JPY_PARENT_PID=$$ "$@" >"$LOG" 2>&1 & echo $!; sleep 1'
            out = subprocess.run(["sh", "-c", script, "sh"] + kp.argv, env=dict(os.environ, LOG=kp.log_path),
                                 check=True, capture_output=True, text=True).stdout
            pid = int(out.split()[0])
            deadline = time.monotonic() + TIMEOUT
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertFalse(alive(pid), "the orphaned kernel is still running")
            self.assertIn("shutting down", kp.log_text())
        finally:
            kp.stop()


def alive(pid):
    """Whether process pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


class InstallTest(unittest.TestCase):
    def test_kernelspec_listed(self):
        with tempfile.TemporaryDirectory() as prefix:
            subprocess.run([golign_binary(), "install", "--prefix", prefix, "--name", "golign-listed"],
                           check=True, capture_output=True)
            env = dict(os.environ, JUPYTER_PATH=os.path.join(prefix, "share", "jupyter"))
            out = subprocess.run(["/usr/bin/python3", "-m", "jupyter_client.kernelspecapp", "list", "--json"],
                                 check=True, capture_output=True, env=env).stdout
            spec = json.loads(out)["kernelspecs"]["golign-listed"]
            self.assertEqual(spec["resource_dir"], os.path.join(prefix, "share", "jupyter", "kernels", "golign-listed"))
            self.assertEqual(spec["spec"]["display_name"], "Go (golign)")
            self.assertEqual(spec["spec"]["language"], "go")
            self.assertEqual(spec["spec"]["argv"][1:], ["kernel", "-f", "{connection_file}"])
            self.assertTrue(os.path.isabs(spec["spec"]["argv"][0]))
            self.assertEqual(sorted(os.listdir(spec["resource_dir"])), ["kernel.json", "logo-32x32.png", "logo-64x64.png"])


class IPCTransportTest(unittest.TestCase):
    def test_ipc(self):
        km = KernelManager(kernel_name="golign", transport="ipc")
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT)
            self.assertEqual(km.transport, "ipc")
            reply, outputs = run_cell(kc, 'import "fmt"\nfmt.Println("over ipc")')
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertIn("over ipc", stdout_of(outputs))
        finally:
            kc.stop_channels()
            km.shutdown_kernel()


if __name__ == "__main__":
    unittest.main()
