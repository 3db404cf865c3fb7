"""Shared pieces of golign's fault tests and soak: running cells through a
jupyter_client, and reading a kernel process's threads, descriptors and
memory from /proc."""

import os
import sys
import time
from queue import Empty

from jupyter_client.utils import run_sync

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "jupyter"))

from kernelproc import KernelProcess, golign_binary, rss_kib  # noqa: E402,F401

TIMEOUT = 60


def iopub_of(kc, msg_id, timeout=TIMEOUT):
    """The iopub messages of request msg_id, from busy to idle (idle left out)."""
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        outputs.append(msg)


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id, skipping replies to earlier requests."""
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def run_cell(kc, code, timeout=TIMEOUT, **kwargs):
    """Executes code; returns the reply and the request's iopub messages."""
    msg_id = kc.execute(code, **kwargs)
    reply = shell_reply(kc, msg_id, timeout)
    return reply, iopub_of(kc, msg_id, timeout)


def stream_text(outputs, name="stdout"):
    """The text of the stream messages named name."""
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def result_text(outputs):
    """The text/plain of the execute_result among outputs, or None."""
    for m in outputs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"]["text/plain"]
    return None


def value_of(kc, expr):
    """The text/plain value of expression expr evaluated in the kernel."""
    reply, outputs = run_cell(kc, expr)
    if reply["content"]["status"] != "ok":
        raise AssertionError(f"{expr}: {reply['content']}")
    return result_text(outputs)


def control_request(kc, msg_type, content=None, timeout=TIMEOUT):
    """Sends a control request and returns its reply."""
    msg = kc.session.msg(msg_type, content or {})
    kc.control_channel.send(msg)
    deadline = time.monotonic() + timeout
    while True:
        reply = run_sync(kc.control_channel.get_msg)(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            return reply


def drain_iopub(kc, quiet=0.3):
    """Reads iopub until it is quiet for `quiet` seconds."""
    while True:
        try:
            kc.get_iopub_msg(timeout=quiet)
        except Empty:
            return


def proc_status(pid, field):
    """A numeric field (such as Threads or VmRSS) of /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def fd_count(pid):
    """How many file descriptors process pid holds open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def alive(pid):
    """Whether process pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


class Resources:
    """A kernel's goroutines (asked of the kernel itself through a cell),
    threads, open descriptors and resident memory at one moment."""

    def __init__(self, kc, pid):
        self.goroutines = int(value_of(kc, "runtime.NumGoroutine()"))
        self.threads = proc_status(pid, "Threads")
        self.fds = fd_count(pid)
        self.rss_kib = proc_status(pid, "VmRSS")

    def __repr__(self):
        return (f"goroutines={self.goroutines} threads={self.threads} fds={self.fds} "
                f"rss={self.rss_kib / 1024:.1f} MiB")
