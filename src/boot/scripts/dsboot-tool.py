#!/usr/bin/env python3
# JSON, hashing and file checks for the boot scripts: the parts bash does badly.
#
# Stdlib only: cloud-init itself runs on python3, so every node that reads our user data has it.
# The scripts start it hundreds of times per boot, mostly for small JSON work (status, fields): the
# modules only hashing needs (hashlib, a thread pool: half the start-up) load where they are used.
import errno
import json
import os
import sys
import time

MARKER_FILES = (".dsboot-manifest.json", ".dsboot-verified", ".dsboot-hashcache.jsonl")
CACHE_FILE = ".dsboot-hashcache.jsonl"
# Exit codes the scripts branch on.
EXIT_TODO, EXIT_CORRUPT, EXIT_DISK_FULL = 3, 4, 5

def is_shard(entry):
    # Weight shards; everything else (config, tokenizer, index, code) is what a dummy load reads.
    return entry["path"].endswith(".safetensors")


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def write_json(path, value):
    # Write then rename, so a reader (or a crash) never sees half a record; a failed write (a full
    # disk) leaves no temp file behind.
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def gb(n):
    return f"{n / 1e9:.3g} GB"


def disk_full_exit(dir_, needed):
    # The one message a full disk gets, with the numbers an operator needs.
    free = free_bytes(dir_)
    sys.stderr.write(f"disk full: {gb(needed)} needed, {gb(free)} free in {dir_}\n")
    sys.exit(EXIT_DISK_FULL)


def free_bytes(dir_):
    st = os.statvfs(dir_)
    return st.f_bavail * st.f_frsize


# ---- node.json ---------------------------------------------------------------------------------

def cmd_argv(a):
    # Print one argv (launch/precompile) of node.json NUL-separated, for `mapfile -d ''`.
    argv = read_json(a.node)[a.key] or []
    sys.stdout.write("".join(f"{x}\0" for x in argv))


def cmd_mounts(a):
    for host, container in read_json(a.node)["mounts"].items():
        sys.stdout.write(f"{host}\0{container}\0")


def cmd_env_file(a):
    # docker --env-file: the plan's env first; boot-detected values only where the plan is silent.
    env = dict(read_json(a.node)["env"])
    for pair in a.default:
        key, _, value = pair.partition("=")
        env.setdefault(key, value)
    for key, value in env.items():
        if "\n" in value:
            sys.exit(f"env {key}: newline in value cannot go through --env-file")
        sys.stdout.write(f"{key}={value}\n")


def cmd_field(a):
    # One field of a JSON document on stdin (token endpoints, secret APIs).
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
    # HF `/api/models/<repo>/revision/<rev>?blobs=true` -> our manifest.
    #
    # LFS files carry the sha256 of their content; small files carry the git blob id (sha1 of
    # "blob <size>\0" + content), so every file of the repo can be checked.
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
    write_json(a.out, {"repo": a.repo, "revision": a.revision, "commit": info.get("sha") or a.revision, "files": files})


def new_hasher(entry):
    import hashlib
    if entry.get("sha256") is not None:
        return hashlib.sha256()
    h = hashlib.sha1()
    h.update(b"blob %d\0" % entry["size"])
    return h


def hash_into(h, f, limit=None):
    # Feed h from f (up to limit bytes); hashlib releases the GIL on large updates.
    left = limit
    while left is None or left > 0:
        chunk = f.read(8 << 20 if left is None else min(8 << 20, left))
        if not chunk:
            break
        h.update(chunk)
        if left is not None:
            left -= len(chunk)


def file_digest(path, entry):
    h = new_hasher(entry)
    with open(path, "rb") as f:
        hash_into(h, f)
    return h.hexdigest()


def want_of(entry):
    return entry.get("sha256") or entry.get("gitBlob")


def stamp_of(st, want):
    # What the cache trusts: a rewrite always changes ctime (and usually the inode), even when the
    # writer restores size and mtime, so size + mtime alone cannot stand for "hashed and unchanged".
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, want]


def read_cache(root):
    # path -> stamp, from an append-only log: parallel writers each append one short line.
    cache = {}
    try:
        with open(os.path.join(root, CACHE_FILE), encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                    cache[rec["path"]] = rec["stamp"]
                except (ValueError, KeyError):
                    continue  # a line cut by a crash
    except FileNotFoundError:
        pass
    return cache


def append_cache(root, path, stamp):
    line = json.dumps({"path": path, "stamp": stamp}) + "\n"
    fd = os.open(os.path.join(root, CACHE_FILE), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def check_file(root, entry, cache):
    # -> (path, problem or None, bytes still to fetch). Deletes what can never become right: too
    # big, or full size but wrong hash.
    path = os.path.join(root, entry["path"])
    want = want_of(entry)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return entry["path"], "missing", entry["size"]
    if st.st_size < entry["size"]:
        # kept: the next fetch resumes it
        return entry["path"], f"partial ({st.st_size}/{entry['size']} bytes)", entry["size"] - st.st_size
    if st.st_size > entry["size"]:
        os.remove(path)
        return entry["path"], f"too big ({st.st_size} > {entry['size']})", entry["size"]
    if cache.get(entry["path"]) == stamp_of(st, want):
        return entry["path"], None, 0  # hashed earlier and untouched since
    got = file_digest(path, entry)
    if got != want:
        os.remove(path)
        return entry["path"], f"hash mismatch (got {got}, want {want})", entry["size"]
    append_cache(root, entry["path"], stamp_of(os.stat(path), want))
    return entry["path"], None, 0


def hash_workers():
    return max(2, min(64, os.cpu_count() or 2))


def parallel_map(fn, items):
    # Files hashed side by side (hashlib releases the GIL), results in the items' order.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(hash_workers()) as pool:
        return list(pool.map(fn, items))


def cmd_verify(a):
    # Check every manifest file; print the ones still to fetch (NUL-separated).
    #
    # Exit 0 only when all verify, 3 when some must be fetched, 5 when the disk cannot hold what is
    # left; anything else is a crash, never "done".
    manifest = read_json(a.manifest)
    if a.only:
        manifest["files"] = [f for f in manifest["files"] if f["path"] == a.only]
    if a.config_files:
        manifest["files"] = [f for f in manifest["files"] if not is_shard(f)]
    cache = read_cache(a.dir)
    try:
        results = parallel_map(lambda e: check_file(a.dir, e, cache), manifest["files"])
    except OSError as e:
        if e.errno == errno.ENOSPC:
            disk_full_exit(a.dir, sum(f["size"] for f in manifest["files"]))
        raise
    bad = [(p, why) for p, why, _ in results if why]
    for p, why in bad:
        print(f"verify: {p}: {why}", file=sys.stderr)
        sys.stdout.write(f"{p}\0")
    left = sum(n for _, _, n in results)
    # Stop before a transfer fills the disk: what is still to come must fit (partial files count
    # only their missing bytes).
    if left > free_bytes(a.dir) and not a.only:
        disk_full_exit(a.dir, left)
    sys.exit(EXIT_TODO if bad else 0)


def cmd_sink(a):
    # stdin -> one manifest file, hashed as the bytes arrive, so verification costs no pass of its own.
    #
    # Appends to what is already on disk (a resumed transfer; that prefix is hashed first). Exit 0 when
    # the file is complete and matches (and cache it), 3 when it is still partial (kept for resume),
    # 4 when it is complete but wrong (deleted), 5 when the disk is full (partial bytes kept).
    entry = next(f for f in read_json(a.manifest)["files"] if f["path"] == a.path)
    path = os.path.join(a.dir, a.path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h = new_hasher(entry)
    src = sys.stdin.buffer
    try:
        import fcntl
        fcntl.fcntl(0, 1031, 1 << 20)  # F_SETPIPE_SZ: 1 MiB reads from curl instead of 64 KiB
    except (OSError, ImportError):
        pass
    with open(path, "a+b") as f:
        f.seek(0)
        hash_into(h, f)
        have = f.tell()
        try:
            while chunk := src.read1(1 << 20):
                if have + len(chunk) > entry["size"]:
                    f.close()
                    os.remove(path)
                    sys.exit(f"sink: {a.path}: more bytes than the manifest's {entry['size']}")
                f.write(chunk)
                h.update(chunk)
                have += len(chunk)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
            f.close()
            # What the disk already took stays (the resume point); the message names what is left.
            disk_full_exit(a.dir, entry["size"] - os.path.getsize(path))
    if have < entry["size"]:
        sys.exit(EXIT_TODO)
    got, want = h.hexdigest(), want_of(entry)
    if got != want:
        os.remove(path)
        print(f"verify: {a.path}: hash mismatch (got {got}, want {want})", file=sys.stderr)
        sys.exit(EXIT_CORRUPT)
    append_cache(a.dir, a.path, stamp_of(os.stat(path), want))


def cmd_paths(a):
    """Every path of a manifest (NUL-separated)."""
    for f in read_json(a.manifest)["files"]:
        sys.stdout.write(f"{f['path']}\0")


def cmd_files(a):
    # Manifest paths that are not weight shards (copied beside a conversion's output).
    for f in read_json(a.manifest)["files"]:
        if not f["path"].endswith(".safetensors") and f["path"] != "model.safetensors.index.json":
            sys.stdout.write(f"{f['path']}\0")


def cmd_space(a):
    # Fail with the disk-full message unless DIR can take BYTES more.
    if a.bytes > free_bytes(a.dir):
        disk_full_exit(a.dir, a.bytes)


def manifest_id(manifest):
    import hashlib
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


def file_stamps(manifest, root):
    # Cheap identity of every verified file (no hashing): a file rewritten since changes its ctime.
    out = {}
    for f in manifest["files"]:
        st = os.stat(os.path.join(root, f["path"]))
        out[f["path"]] = [st.st_size, st.st_ctime_ns, st.st_ino]
    return out


def cmd_mark(a):
    # Completion marker: names the manifest (and so the revision) it proves and each file's stamp,
    # so a changed manifest or a rewritten file invalidates it.
    manifest = read_json(a.manifest)
    write_json(os.path.join(a.dir, ".dsboot-verified"), {
        "manifest": manifest_id(manifest), "revision": manifest.get("revision"), "commit": manifest.get("commit"),
        "files": file_stamps(manifest, a.dir), "at": now()})


def cmd_is_marked(a):
    marker = read_json(os.path.join(a.dir, ".dsboot-verified"))
    manifest = read_json(a.manifest)
    if not (marker and manifest and marker.get("manifest") == manifest_id(manifest)):
        sys.exit(1)
    if a.revision and manifest.get("revision") != a.revision:
        print(f"verified for revision {manifest.get('revision')}, not {a.revision}", file=sys.stderr)
        sys.exit(1)
    try:
        stamps = file_stamps(manifest, a.dir)
    except FileNotFoundError as e:
        print(f"verified file gone: {e.filename}", file=sys.stderr)
        sys.exit(1)
    if marker.get("files") != stamps:
        changed = [p for p, s in stamps.items() if marker.get("files", {}).get(p) != s]
        print(f"changed since verified: {', '.join(changed[:5])}", file=sys.stderr)
        sys.exit(1)


def cmd_manifest_field(a):
    m = read_json(a.manifest) or {}
    sys.stdout.write(str(m.get(a.key) or ""))


# ---- FP8 -> BF16 conversion output --------------------------------------------------------------

def safetensors_header(path):
    import struct
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 << 20:
            raise ValueError(f"{path}: header length {n} is not plausible")
        header = json.loads(f.read(n))
    data = os.path.getsize(path) - 8 - n
    return header, data


def cmd_check_converted(a):
    # The converted tree is right when every indexed tensor exists in BF16, no FP8 scale is left,
    # every shard's byte ranges add up, and config.json no longer claims FP8 (SGLang #3491).
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
    digests = parallel_map(lambda e: file_digest(os.path.join(a.dir, e["path"]), e), files)
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
    (r"(api_key\s*=\s*)(['\"])[^'\"]*\2", r"\1\2[redacted]\2"),
    (r"(--api-key[= ])\S+", r"\1[redacted]"),
    (r"(?i)(Bearer\s+)\S+", r"\1[redacted]"),
    (r"\bhf_[A-Za-z0-9]{8,}", "hf_[redacted]"),
)


def redact(line):
    import re  # only a failure's log tail needs it
    for pattern, replacement in SECRET_PATTERNS:
        line = re.sub(pattern, replacement, line)
    return line[:500]


def cmd_status(a):
    # One node's record. It always shows the current state: a good state (serving) clears the
    # last error, and errors that do not stop the pipeline go to their own fields, never lastError.
    try:
        rec = read_json(a.file, None)
    except ValueError:
        rec = None  # a record cut by a crash: start over rather than stop the stage
    rec = rec or {"rank": a.rank, "address": a.address, "stages": {}, "lastError": None}
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
    elif a.state == "serving":
        rec["lastError"] = None
    for pair in a.set:
        key, _, value = pair.partition("=")
        rec[key] = int(value) if value.isdigit() else (None if value == "" else value)
    rec.update({"stage": a.stage, "state": a.state, "updatedAt": t})
    write_json(a.file, rec)


# ---- command line ------------------------------------------------------------------------------

# Each command and its options. A value is REQUIRED, a default (the option takes a value, or an int
# where the default is one), [] (repeatable), False (a switch); a name without dashes is positional.
# Hand-parsed: argparse's import and parser set-up cost more than the work of most calls.
REQUIRED = object()
COMMANDS = {
    "argv": (cmd_argv, {"--node": REQUIRED, "--key": REQUIRED}),
    "mounts": (cmd_mounts, {"--node": REQUIRED}),
    "env-file": (cmd_env_file, {"--node": REQUIRED, "--default": []}),
    "field": (cmd_field, {"path": REQUIRED, "--base64": False}),
    "hf-manifest": (cmd_hf_manifest, {"--repo": REQUIRED, "--revision": REQUIRED, "--out": REQUIRED}),
    "verify": (cmd_verify, {"--manifest": REQUIRED, "--dir": REQUIRED, "--only": "", "--config-files": False}),
    "files": (cmd_files, {"--manifest": REQUIRED}),
    "paths": (cmd_paths, {"--manifest": REQUIRED}),
    "sink": (cmd_sink, {"--manifest": REQUIRED, "--dir": REQUIRED, "--path": REQUIRED}),
    "space": (cmd_space, {"--dir": REQUIRED, "--bytes": 0}),
    "mark": (cmd_mark, {"--manifest": REQUIRED, "--dir": REQUIRED}),
    "is-marked": (cmd_is_marked, {"--manifest": REQUIRED, "--dir": REQUIRED, "--revision": ""}),
    "manifest-field": (cmd_manifest_field, {"--manifest": REQUIRED, "key": REQUIRED}),
    "check-converted": (cmd_check_converted, {"--dir": REQUIRED, "--out": REQUIRED}),
    "drop-quant-config": (cmd_drop_quant_config, {"--file": REQUIRED}),
    "status": (cmd_status, {"--file": REQUIRED, "--rank": 0, "--address": REQUIRED, "--stage": REQUIRED,
                            "--state": REQUIRED, "--error": "", "--set": [], "--log-tail": ""}),
}
# Options that must be given although their default shows their type.
MUST = {("space", "--bytes"), ("status", "--rank")}


class Args:
    pass


def usage(msg):
    sys.stderr.write(f"dsboot-tool: {msg}\n")
    sys.exit(2)


def parse_args(argv):
    if not argv or argv[0] not in COMMANDS:
        usage(f"a command is required, one of: {', '.join(COMMANDS)}")
    name, rest = argv[0], argv[1:]
    fn, spec = COMMANDS[name]
    a, given = Args(), set()
    a.fn = fn
    for opt, default in spec.items():
        setattr(a, opt.lstrip("-").replace("-", "_"), list(default) if isinstance(default, list) else default)
    positional = [o for o in spec if not o.startswith("-")]
    i = 0
    while i < len(rest):
        tok = rest[i]
        opt, eq, inline = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        if opt.startswith("--"):
            if opt not in spec:
                usage(f"{name}: unknown option {opt}")
            default, attr = spec[opt], opt[2:].replace("-", "_")
            if default is False:
                value = True
            elif eq:
                value = inline
            elif i + 1 < len(rest):
                i += 1
                value = rest[i]
            else:
                usage(f"{name}: {opt} needs a value")
            if isinstance(default, int) and default is not False:
                try:
                    value = int(value)
                except ValueError:
                    usage(f"{name}: {opt} takes an integer, not {value!r}")
            if isinstance(default, list):
                getattr(a, attr).append(value)
            else:
                setattr(a, attr, value)
        elif positional:
            opt = positional.pop(0)
            setattr(a, opt, tok)
        else:
            usage(f"{name}: unexpected argument {tok!r}")
        given.add(opt)
        i += 1
    missing = [o for o, d in spec.items() if (d is REQUIRED or (name, o) in MUST) and o not in given]
    if missing:
        usage(f"{name}: {', '.join(missing)} required")
    return a


def main():
    a = parse_args(sys.argv[1:])
    a.fn(a)


if __name__ == "__main__":
    main()
