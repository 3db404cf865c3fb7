"""A kernel that does no work: it answers kernel_info and execute requests
at once (status busy, reply, status idle) with pyzmq and jupyter_client's
Session. bench_kernel.py times it to show how much of a round trip is the
client's own cost.

Usage: /usr/bin/python3 null_kernel.py -f CONNECTION_FILE
"""

import argparse
import json
import threading

import zmq
from jupyter_client.session import Session


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-f", required=True, help="connection file")
    info = json.load(open(parser.parse_args().f))
    session = Session(key=info["key"].encode(), signature_scheme=info["signature_scheme"])
    ctx = zmq.Context()

    def bind(kind, port):
        sock = ctx.socket(kind)
        sock.bind(f"{info['transport']}://{info['ip']}:{port}")
        return sock

    shell, control = bind(zmq.ROUTER, info["shell_port"]), bind(zmq.ROUTER, info["control_port"])
    iopub, hb = bind(zmq.PUB, info["iopub_port"]), bind(zmq.REP, info["hb_port"])
    bind(zmq.ROUTER, info["stdin_port"])
    threading.Thread(target=zmq.device, args=(zmq.QUEUE, hb, hb), daemon=True).start()

    count = 0
    poller = zmq.Poller()
    poller.register(shell, zmq.POLLIN)
    poller.register(control, zmq.POLLIN)
    while True:
        for sock, _ in poller.poll():
            idents, frames = session.feed_identities(sock.recv_multipart())
            msg = session.deserialize(frames)
            kind = msg["header"]["msg_type"]
            parent = msg["header"]
            session.send(iopub, "status", {"execution_state": "busy"}, parent=parent)
            if kind == "kernel_info_request":
                content = {"status": "ok", "protocol_version": "5.3", "implementation": "null",
                           "implementation_version": "0", "banner": "",
                           "language_info": {"name": "null", "version": "0", "mimetype": "text/plain",
                                             "file_extension": ".txt"}}
                session.send(sock, "kernel_info_reply", content, parent=parent, ident=idents)
            elif kind == "execute_request":
                count += 1
                content = {"status": "ok", "execution_count": count, "user_expressions": {}, "payload": []}
                session.send(sock, "execute_reply", content, parent=parent, ident=idents)
            elif kind == "shutdown_request":
                session.send(sock, "shutdown_reply", {"status": "ok", "restart": False}, parent=parent, ident=idents)
                return
            session.send(iopub, "status", {"execution_state": "idle"}, parent=parent)


if __name__ == "__main__":
    main()
