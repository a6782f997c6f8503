#!/usr/bin/env python3
# FP8 (e4m3, 128x128 block scales) -> BF16 for DeepSeek-style Hugging Face checkpoints.
#
#     fp8-to-bf16.py --input FP8_DIR --output BF16_DIR [--backend auto|torch|numpy] [--device auto|cuda|cpu] [--jobs N]
#
# Why not DeepSeek's own inference/fp8_cast_bf16.py: its dequantization is a Triton kernel that loads
# float8_e4m3fn, and Triton compiles that type only for sm89 and newer, so it cannot run on A100/A800
# (sm80), the very GPUs of the BF16 A100 row. This does the same arithmetic without Triton:
#     bf16(float32(w[i, j]) * scale_inv[i // R, j // C])      (R x C = the checkpoint's weight_block_size)
# on the GPU or CPU through torch, or on any CPU through numpy alone (a 256-entry e4m3 table and
# round-to-nearest-even to bf16), so a plain CPU staging host can convert too. Both give the same bits.
#
# What it writes into BF16_DIR: every shard with each FP8 weight replaced by its BF16 value and the
# `*_scale_inv` tensors dropped, a new model.safetensors.index.json, and every other file of the input
# (config.json without `quantization_config`, SGLang issue #3491). Each shard is written to a temporary
# name and renamed when complete, so a rerun after a crash skips finished shards.
#
# Exit codes: 0 converted; 1 the input is not a convertible checkpoint (every problem is printed); 2 usage.
import argparse
import json
import mmap
import os
import shutil
import struct
import sys
import time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing

INDEX = "model.safetensors.index.json"
SCALE_SUFFIX = "_scale_inv"
FP8 = "F8_E4M3"
DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1, FP8: 1, "F8_E5M2": 1}
# Files that belong to our boot pipeline's bookkeeping, never to the model.
SKIP_FILES = {".dsboot-manifest.json", ".dsboot-verified", ".dsboot-hashcache.json"}


class CheckpointError(Exception):
    pass


# ---- safetensors, read and written directly (8-byte little-endian header length, JSON header, data) ----

def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 << 20:
            raise CheckpointError(f"{path}: header length {n} is not plausible")
        header = json.loads(f.read(n))
    return header, 8 + n


class Shard:
    # A read-only view of one .safetensors file: header plus the raw bytes of each tensor.

    def __init__(self, path):
        self.path = path
        self.header, self.data_start = read_header(path)
        self.meta = self.header.pop("__metadata__", None)
        f = open(path, "rb")
        self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        f.close()

    def raw(self, name):
        begin, end = self.header[name]["data_offsets"]
        return memoryview(self.map)[self.data_start + begin:self.data_start + end]


def write_shard(path, entries):
    # entries: [(name, dtype, shape, nbytes, produce)], produce() -> bytes-like. Streams to disk.
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, dtype, shape, nbytes, _ in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # the format pads the header to 8 bytes with spaces
    tmp = f"{path}.partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, _, _, nbytes, produce in entries:
            data = produce()
            if len(memoryview(data).cast("B")) != nbytes:
                raise CheckpointError(f"{name}: produced {len(memoryview(data).cast('B'))} bytes, expected {nbytes}")
            f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return offset


# ---- dequantization backends -------------------------------------------------------------------

def e4m3fn_table():
    # float32 value of every e4m3fn byte (1 sign, 4 exponent bits biased by 7, 3 mantissa bits; 0x7f/0xff NaN).
    import numpy as np
    out = np.empty(256, dtype=np.float32)
    for b in range(256):
        sign = -1.0 if b & 0x80 else 1.0
        exp, man = (b >> 3) & 0xF, b & 0x7
        if exp == 0xF and man == 0x7:
            out[b] = np.nan
        elif exp == 0:
            out[b] = sign * (man / 8.0) * 2.0 ** -6
        else:
            out[b] = sign * (1.0 + man / 8.0) * 2.0 ** (exp - 7)
    return out


class NumpyBackend:
    name = "numpy"

    def __init__(self, _device):
        import numpy as np
        self.np = np
        self.table = e4m3fn_table()

    def scales(self, raw, dtype, shape):
        np = self.np
        if dtype == "F32":
            return np.frombuffer(raw, dtype=np.float32).reshape(shape)
        if dtype == "BF16":
            return (np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32).reshape(shape)
        raise CheckpointError(f"scale dtype {dtype} is not supported (F32 or BF16)")

    def to_bf16_bits(self, x):
        # float32 -> bf16 bit patterns, rounding to nearest even (what torch and the GPU's cvt.rn do).
        np = self.np
        u = x.view(np.uint32)
        rounded = ((u + (((u >> 16) & 1) + 0x7FFF)) >> 16).astype(np.uint16)
        return np.where(np.isnan(x), np.uint16(0x7FC0), rounded)

    def dequant(self, raw, shape, scale, block):
        np = self.np
        rows, cols = shape
        w = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols)
        out = np.empty((rows, cols), dtype=np.uint16)
        br, bc = block
        for i in range(0, rows, br):
            s = np.repeat(scale[i // br], bc)[:cols]
            out[i:i + br] = self.to_bf16_bits(self.table[w[i:i + br]] * s)
        return out.tobytes()


class TorchBackend:
    name = "torch"

    def __init__(self, device):
        import torch
        self.torch = torch
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)

    def scales(self, raw, dtype, shape):
        torch = self.torch
        dt = {"F32": torch.float32, "BF16": torch.bfloat16}.get(dtype)
        if dt is None:
            raise CheckpointError(f"scale dtype {dtype} is not supported (F32 or BF16)")
        return torch.frombuffer(bytearray(raw), dtype=dt).reshape(shape).to(self.device, torch.float32)

    def dequant(self, raw, shape, scale, block):
        torch = self.torch
        rows, cols = shape
        br, bc = block
        w = torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(rows, cols).to(self.device)
        w = w.view(torch.float8_e4m3fn)
        full = scale.repeat_interleave(br, 0)[:rows].repeat_interleave(bc, 1)[:, :cols]
        y = (w.to(torch.float32) * full).to(torch.bfloat16)
        return y.view(torch.int16).cpu().numpy().tobytes()


def make_backend(name, device):
    if name == "auto":
        try:
            import torch  # noqa: F401
            name = "torch"
        except ImportError:
            name = "numpy"
    if name == "numpy" and device == "cuda":
        raise SystemExit("fp8-to-bf16: --device cuda needs --backend torch")
    return TorchBackend(device) if name == "torch" else NumpyBackend(device)


# ---- the plan of a conversion ------------------------------------------------------------------

def block_size(config):
    q = (config or {}).get("quantization_config") or {}
    block = q.get("weight_block_size") or [128, 128]
    if len(block) != 2 or not all(isinstance(b, int) and b > 0 for b in block):
        raise CheckpointError(f"config.json: quantization_config.weight_block_size {block} is not two positive integers")
    if q.get("fmt") not in (None, "e4m3"):
        raise CheckpointError(f"config.json: quantization_config.fmt {q.get('fmt')!r} is not e4m3")
    return block


def plan_conversion(src):
    # -> (index, block, {shard: [tensor names]}, {scales consumed}); raises with every problem found.
    try:
        with open(os.path.join(src, INDEX), encoding="utf-8") as f:
            index = json.load(f)
    except FileNotFoundError:
        raise CheckpointError(f"{src}: no {INDEX}")
    config = None
    if os.path.exists(os.path.join(src, "config.json")):
        with open(os.path.join(src, "config.json"), encoding="utf-8") as f:
            config = json.load(f)
    block = block_size(config)
    weight_map = index["weight_map"]
    problems, headers, dropped = [], {}, set()
    for shard in sorted(set(weight_map.values())):
        path = os.path.join(src, shard)
        if not os.path.exists(path):
            problems.append(f"{shard}: listed in the index but missing")
            continue
        headers[shard] = read_header(path)[0]
    for name, shard in weight_map.items():
        t = headers.get(shard, {}).get(name)
        if shard in headers and t is None:
            problems.append(f"{name}: the index places it in {shard}, which lacks it")
            continue
        if t is None or t["dtype"] != FP8:
            continue
        if len(t["shape"]) != 2:
            problems.append(f"{name}: FP8 tensor of shape {t['shape']} is not a 2-D weight")
        sname = name + SCALE_SUFFIX
        s = headers.get(weight_map.get(sname, ""), {}).get(sname)
        if s is None:
            problems.append(f"{name}: FP8 weight without {sname}")
            continue
        dropped.add(sname)
        want = [-(-d // b) for d, b in zip(t["shape"], block)]
        if s["shape"] != want:
            problems.append(f"{sname}: shape {s['shape']} does not match {t['shape']} in {block[0]}x{block[1]} blocks (want {want})")
    if problems:
        raise CheckpointError("\n".join(problems))
    by_shard = {}
    for name, shard in weight_map.items():
        by_shard.setdefault(shard, []).append(name)
    return index, block, by_shard, dropped


def output_entry(name, t):
    # The output header entry of an input tensor, or None when it is dropped (a consumed scale).
    if t["dtype"] == FP8:
        rows, cols = t["shape"]
        return ("BF16", t["shape"], rows * cols * 2)
    return (t["dtype"], t["shape"], t["data_offsets"][1] - t["data_offsets"][0])


def convert_shard(job):
    src, dst, shard, names, weight_map, dropped, block, backend_name, device = job
    out_path = os.path.join(dst, shard)
    backend = make_backend(backend_name, device)
    opened = {}

    def shard_of(name):
        f = weight_map[name]
        if f not in opened:
            opened[f] = Shard(os.path.join(src, f))
        return opened[f]

    here = shard_of(names[0])
    fp8 = {n for n in names if here.header[n]["dtype"] == FP8}
    entries = []
    for name in names:
        t = here.header[name]
        if name in dropped:
            continue
        dtype, shape, nbytes = output_entry(name, t)
        if name in fp8:
            def produce(name=name, t=t):
                s_shard = shard_of(name + SCALE_SUFFIX)
                st = s_shard.header[name + SCALE_SUFFIX]
                scale = backend.scales(s_shard.raw(name + SCALE_SUFFIX), st["dtype"], st["shape"])
                return backend.dequant(here.raw(name), t["shape"], scale, block)
        else:
            def produce(name=name):
                return here.raw(name)
        entries.append((name, dtype, shape, nbytes, produce))
    if os.path.exists(out_path) and shard_matches(out_path, entries):
        return shard, [e[0] for e in entries], sum(e[3] for e in entries), "kept"
    size = write_shard(out_path, entries)
    return shard, [e[0] for e in entries], size, "written"


def shard_matches(path, entries):
    # A shard left by an earlier run is kept when its header is exactly what this run would write.
    try:
        header, start = read_header(path)
    except (OSError, ValueError, CheckpointError, struct.error):
        return False
    header.pop("__metadata__", None)
    want, offset = {}, 0
    for name, dtype, shape, nbytes, _ in entries:
        want[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    return header == want and os.path.getsize(path) == start + offset


def copy_other_files(src, dst, shards):
    for base, _, names in os.walk(src):
        for n in names:
            rel = os.path.relpath(os.path.join(base, n), src)
            if rel in shards or rel == INDEX or rel in SKIP_FILES or n.endswith(".partial"):
                continue
            os.makedirs(os.path.dirname(os.path.join(dst, rel)) or dst, exist_ok=True)
            if rel == "config.json":
                with open(os.path.join(src, rel), encoding="utf-8") as f:
                    config = json.load(f)
                config.pop("quantization_config", None)
                with open(os.path.join(dst, rel), "w", encoding="utf-8") as f:
                    json.dump(config, f, indent=2)
                    f.write("\n")
            else:
                shutil.copyfile(os.path.join(src, rel), os.path.join(dst, rel))


def convert(src, dst, backend="auto", device="auto", jobs=1, log=print):
    index, block, by_shard, dropped = plan_conversion(src)
    os.makedirs(dst, exist_ok=True)
    weight_map = index["weight_map"]
    work = [(src, dst, shard, names, weight_map, dropped, block, backend, device) for shard, names in sorted(by_shard.items())]
    new_map, total, t0 = {}, 0, time.time()
    if jobs > 1:
        # spawn, not fork: a forked child cannot initialise CUDA after the parent touched it.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(convert_shard, work))
    else:
        results = [convert_shard(w) for w in work]
    for shard, names, size, how in results:
        for n in names:
            new_map[n] = shard
        total += size
        log(f"fp8-to-bf16: {shard}: {how} ({len(names)} tensors, {size} bytes)")
    with open(os.path.join(dst, INDEX), "w", encoding="utf-8") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(new_map.items()))}, f, indent=2)
        f.write("\n")
    copy_other_files(src, dst, set(by_shard))
    log(f"fp8-to-bf16: {len(results)} shards, {total} bytes in {time.time() - t0:.1f} s ({make_backend(backend, device).name})")
    return total


def main(argv=None):
    p = argparse.ArgumentParser(prog="fp8-to-bf16", description="FP8 (e4m3, block-scaled) -> BF16 for DeepSeek-style checkpoints")
    p.add_argument("--input", required=True, help="directory of the FP8 Hugging Face checkpoint")
    p.add_argument("--output", required=True, help="directory to write the BF16 checkpoint into")
    p.add_argument("--backend", choices=["auto", "torch", "numpy"], default="auto", help="auto: torch when importable, else numpy")
    p.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto", help="torch only; auto: cuda when available")
    p.add_argument("--jobs", type=int, default=1, help="shards converted at once (processes)")
    a = p.parse_args(argv)
    if os.path.abspath(a.input) == os.path.abspath(a.output):
        p.error("--output must differ from --input")
    try:
        convert(a.input, a.output, a.backend, a.device, max(1, a.jobs), log=lambda m: print(m, file=sys.stderr))
    except CheckpointError as e:
        for line in str(e).splitlines():
            print(f"fp8-to-bf16: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
