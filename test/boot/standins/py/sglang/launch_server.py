"""Stand-in for `python3 -m sglang.launch_server` in the sandbox.

Honours the multi-node rendezvous the way SGLang's flags describe it: rank 0 listens on
--dist-init-addr, the other --nnodes - 1 ranks connect to it with their --node-rank. Rank 0's /health
answers 503 until every rank joined and a short warmup passed; workers serve a dummy /health once
joined (sglang-facts §5). /v1/models on rank 0 needs the --api-key. A worker whose rank 0 vanished
keeps running (a hung NCCL group), so only the boot pipeline can restart it.
"""
import argparse
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = os.environ["STANDIN_STATE"]


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--model-path", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=30000)
    p.add_argument("--dist-init-addr")
    p.add_argument("--nnodes", type=int, default=1)
    p.add_argument("--node-rank", type=int, default=0)
    p.add_argument("--api-key")
    return p.parse_known_args()[0]


def host_path(path):
    mounts = json.loads(os.environ.get("STANDIN_MOUNTS", "{}"))
    for c, h in sorted(mounts.items(), key=lambda x: -len(x[0])):
        if path == c or path.startswith(c + "/"):
            return h + path[len(c):]
    return path


def note(kind, **fields):
    fields.update(kind=kind, t=time.time(), pid=os.getpid())
    with open(f"{STATE}/server-events.jsonl", "a") as f:
        f.write(json.dumps(fields) + "\n")


def nccl_log(rank):
    """NCCL's INIT/NET lines as NCCL_DEBUG_FILE receives them (%h host, %p pid): the network is
    STANDIN_NCCL_NETWORK (default Socket, what NCCL falls back to), the OFI provider STANDIN_OFI_PROVIDER."""
    target = os.environ.get("NCCL_DEBUG_FILE")
    if not target:
        return
    network = os.environ.get("STANDIN_NCCL_NETWORK", "Socket")
    provider = os.environ.get("STANDIN_OFI_PROVIDER")
    path = target.replace("%h", socket.gethostname()).replace("%p", str(os.getpid()))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as f:
        f.write(f"host:{os.getpid()}:{os.getpid()} [0] NCCL INFO NCCL version 2.27.3+cuda13.0\n")
        if provider:
            f.write(f"host:{os.getpid()}:{os.getpid()} [0] NCCL INFO NET/OFI Selected provider is {provider}, fabric is efa-direct (found 16 nics)\n")
        f.write(f"host:{os.getpid()}:{os.getpid()} [0] NCCL INFO Using network {network}\n")


def main():
    a = parse()
    env_keys = ("SGLANG_HOST_IP", "NCCL_SOCKET_IFNAME", "GLOO_SOCKET_IFNAME", "NCCL_IB_GID_INDEX", "HF_HUB_OFFLINE",
                "FI_PROVIDER", "NCCL_NET_PLUGIN", "LD_LIBRARY_PATH", "NCCL_DEBUG", "NCCL_DEBUG_FILE")
    note("start", rank=a.node_rank, argv=sys.argv[1:], env={k: os.environ.get(k) for k in env_keys}, image=os.environ.get("STANDIN_IMAGE"))
    if os.path.exists(f"{STATE}/crash"):
        time.sleep(0.2)
        note("crash", rank=a.node_rank)
        sys.exit(7)
    if not os.path.exists(os.path.join(host_path(a.model_path), "config.json")):
        note("no-model", rank=a.node_rank)
        sys.exit(3)

    joined = {0}
    ready = threading.Event()
    peers = []
    warmup = float(os.environ.get("STANDIN_WARMUP", "0.5"))

    def all_joined():
        nccl_log(a.node_rank)
        note("all-joined", rank=0, joined=sorted(joined))
        time.sleep(warmup)
        ready.set()

    if a.nnodes > 1 and a.node_rank == 0:
        host, port = a.dist_init_addr.rsplit(":", 1)
        store = socket.create_server((host, int(port)), reuse_port=False)

        def accept():
            while True:
                conn, _ = store.accept()
                rank = int(conn.makefile().readline().split()[1])
                peers.append(conn)
                joined.add(rank)
                note("joined", rank=0, peer=rank)
                conn.sendall(b"ok\n")
                if len(joined) == a.nnodes:
                    threading.Thread(target=all_joined, daemon=True).start()
        threading.Thread(target=accept, daemon=True).start()
    elif a.nnodes > 1:
        host, port = a.dist_init_addr.rsplit(":", 1)
        deadline = time.time() + 120
        while True:
            try:
                conn = socket.create_connection((host, int(port)), timeout=2)
                conn.sendall(f"rank {a.node_rank}\n".encode())
                conn.makefile().readline()
                break
            except OSError:
                if time.time() > deadline:
                    note("rendezvous-timeout", rank=a.node_rank)
                    sys.exit(4)
                time.sleep(0.2)
        peers.append(conn)
        nccl_log(a.node_rank)
        note("joined-rank0", rank=a.node_rank)
        ready.set()
    else:
        threading.Thread(target=all_joined, daemon=True).start()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path in ("/health", "/health_generate"):
                # STANDIN_READY_FILE: a server that warms up only when the test says so.
                gate = os.environ.get("STANDIN_READY_FILE")
                up = ready.is_set() and (not gate or os.path.exists(gate))
                return self.reply(200 if up else 503, {})
            if a.node_rank != 0:
                return self.reply(404, {})
            if a.api_key and self.headers.get("Authorization") != f"Bearer {a.api_key}":
                return self.reply(401, {"error": "Unauthorized"})
            if self.path == "/v1/models":
                return self.reply(200, {"data": [{"id": "deepseek"}]})
            return self.reply(404, {})

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer((a.host, a.port), Handler).serve_forever()


main()
