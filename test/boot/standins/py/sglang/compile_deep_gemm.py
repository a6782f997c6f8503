"""Stand-in for `python3 -m sglang.compile_deep_gemm`: records its argv and writes a kernel file
into the DeepGEMM cache directory SGLang would use (SGL_DG_CACHE_DIR / SGLANG_DG_CACHE_DIR, §3).

Like the real one (it launches a full server, sglang-facts §3), a multi-node run only compiles once
every rank has met at --dist-init-addr: rank 0 listens there, the other ranks connect, and a rank
whose partners never come gives up after STANDIN_RENDEZVOUS_S seconds."""
import argparse
import json
import os
import socket
import sys
import time

state = os.environ["STANDIN_STATE"]
cache = os.environ.get("SGLANG_DG_CACHE_DIR") or os.environ.get("SGL_DG_CACHE_DIR")
p = argparse.ArgumentParser()
p.add_argument("--dist-init-addr")
p.add_argument("--nnodes", type=int, default=1)
p.add_argument("--node-rank", type=int, default=0)
a = p.parse_known_args()[0]


def note(kind, **fields):
    with open(f"{state}/server-events.jsonl", "a") as f:
        f.write(json.dumps({"kind": kind, "argv": sys.argv[1:], "cache": cache, "t": time.time(), **fields}) + "\n")


def rendezvous(deadline):
    host, port = a.dist_init_addr.rsplit(":", 1)
    if a.node_rank == 0:
        srv = socket.create_server((host, int(port)), reuse_port=True)
        srv.settimeout(max(0.1, deadline - time.time()))
        peers = [srv.accept()[0] for _ in range(a.nnodes - 1)]
        for c in peers:
            c.sendall(b"go")
            c.close()
        return
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=1) as c:
                c.settimeout(max(0.1, deadline - time.time()))
                if c.recv(2) == b"go":
                    return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


note("precompile", rank=a.node_rank)
time.sleep(float(os.environ.get("STANDIN_COMPILE_S", "0")))  # the bench's stand-in for the compile
if os.path.exists(f"{state}/precompile-fails"):
    sys.exit(5)
if a.nnodes > 1:
    try:
        rendezvous(time.time() + float(os.environ.get("STANDIN_RENDEZVOUS_S", "20")))
    except OSError as e:
        note("precompile-alone", rank=a.node_rank, error=str(e))
        sys.exit(6)
    note("precompile-group", rank=a.node_rank)
os.makedirs(cache, exist_ok=True)
with open(os.path.join(cache, "kernel-sm90.cubin"), "w") as f:
    f.write("compiled\n")
