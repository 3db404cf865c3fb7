"""Measures golign's kernel against Debian's ipykernel in the same run, and
against null_kernel.py (a Python kernel that does no work, to show what
the client and pyzmq cost):
start-up (process start to the first kernel_info_reply), resident memory
after start, and the round trip of a trivial cell from a
BlockingKernelClient (execute_request to execute_reply, and to the idle
status that ends the request on iopub). Prints a table, or with --json one
JSON object per kernel (seconds and MiB) for bench/, the performance suite.

Run with /usr/bin/python3; GOLIGN names the golign binary (default: golign
on PATH).
"""

import argparse
import json
import statistics
import sys
import time

from kernelproc import (KernelProcess, golign_binary, golign_command, ipykernel_command, null_kernel_command,
                        rss_kib)

STARTS = 10
WARMUP = 20
ROUND_TRIPS = 300

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--json", action="store_true", help="print a JSON list of rows instead of a table")
parser.add_argument("--starts", type=int, default=STARTS, help="kernel starts to time (default %(default)s)")
parser.add_argument("--round-trips", type=int, default=ROUND_TRIPS,
                    help="trivial cells to time (default %(default)s)")


def start_to_kernel_info(command):
    """Seconds from process start to the first kernel_info_reply, and the
    process. The client is connected and the request queued before the
    process starts, with libzmq retrying the connection every millisecond
    (by default it waits 100 ms between attempts, which would be timed
    instead of the kernel)."""
    kp = KernelProcess(command=command, start=False)
    kc = kp.client(reconnect_ms=1)
    try:
        msg_id = kc.kernel_info()
        kp.start()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                return time.perf_counter() - kp.started, kp
    except BaseException:
        kp.stop()
        raise
    finally:
        kc.stop_channels()


def round_trips(kc, code):
    """Median seconds to the execute_reply and to the idle status."""
    to_reply, to_idle = [], []
    for i in range(WARMUP + args.round_trips):
        t0 = time.perf_counter()
        msg_id = kc.execute(code)
        while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
            pass
        t1 = time.perf_counter()
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                    and msg["content"]["execution_state"] == "idle"):
                break
        t2 = time.perf_counter()
        if i >= WARMUP:
            to_reply.append(t1 - t0)
            to_idle.append(t2 - t0)
    return statistics.median(to_reply), statistics.median(to_idle)


def bench(name, command, code):
    starts, rss = [], []
    for _ in range(args.starts):
        start, kp = start_to_kernel_info(command)
        try:
            starts.append(start)
            time.sleep(1.0)
            rss.append(rss_kib(kp.proc.pid))
        finally:
            kp.stop()
    kp = KernelProcess(command=command)
    try:
        kc = kp.ready_client()
        reply, idle = round_trips(kc, code)
        kc.stop_channels()
    finally:
        kp.stop()
    return {
        "kernel": name,
        "start": statistics.median(starts),
        "start_min": min(starts),
        "rss": statistics.median(rss) / 1024,
        "reply": reply,
        "idle": idle,
    }


def main():
    rows = [
        bench("golign", golign_command, "x := 1"),
        bench("ipykernel", ipykernel_command, "x = 1"),
        bench("null", null_kernel_command, ""),
    ]
    if args.json:
        print(json.dumps(rows))
        return
    print(f"golign binary: {golign_binary()}")
    print(f"start: median (and minimum) of {args.starts} starts; round trips: median of {args.round_trips} trivial cells "
          f"after {WARMUP} warm-up cells\n")
    print(f"{'kernel':<10} {'start→kernel_info (min)':>24} {'RSS after start':>16} {'→execute_reply':>15} {'→idle':>9}")
    for r in rows:
        print(f"{r['kernel']:<10} {r['start']*1e3:11.1f} ms ({r['start_min']*1e3:6.1f} ms) {r['rss']:12.1f} MiB "
              f"{r['reply']*1e3:12.2f} ms {r['idle']*1e3:6.2f} ms")
    golign, ipy, null = rows
    print(f"\ngolign round trip / ipykernel's: {golign['idle'] / ipy['idle']:.2f} (to idle), "
          f"{golign['reply'] / ipy['reply']:.2f} (to reply)")
    print(f"null is a Python kernel that does no work: its round trip ({null['idle']*1e3:.2f} ms to idle) is about "
          "what the Python client and pyzmq cost on each side.")


if __name__ == "__main__":
    args = parser.parse_args()
    sys.exit(main())
