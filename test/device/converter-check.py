#!/usr/bin/env python3
"""Run on the lent H200 (not in CI): checks src/boot/scripts/fp8-to-bf16.py against a reference Triton
kernel written here from DeepSeek's documented algorithm (one program per 128x128 block:
y = bf16(float32(x) * scale_inv[block])), on a synthetic FP8 checkpoint; times each backend; and
cross-compiles the reference kernel for sm80/sm89/sm90 to show which targets accept float8_e4m3fn.

    python3 test/device/converter-check.py OUT_DIR

Writes OUT_DIR/converter-check.json (every figure) and prints a summary.
"""
import json
import os
import subprocess
import sys
import time
import traceback

import torch
import triton
import triton.language as tl
from safetensors import safe_open

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONVERTER = os.path.join(ROOT, "src/boot/scripts/fp8-to-bf16.py")
sys.path.insert(0, os.path.join(ROOT, "test/boot"))
import fp8_checkpoint  # noqa: E402


@triton.jit
def reference_dequant(x_ptr, s_ptr, y_ptr, M, N, BLOCK: tl.constexpr):
    # One program per BLOCK x BLOCK tile; the tile's single fp32 scale multiplies every element.
    pm = tl.program_id(axis=0)
    pn = tl.program_id(axis=1)
    rows = pm * BLOCK + tl.arange(0, BLOCK)
    cols = pn * BLOCK + tl.arange(0, BLOCK)
    inside = (rows[:, None] < M) & (cols[None, :] < N)
    at = rows[:, None] * N + cols[None, :]
    tile = tl.load(x_ptr + at, mask=inside).to(tl.float32)
    scale = tl.load(s_ptr + pm * tl.cdiv(N, BLOCK) + pn)
    tl.store(y_ptr + at, tile * scale, mask=inside)


def reference(x, s, block=128):
    y = torch.empty(x.shape, dtype=torch.bfloat16, device=x.device)
    grid = (triton.cdiv(x.shape[0], block), triton.cdiv(x.shape[1], block))
    reference_dequant[grid](x, s, y, x.shape[0], x.shape[1], BLOCK=block)
    return y


def load_all(d):
    out = {}
    index = json.load(open(os.path.join(d, "model.safetensors.index.json")))
    for shard in sorted(set(index["weight_map"].values())):
        with safe_open(os.path.join(d, shard), framework="pt") as f:
            for k in f.keys():
                out[k] = f.get_tensor(k)
    return out


def compare(ref, got):
    a, b = ref.view(torch.int16), got.view(torch.int16)
    mismatched = int((a != b).sum())
    diff = (ref.float() - got.float()).abs()
    rel = diff / ref.float().abs().clamp_min(1e-30)
    return {"elements": ref.numel(), "bitMismatches": mismatched, "maxAbsDiff": float(diff.max()), "maxRelDiff": float(rel.max())}


def run_cli(src, dst, backend, device, jobs=1):
    t0 = time.time()
    p = subprocess.run([sys.executable, CONVERTER, "--input", src, "--output", dst, "--backend", backend, "--device", device, "--jobs", str(jobs)],
                       capture_output=True, text=True)
    return {"rc": p.returncode, "seconds": round(time.time() - t0, 3), "stderr": p.stderr[-2000:]}


def cross_compile():
    from triton.compiler import ASTSource
    from triton.backends.compiler import GPUTarget
    sig = {"x_ptr": "*fp8e4nv", "s_ptr": "*fp32", "y_ptr": "*bf16", "M": "i32", "N": "i32", "BLOCK": "constexpr"}
    results = {}
    for cc in (80, 86, 89, 90):
        src = ASTSource(fn=reference_dequant, signature=sig, constexprs={"BLOCK": 128})
        try:
            k = triton.compile(src, target=GPUTarget("cuda", cc, 32))
            results[f"sm{cc}"] = {"compiled": True, "stages": sorted(k.asm.keys())}
        except Exception as e:  # the refusal is the finding
            results[f"sm{cc}"] = {"compiled": False, "error": f"{type(e).__name__}: {str(e).strip().splitlines()[-1][:400]}"}
    return results


def timed(fn, reps=5):
    fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / reps


def main(out):
    os.makedirs(out, exist_ok=True)
    report = {"torch": torch.__version__, "triton": triton.__version__, "gpu": torch.cuda.get_device_name(0),
              "capability": list(torch.cuda.get_device_capability(0)), "torchArchList": torch.cuda.get_arch_list()}
    work = "/tmp/convcheck"
    src = os.path.join(work, "fp8")
    fp8_checkpoint.build(src, seed=1, big=(7168, 18432))
    report["checkpointBytes"] = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src))

    report["cli"] = {}
    outputs = {}
    for label, backend, device in (("torch-cuda", "torch", "cuda"), ("torch-cpu", "torch", "cpu"), ("numpy", "numpy", "cpu")):
        dst = os.path.join(work, label)
        report["cli"][label] = run_cli(src, dst, backend, device)
        outputs[label] = load_all(dst) if report["cli"][label]["rc"] == 0 else {}
    # A rerun keeps finished shards (resumable after a crash).
    report["cli"]["torch-cuda-rerun"] = run_cli(src, os.path.join(work, "torch-cuda"), "torch", "cuda")

    inputs = load_all(src)
    report["tensors"] = {}
    for name, t in inputs.items():
        if name.endswith("_scale_inv"):
            continue
        entry = {"dtype": str(t.dtype), "shape": list(t.shape)}
        if t.dtype == torch.float8_e4m3fn:
            ref = reference(t.cuda(), inputs[name + "_scale_inv"].cuda()).cpu()
            for label, got in outputs.items():
                entry[label] = compare(ref, got[name]) if name in got else "missing"
        else:
            for label, got in outputs.items():
                entry[label] = {"identical": bool(name in got and torch.equal(t.reshape(-1).view(torch.uint8), got[name].reshape(-1).view(torch.uint8)))}
        report["tensors"][name] = entry
    for label, got in outputs.items():
        left = [k for k in got if k.endswith("_scale_inv")]
        report.setdefault("scalesLeft", {})[label] = left

    # Throughput on the largest tensor (7168 x 18432, DeepSeek V3's dense MLP shape).
    big = "model.layers.2.mlp.experts.0.w1.weight"
    x, s = inputs[big].cuda(), inputs[big + "_scale_inv"].cuda()
    sys.path.insert(0, os.path.dirname(CONVERTER))
    import importlib.util
    spec = importlib.util.spec_from_file_location("conv", CONVERTER)
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    tb = conv.TorchBackend("cuda")
    raw = inputs[big].view(torch.uint8).numpy().tobytes()
    sraw = inputs[big + "_scale_inv"].numpy().tobytes()

    def torch_gpu():
        full = s.repeat_interleave(128, 0)[:x.shape[0]].repeat_interleave(128, 1)[:, :x.shape[1]]
        return (x.to(torch.float32) * full).to(torch.bfloat16)
    report["timing"] = {
        "elements": x.numel(),
        "tritonReferenceGpuMs": round(timed(lambda: reference(x, s)) * 1e3, 3),
        "torchGpuKernelMs": round(timed(torch_gpu) * 1e3, 3),
    }
    t0 = time.perf_counter()
    tb.dequant(raw, list(x.shape), tb.scales(sraw, "F32", list(s.shape)), (128, 128))
    report["timing"]["torchGpuWithHostCopiesMs"] = round((time.perf_counter() - t0) * 1e3, 1)
    tc = conv.TorchBackend("cpu")
    t0 = time.perf_counter()
    tc.dequant(raw, list(x.shape), tc.scales(sraw, "F32", list(s.shape)), (128, 128))
    report["timing"]["torchCpuMs"] = round((time.perf_counter() - t0) * 1e3, 1)
    nb = conv.NumpyBackend("cpu")
    t0 = time.perf_counter()
    nb.dequant(raw, list(x.shape), nb.scales(sraw, "F32", list(s.shape)), (128, 128))
    report["timing"]["numpyCpuMs"] = round((time.perf_counter() - t0) * 1e3, 1)
    report["timing"]["cpuThreads"] = torch.get_num_threads()

    try:
        report["crossCompile"] = cross_compile()
    except Exception:
        report["crossCompile"] = {"error": traceback.format_exc()[-2000:]}

    json.dump(report, open(os.path.join(out, "converter-check.json"), "w"), indent=1)
    fp8 = [v for v in report["tensors"].values() if v["dtype"] == "torch.float8_e4m3fn"]
    for label in outputs:
        mism = sum(v[label]["bitMismatches"] for v in fp8 if isinstance(v[label], dict))
        print(f"{label}: rc={report['cli'][label]['rc']} {report['cli'][label]['seconds']}s, bit mismatches vs Triton reference: {mism}")
    print(json.dumps(report["timing"]))
    print(json.dumps(report["crossCompile"], indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
