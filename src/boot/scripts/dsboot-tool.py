#!/usr/bin/env python3
"""JSON, hashing and file checks for the boot scripts: the parts bash does badly.

Stdlib only: cloud-init itself runs on python3, so every node that reads our user data has it.
"""
import argparse
import hashlib
import json
import os
import re
import struct
import sys
import time
from concurrent.futures import ThreadPoolExecutor

MARKER_FILES = (".dsboot-manifest.json", ".dsboot-verified", ".dsboot-hashcache.json")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def write_json(path, value):
    # Write then rename, so a reader (or a crash) never sees half a record.
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# ---- node.json ---------------------------------------------------------------------------------

def cmd_argv(a):
    """Print one argv (launch/precompile) of node.json NUL-separated, for `mapfile -d ''`."""
    argv = read_json(a.node)[a.key] or []
    sys.stdout.write("".join(f"{x}\0" for x in argv))


def cmd_mounts(a):
    for host, container in read_json(a.node)["mounts"].items():
        sys.stdout.write(f"{host}\0{container}\0")


def cmd_env_file(a):
    """docker --env-file: the plan's env first; boot-detected values only where the plan is silent."""
    env = dict(read_json(a.node)["env"])
    for pair in a.default:
        key, _, value = pair.partition("=")
        env.setdefault(key, value)
    for key, value in env.items():
        if "\n" in value:
            sys.exit(f"env {key}: newline in value cannot go through --env-file")
        sys.stdout.write(f"{key}={value}\n")


def cmd_field(a):
    """One field of a JSON document on stdin (token endpoints, secret APIs)."""
    value = json.load(sys.stdin)
    for part in a.path.split("."):
        value = value[part]
    if a.base64:
        import base64
        sys.stdout.buffer.write(base64.b64decode(value))
    else:
        sys.stdout.write(str(value))


# ---- manifest ----------------------------------------------------------------------------------

def cmd_hf_manifest(a):
    """HF `/api/models/<repo>/revision/<rev>?blobs=true` -> our manifest.

    LFS files carry the sha256 of their content; small files carry the git blob id (sha1 of
    "blob <size>\\0" + content), so every file of the repo can be checked.
    """
    info = json.load(sys.stdin)
    files = []
    for s in info.get("siblings", []):
        lfs = s.get("lfs")
        if lfs:
            files.append({"path": s["rfilename"], "size": lfs["size"], "sha256": lfs.get("sha256") or lfs.get("oid")})
        else:
            files.append({"path": s["rfilename"], "size": s["size"], "gitBlob": s.get("blobId")})
    if not files:
        sys.exit("manifest: the source listed no files")
    for f in files:
        if f["size"] is None or (f.get("sha256") is None and f.get("gitBlob") is None):
            sys.exit(f"manifest: {f['path']} has no size or hash")
        if f["path"].startswith("/") or ".." in f["path"].split("/"):
            sys.exit(f"manifest: unsafe path {f['path']}")
    write_json(a.out, {"repo": a.repo, "commit": info.get("sha") or a.revision, "files": files})


def file_digest(path, entry):
    if "sha256" in entry:
        h = hashlib.sha256()
    else:
        h = hashlib.sha1()
        h.update(b"blob %d\0" % entry["size"])
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_file(root, entry, cache):
    """-> (path, problem or None). Deletes what can never become right: too big, or full size but wrong hash."""
    path = os.path.join(root, entry["path"])
    want = entry.get("sha256") or entry.get("gitBlob")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return entry["path"], "missing"
    if st.st_size < entry["size"]:
        return entry["path"], f"partial ({st.st_size}/{entry['size']} bytes)"  # kept: the next fetch resumes it
    if st.st_size > entry["size"]:
        os.remove(path)
        return entry["path"], f"too big ({st.st_size} > {entry['size']})"
    stamp = [st.st_size, st.st_mtime_ns, want]
    if cache.get(entry["path"]) == stamp:
        return entry["path"], None  # hashed earlier and untouched since
    got = file_digest(path, entry)
    if got != want:
        os.remove(path)
        return entry["path"], f"hash mismatch (got {got}, want {want})"
    cache[entry["path"]] = stamp
    return entry["path"], None


def cmd_verify(a):
    """Check every manifest file; print the ones still to fetch (NUL-separated).

    Exit 0 only when all verify, 3 when some must be fetched; anything else is a crash, never "done".
    """
    manifest = read_json(a.manifest)
    cache_path = os.path.join(a.dir, ".dsboot-hashcache.json")
    cache = read_json(cache_path, {})
    workers = max(2, min(32, os.cpu_count() or 2))  # hashlib releases the GIL on large reads
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda e: check_file(a.dir, e, cache), manifest["files"]))
    write_json(cache_path, cache)
    bad = [(p, why) for p, why in results if why]
    for p, why in bad:
        print(f"verify: {p}: {why}", file=sys.stderr)
        sys.stdout.write(f"{p}\0")
    sys.exit(3 if bad else 0)


def cmd_paths(a):
    """Every path of a manifest (NUL-separated)."""
    for f in read_json(a.manifest)["files"]:
        sys.stdout.write(f"{f['path']}\0")


def cmd_files(a):
    """Manifest paths that are not weight shards (copied beside a conversion's output)."""
    for f in read_json(a.manifest)["files"]:
        if not f["path"].endswith(".safetensors") and f["path"] != "model.safetensors.index.json":
            sys.stdout.write(f"{f['path']}\0")


def manifest_id(manifest):
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def cmd_mark(a):
    """Completion marker: names the manifest it proves, so a changed manifest invalidates it."""
    write_json(os.path.join(a.dir, ".dsboot-verified"), {"manifest": manifest_id(read_json(a.manifest)), "at": now()})


def cmd_is_marked(a):
    marker = read_json(os.path.join(a.dir, ".dsboot-verified"))
    manifest = read_json(a.manifest)
    sys.exit(0 if marker and manifest and marker.get("manifest") == manifest_id(manifest) else 1)


# ---- FP8 -> BF16 conversion output --------------------------------------------------------------

def safetensors_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 << 20:
            raise ValueError(f"{path}: header length {n} is not plausible")
        header = json.loads(f.read(n))
    data = os.path.getsize(path) - 8 - n
    return header, data


def cmd_check_converted(a):
    """The converted tree is right when every indexed tensor exists in BF16, no FP8 scale is left,
    every shard's byte ranges add up, and config.json no longer claims FP8 (SGLang #3491)."""
    problems = []
    index = read_json(os.path.join(a.dir, "model.safetensors.index.json"))
    config = read_json(os.path.join(a.dir, "config.json"))
    if index is None or config is None:
        sys.exit("converted: model.safetensors.index.json or config.json missing")
    if "quantization_config" in config:
        problems.append("config.json still has quantization_config")
    seen = {}
    for shard in sorted(set(index["weight_map"].values())):
        try:
            header, data = safetensors_header(os.path.join(a.dir, shard))
        except (OSError, ValueError) as e:
            problems.append(f"{shard}: {e}")
            continue
        end = 0
        for name, t in header.items():
            if name == "__metadata__":
                continue
            seen[name] = shard
            end = max(end, t["data_offsets"][1])
            if t["dtype"].startswith("F8"):
                problems.append(f"{shard}: {name} is still {t['dtype']}")
            if name.endswith("_scale_inv"):
                problems.append(f"{shard}: FP8 scale {name} left behind")
        if end != data:
            problems.append(f"{shard}: tensors end at {end} but the file holds {data} data bytes")
    for name, shard in index["weight_map"].items():
        if seen.get(name) != shard:
            problems.append(f"index names {name} in {shard}, which lacks it")
    for p in problems[:20]:
        print(f"converted: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    # Record what was produced, so later boots can re-check sizes and hashes like a download.
    files = []
    for base, _, names in os.walk(a.dir):
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(base, n), a.dir)
            if rel in MARKER_FILES:
                continue
            entry = {"path": rel, "size": os.path.getsize(os.path.join(base, n)), "sha256": ""}
            files.append(entry)
    workers = max(2, min(32, os.cpu_count() or 2))
    with ThreadPoolExecutor(workers) as pool:
        digests = pool.map(lambda e: file_digest(os.path.join(a.dir, e["path"]), e), files)
        for entry, d in zip(files, digests):
            entry["sha256"] = d
    write_json(a.out, {"repo": "converted", "commit": None, "files": files})


def cmd_drop_quant_config(a):
    config = read_json(a.file)
    config.pop("quantization_config", None)
    write_json(a.file, config)


# ---- status record -----------------------------------------------------------------------------

# Secrets a stage's log can echo: SGLang prints its ServerArgs (api_key=...), curl -v a bearer header,
# and Hugging Face tokens start with hf_. The status record is read outside the node, so they go.
SECRET_PATTERNS = (
    (re.compile(r"(api_key\s*=\s*)(['\"])[^'\"]*\2"), r"\1\2[redacted]\2"),
    (re.compile(r"(--api-key[= ])\S+"), r"\1[redacted]"),
    (re.compile(r"(Bearer\s+)\S+", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"\bhf_[A-Za-z0-9]{8,}"), "hf_[redacted]"),
)


def redact(line):
    for pattern, replacement in SECRET_PATTERNS:
        line = pattern.sub(replacement, line)
    return line[:500]


def cmd_status(a):
    rec = read_json(a.file, None) or {"rank": a.rank, "address": a.address, "stages": {}, "lastError": None}
    t = now()
    stage = rec["stages"].setdefault(a.stage, {})
    if a.state == "running" or "startedAt" not in stage:
        stage.setdefault("startedAt", t)
    stage["state"] = a.state
    stage["updatedAt"] = t
    if a.state in ("complete", "failed", "serving"):
        stage["endedAt"] = t
    if a.error:
        rec["lastError"] = {"stage": a.stage, "message": a.error[:2000], "at": t}
    rec.pop("logTail", None)
    if a.state == "failed" and a.log_tail:
        rec["logTail"] = {"stage": a.stage, "lines": [redact(line) for line in a.log_tail.splitlines()[-40:]]}
    for pair in a.set:
        key, _, value = pair.partition("=")
        rec[key] = int(value) if value.isdigit() else value
    rec.update({"stage": a.stage, "state": a.state, "updatedAt": t})
    write_json(a.file, rec)


def main():
    p = argparse.ArgumentParser(prog="dsboot-tool")
    sub = p.add_subparsers(required=True)

    def add(name, fn, *args):
        sp = sub.add_parser(name)
        for flag, kw in args:
            sp.add_argument(flag, **kw)
        sp.set_defaults(fn=fn)

    req = {"required": True}
    add("argv", cmd_argv, ("--node", req), ("--key", req))
    add("mounts", cmd_mounts, ("--node", req))
    add("env-file", cmd_env_file, ("--node", req), ("--default", {"action": "append", "default": []}))
    add("field", cmd_field, ("path", {}), ("--base64", {"action": "store_true"}))
    add("hf-manifest", cmd_hf_manifest, ("--repo", req), ("--revision", req), ("--out", req))
    add("verify", cmd_verify, ("--manifest", req), ("--dir", req))
    add("files", cmd_files, ("--manifest", req))
    add("paths", cmd_paths, ("--manifest", req))
    add("mark", cmd_mark, ("--manifest", req), ("--dir", req))
    add("is-marked", cmd_is_marked, ("--manifest", req), ("--dir", req))
    add("check-converted", cmd_check_converted, ("--dir", req), ("--out", req))
    add("drop-quant-config", cmd_drop_quant_config, ("--file", req))
    add("status", cmd_status, ("--file", req), ("--rank", {"type": int, "required": True}), ("--address", req),
        ("--stage", req), ("--state", req), ("--error", {"default": ""}), ("--set", {"action": "append", "default": []}),
        ("--log-tail", {"default": ""}))
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
