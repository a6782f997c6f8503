#!/usr/bin/env python3
# Which transport did NCCL pick? Read from NCCL's own log (NCCL_DEBUG=INFO, one file per process).
#
#     nccl-transport.py --logs DIR [--network "AWS Libfabric"] [--provider efa]
#
# NCCL logs `NCCL INFO Using network <name>` once per process when it sets up its network: `Socket`
# for plain TCP, `IB` for InfiniBand/RoCE verbs, the plugin's name otherwise (`AWS Libfabric` for
# aws-ofi-nccl, `gIB`, `FasTrak`). The OFI plugin also logs `NET/OFI Selected provider is <p>`.
# Cloud-neutral: the expected network and provider come from the plan.
#
# Prints one JSON object: network, provider, transport (`network/provider`), processes, ok, and the deciding log line.
# Exit 0: every process uses the expected transport (or none is expected); 3: no process has logged its
# network yet; 4: some process uses another transport (a socket fallback, say): the line says which.
# Stdlib only.
import argparse
import glob
import json
import os
import re
import sys

NETWORK = re.compile(r"NCCL INFO Using network (.+?)\s*$")
PROVIDER = re.compile(r"NET/OFI Selected [Pp]rovider is (\S+)")


def read_logs(directory):
    # -> [(file, network, provider, network line)] for each log that names its network.
    found = []
    for path in sorted(glob.glob(os.path.join(directory, "*"))):
        network = provider = line = None
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for raw in f:
                    m = NETWORK.search(raw)
                    if m:
                        network, line = m.group(1), raw.strip()
                    p = PROVIDER.search(raw)
                    if p:
                        provider = p.group(1).rstrip(",;")
        except OSError:
            continue
        if network is not None:
            found.append((os.path.basename(path), network, provider, line))
    return found


def decide(found, want_network, want_provider):
    if not found:
        return 3, {"ok": False, "network": None, "provider": None, "processes": 0, "line": None}
    for name, network, provider, line in found:
        wrong_net = want_network and network != want_network
        wrong_provider = want_provider and not wrong_net and provider != want_provider
        if wrong_net or wrong_provider:
            why = (f"NCCL uses '{network}', not '{want_network}'" if wrong_net
                   else f"libfabric provider is '{provider}', not '{want_provider}'")
            return 4, {"ok": False, "network": network, "provider": provider, "processes": len(found),
                       "file": name, "line": line, "reason": why}
    _, network, provider, line = found[0]
    transport = f"{network}/{provider}" if provider else network
    return 0, {"ok": True, "network": network, "provider": provider, "transport": transport, "processes": len(found), "line": line}


def main(argv=None):
    p = argparse.ArgumentParser(prog="nccl-transport", description="Which transport did NCCL pick, from its own log")
    p.add_argument("--logs", required=True, help="directory of NCCL_DEBUG_FILE logs")
    p.add_argument("--network", default="", help="network NCCL must use; empty: record only")
    p.add_argument("--provider", default="", help="libfabric provider the OFI plugin must select; empty: any")
    a = p.parse_args(argv)
    code, result = decide(read_logs(a.logs), a.network, a.provider)
    print(json.dumps(result, sort_keys=True))
    return code


if __name__ == "__main__":
    sys.exit(main())
