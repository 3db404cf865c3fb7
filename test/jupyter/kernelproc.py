"""Starting golign kernels as Jupyter does, for the tests and the benchmark."""

import os
import subprocess
import tempfile
import time
from queue import Empty

import zmq
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file


def golign_binary():
    """The golign binary under test: $GOLIGN, else the one on PATH."""
    return os.environ.get("GOLIGN", "golign")


def golign_command(connection_file):
    """The command line Jupyter runs for golign's kernelspec."""
    return [golign_binary(), "kernel", "-f", connection_file]


def ipykernel_command(connection_file):
    """The command line of Debian's ipykernel."""
    return ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", connection_file]


def null_kernel_command(connection_file):
    """The command line of null_kernel.py, a kernel that does no work."""
    here = os.path.dirname(os.path.abspath(__file__))
    return ["/usr/bin/python3", os.path.join(here, "null_kernel.py"), "-f", connection_file]


class KernelProcess:
    """A kernel process (by default `golign kernel -f FILE`) with its
    connection file and log.

    The connection file is written with free ports (tcp) or socket paths
    (ipc) and the given key; the kernel's stderr goes to a log file read by
    log_text().
    """

    def __init__(self, key=b"a-test-key", transport="tcp", command=None, start=True):
        self.dir = tempfile.mkdtemp(prefix="golign-kernel-")
        self.connection_file = os.path.join(self.dir, "kernel.json")
        ip = "127.0.0.1" if transport == "tcp" else os.path.join(self.dir, "ipc")
        write_connection_file(self.connection_file, ip=ip, key=key, transport=transport)
        self.log_path = os.path.join(self.dir, "kernel.log")
        self.log = open(self.log_path, "wb")
        self.argv = (command or golign_command)(self.connection_file)
        self.proc = None
        if start:
            self.start()

    def start(self):
        """Starts the process; started is its start time (perf_counter)."""
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)

    def client(self, key=None, reconnect_ms=None):
        """A started BlockingKernelClient; key overrides the file's key, and
        reconnect_ms libzmq's interval between attempts to connect."""
        kc = BlockingKernelClient(connection_file=self.connection_file)
        if reconnect_ms is not None:
            kc.context.setsockopt(zmq.RECONNECT_IVL, reconnect_ms)
        kc.load_connection_file()
        if key is not None:
            kc.session.key = key
        kc.start_channels()
        return kc

    def ready_client(self, timeout=60):
        """A started client once the kernel answers on shell and publishes
        on iopub (a SUB socket misses what precedes its subscription)."""
        kc = self.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kernel exited with {self.proc.returncode}:\n{self.log_text()}")
            msg_id = kc.kernel_info()
            try:
                while kc.get_shell_msg(timeout=1)["parent_header"].get("msg_id") != msg_id:
                    pass
                kc.get_iopub_msg(timeout=0.2)
            except Empty:
                continue
            while True:
                try:
                    kc.get_iopub_msg(timeout=0.2)
                except Empty:
                    return kc
        kc.stop_channels()
        raise RuntimeError("kernel not ready in time")

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, timeout=10):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def rss_kib(pid):
    """Resident set size of process pid in KiB, from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
