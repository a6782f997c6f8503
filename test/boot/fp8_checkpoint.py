#!/usr/bin/env python3
"""A small synthetic DeepSeek-style FP8 checkpoint for the converter's tests (numpy only).

    fp8_checkpoint.py OUT_DIR [--seed N] [--big ROWSxCOLS]

Shapes that are and are not multiples of the 128x128 block, a scale stored in another shard than its
weight, BF16/F32 tensors that pass through, every finite e4m3 byte, config.json with DeepSeek's
quantization_config and a tokenizer file. No NaN bytes: real checkpoints hold none.
"""
import json
import os
import struct
import sys

import numpy as np

FINITE = np.array([b for b in range(256) if (b & 0x7F) != 0x7F], dtype=np.uint8)


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name, (dtype, shape, data) in tensors.items():
        raw = data.tobytes()
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def fp8_weight(rng, rows, cols, block=128):
    w = rng.choice(FINITE, size=(rows, cols))
    sr, sc = -(-rows // block), -(-cols // block)
    # DeepSeek's scales are small positive fp32 (amax/448); cover a wide range, including 1 and powers of 2.
    s = (10.0 ** rng.uniform(-6, 1, size=(sr, sc))).astype(np.float32)
    s.flat[0] = 1.0
    return ("F8_E4M3", (rows, cols), w), ("F32", (sr, sc), s)


def bf16(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    return ("BF16", shape, (x.view(np.uint32) >> 16).astype(np.uint16))


def build(out, seed=0, big=None):
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    w_a, s_a = fp8_weight(rng, 300, 260)       # neither dimension a multiple of 128
    w_b, s_b = fp8_weight(rng, 256, 128)       # exact blocks
    w_c, s_c = fp8_weight(rng, 129, 1)         # one element past a block, one column
    w_d, s_d = fp8_weight(rng, 16, 256)        # all 256 bytes' worth of finite values below
    w_d = (w_d[0], w_d[1], np.resize(FINITE, 16 * 256).reshape(16, 256))
    shard1 = {
        "model.layers.0.mlp.gate_proj.weight": w_a, "model.layers.0.mlp.gate_proj.weight_scale_inv": s_a,
        "model.layers.0.mlp.up_proj.weight": w_b,  # its scale lives in shard 2
        "model.layers.0.input_layernorm.weight": bf16(rng, (260,)),
        "model.layers.0.self_attn.kv_a_layernorm.weight": ("F32", (64,), rng.standard_normal(64).astype(np.float32)),
    }
    shard2 = {
        "model.layers.0.mlp.up_proj.weight_scale_inv": s_b,
        "model.layers.0.mlp.down_proj.weight": w_c, "model.layers.0.mlp.down_proj.weight_scale_inv": s_c,
        "model.layers.1.self_attn.o_proj.weight": w_d, "model.layers.1.self_attn.o_proj.weight_scale_inv": s_d,
        "model.embed_tokens.weight": bf16(rng, (32, 48)),
    }
    shards = {"model-00001-of-00002.safetensors": shard1, "model-00002-of-00002.safetensors": shard2}
    if big:
        rows, cols = big
        w_e, s_e = fp8_weight(rng, rows, cols)
        shards["model-00003-of-00003.safetensors"] = {"model.layers.2.mlp.experts.0.w1.weight": w_e, "model.layers.2.mlp.experts.0.w1.weight_scale_inv": s_e}
    weight_map, total = {}, 0
    for name, tensors in shards.items():
        write_safetensors(os.path.join(out, name), tensors)
        for t, (_, _, data) in tensors.items():
            weight_map[t] = name
            total += data.nbytes
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"architectures": ["DeepseekV3ForCausalLM"], "torch_dtype": "bfloat16",
                   "quantization_config": {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]}}, f, indent=2)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        f.write('{"version": "1.0"}\n')
    return weight_map


if __name__ == "__main__":
    args = sys.argv[1:]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    big = tuple(int(x) for x in args[args.index("--big") + 1].split("x")) if "--big" in args else None
    build(args[0], seed, big)
