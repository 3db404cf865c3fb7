"""Security of golign's kernel against a real jupyter_client: unsigned,
wrongly signed and replayed messages never run, the key never leaks, the
kernel listens only where the connection file says, and `golign install
--prefix` writes only under its prefix."""

import hashlib
import ipaddress
import json
import os
import subprocess
import tempfile
import time
import unittest
from queue import Empty

import zmq

from faultlib import KernelProcess, golign_binary, run_cell, value_of

# A key no test output could contain by chance.
KEY = b"k3y-9f1c0e7a5b-never-printed"


def write_file_cell(path):
    """A cell appending one byte to path, so that each run of it shows."""
    return ('import "os"\n'
            f'f, _ := os.OpenFile("{path}", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)\n'
            'f.WriteString("x")\n'
            'f.Close()')


class SignatureTests(unittest.TestCase):
    def setUp(self):
        self.kp = KernelProcess(key=KEY)
        self.kc = self.kp.ready_client()
        self.marker = os.path.join(self.kp.dir, "marker")

    def tearDown(self):
        self.kc.stop_channels()
        self.kp.stop()

    def assert_never_runs(self, key):
        intruder = self.kp.client(key=key)
        try:
            intruder.execute(write_file_cell(self.marker))
            with self.assertRaises(Empty):
                intruder.get_shell_msg(timeout=2)
        finally:
            intruder.stop_channels()
        # The kernel's own client runs a cell after the intruder's, so the
        # intruder's would have run by now.
        reply, _ = run_cell(self.kc, "1")
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertFalse(os.path.exists(self.marker), "a cell with a bad signature ran")

    def test_wrong_key_never_runs(self):
        self.assert_never_runs(b"a-wrong-key")

    def test_missing_signature_never_runs(self):
        # jupyter_client signs nothing (an empty signature) with an empty key.
        self.assert_never_runs(b"")

    def raw_shell(self):
        """A DEALER socket on the kernel's shell port, as a client uses."""
        with open(self.kp.connection_file) as f:
            info = json.load(f)
        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        return sock

    def test_replayed_message_runs_once(self):
        msg = self.kc.session.msg("execute_request", {
            "code": write_file_cell(self.marker), "silent": False, "store_history": True,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        frames = self.kc.session.serialize(msg)
        first, second = self.raw_shell(), self.raw_shell()
        try:
            first.send_multipart(frames)
            self.assertTrue(first.poll(30_000), "no reply to the original message")
            first.recv_multipart()
            # The same bytes again, from the same and from another connection.
            first.send_multipart(frames)
            second.send_multipart(frames)
            self.assertEqual(first.poll(2000), 0, "a replayed message was answered")
            self.assertEqual(second.poll(10), 0, "a replayed message was answered")
        finally:
            first.close()
            second.close()
        run_cell(self.kc, "1")
        with open(self.marker) as f:
            self.assertEqual(f.read(), "x", "the replayed message ran again")

    def test_key_never_in_logs_or_messages(self):
        seen = []
        for code in ['panic("boom")', "undefinedName", 'import "nosuch/pkg"', "x := "]:
            reply, outputs = run_cell(self.kc, code)
            seen.append(json.dumps(reply["content"]))
            seen += [json.dumps(m["content"]) for m in outputs]
        # What a kernel could print the key near: the signature check and
        # the connection file it read.
        self.kp.client(key=b"another-key").kernel_info()
        self.kp.client(key=b"").kernel_info()
        seen.append(value_of(self.kc, '"still served"'))
        seen.append(self.kp.log_text())
        self.assertIn("signature", self.kp.log_text())
        for text in seen:
            self.assertNotIn(KEY.decode(), text)


class ListeningTests(unittest.TestCase):
    def test_listens_only_on_the_connection_file_ports(self):
        kp = KernelProcess(key=KEY)
        kc = kp.ready_client()
        try:
            with open(kp.connection_file) as f:
                info = json.load(f)
            want = {(info["ip"], info[name]) for name in
                    ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
            self.assertEqual(listening(kp.proc.pid), want)
        finally:
            kc.stop_channels()
            kp.stop()


def listening(pid):
    """The (address, port) pairs process pid listens on over TCP, from
    /proc/net/tcp and tcp6 matched against the process's socket inodes."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != "0A" or inode not in inodes:  # 0A is LISTEN
                    continue
                address, port = local.split(":")
                found.add((decode_address(address, width), int(port, 16)))
    return found


def decode_address(hex_address, width):
    """The text form of an address of /proc/net/tcp (little-endian words)."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    return str(address.ipv4_mapped or address) if width == 32 else str(address)


class InstallTests(unittest.TestCase):
    def test_install_prefix_writes_only_under_prefix(self):
        with tempfile.TemporaryDirectory() as top:
            home = os.path.join(top, "home")
            prefix = os.path.join(top, "prefix")
            work = os.path.join(top, "work")
            for d in (home, work):
                os.makedirs(d)
            env = {"PATH": os.environ["PATH"], "HOME": home, "TMPDIR": os.path.join(top, "tmp")}
            for var, sub in (("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                             ("XDG_CACHE_HOME", ".cache"), ("XDG_RUNTIME_DIR", "run")):
                env[var] = os.path.join(home, sub)
                os.makedirs(env[var])
            os.makedirs(env["TMPDIR"])
            before = snapshot(top)
            subprocess.run([golign_binary(), "install", "--prefix", prefix], check=True,
                           capture_output=True, env=env, cwd=work)
            after = snapshot(top)
            changed = {p for p in after.keys() | before.keys() if after.get(p) != before.get(p)}
            outside = sorted(p for p in changed if not p.startswith("prefix/") and p != "prefix")
            self.assertEqual(outside, [], "golign install --prefix wrote outside the prefix")
            self.assertTrue(any(p.endswith("kernel.json") for p in changed))


def snapshot(top):
    """Every path under top with its content digest (None for a directory)."""
    found = {}
    for root, dirs, files in os.walk(top):
        for name in dirs:
            found[os.path.relpath(os.path.join(root, name), top)] = None
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, top)] = hashlib.sha256(f.read()).hexdigest()
    return found


if __name__ == "__main__":
    unittest.main()
