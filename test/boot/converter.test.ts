// The FP8 -> BF16 converter (src/boot/scripts/fp8-to-bf16.py) on a synthetic DeepSeek-style checkpoint,
// with its numpy backend (what a CPU staging host runs; torch and the GPU were checked against a
// Triton reference kernel on an H200, docs/device-converter-check.json). Checks the arithmetic against
// values computed here independently, the shard/index layout, resumption, and refusals.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SCRIPTS_DIR } from "../../src/boot/render";

const CONVERTER = join(SCRIPTS_DIR, "fp8-to-bf16.py");
const BUILDER = join(__dirname, "fp8_checkpoint.py");

/** The first python3 that has numpy (Debian's python3-numpy, installed by .ci/run). Fails, never skips. */
function python(): string {
    for (const p of ["/usr/bin/python3", "python3"]) {
        if (spawnSync(p, ["-c", "import numpy"]).status === 0) return p;
    }
    throw new Error("no python3 with numpy: install python3-numpy (.ci/run does)");
}

function run(args: string[], cwd?: string) {
    return spawnSync(python(), args, { encoding: "utf8", cwd });
}

// Independent check, in Python: decode each e4m3 byte by the format's definition with Python floats,
// multiply by the block's scale in float32, round to bf16 by nearest-even on the bit pattern.
const CHECK = `
import json, struct, sys, math
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
def tensors(d):
    idx = json.load(open(d + "/model.safetensors.index.json"))
    out = {}
    for shard in set(idx["weight_map"].values()):
        b = open(d + "/" + shard, "rb").read()
        n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n])
        for k, t in h.items():
            if k == "__metadata__": continue
            s, e = t["data_offsets"]; out[k] = (t["dtype"], t["shape"], b[8+n+s:8+n+e])
    return out
def e4m3(b):
    s = -1.0 if b & 0x80 else 1.0; e = (b >> 3) & 15; m = b & 7
    return s * (m / 8) * 2.0**-6 if e == 0 else s * (1 + m / 8) * 2.0**(e - 7)
def bf16_bits(x):
    u = struct.unpack("<I", struct.pack("<f", x))[0]
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF
i, o = tensors(src), tensors(dst)
checked = 0
for k, (dt, shape, raw) in i.items():
    if k.endswith("_scale_inv"): assert k not in o, k; continue
    odt, oshape, oraw = o[k]
    assert oshape == shape, (k, oshape, shape)
    if dt != "F8_E4M3":
        assert (odt, oraw) == (dt, raw), k; continue
    assert odt == "BF16", (k, odt)
    sdt, sshape, sraw = i[k + "_scale_inv"]
    scale = np.frombuffer(sraw, dtype=np.float32).reshape(sshape)
    got = np.frombuffer(oraw, dtype=np.uint16).reshape(shape)
    rows, cols = shape
    for r in range(rows):
        for c in range(cols):
            x = np.float32(e4m3(raw[r * cols + c])) * scale[r // 128][c // 128]
            assert got[r][c] == bf16_bits(float(np.float32(x))), (k, r, c, hex(got[r][c]))
            checked += 1
print(checked)
`;

test("fp8-to-bf16: every FP8 weight becomes bf16(fp32(w) * its 128x128 block scale), bit for bit; other tensors and files pass through", () => {
    const dir = mkdtempSync(join(tmpdir(), "conv-"));
    try {
        assert.equal(run([BUILDER, join(dir, "fp8")]).status, 0);
        const r = run([CONVERTER, "--input", join(dir, "fp8"), "--output", join(dir, "bf16"), "--backend", "numpy"]);
        assert.equal(r.status, 0, r.stderr);
        writeFileSync(join(dir, "check.py"), CHECK);
        const c = run([join(dir, "check.py"), join(dir, "fp8"), join(dir, "bf16")]);
        assert.equal(c.status, 0, c.stderr);
        assert.equal(Number(c.stdout.trim()), 300 * 260 + 256 * 128 + 129 + 16 * 256, "every FP8 element was checked");
        const config = JSON.parse(readFileSync(join(dir, "bf16/config.json"), "utf8"));
        assert.equal(config.quantization_config, undefined, "config.json drops quantization_config (SGLang #3491)");
        assert.ok(existsSync(join(dir, "bf16/tokenizer.json")));
        const index = JSON.parse(readFileSync(join(dir, "bf16/model.safetensors.index.json"), "utf8"));
        assert.ok(!Object.keys(index.weight_map).some((k) => k.endsWith("_scale_inv")));
        // The pipeline's own verifier accepts the result.
        const v = spawnSync("python3", [join(SCRIPTS_DIR, "dsboot-tool.py"), "check-converted", "--dir", join(dir, "bf16"), "--out", join(dir, "m.json")], { encoding: "utf8" });
        assert.equal(v.status, 0, v.stderr);
        // A rerun keeps the finished shards.
        const again = run([CONVERTER, "--input", join(dir, "fp8"), "--output", join(dir, "bf16"), "--backend", "numpy"]);
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stderr, /model-00001-of-00002\.safetensors: kept/);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});

test("fp8-to-bf16: a checkpoint it cannot convert is refused with every problem listed, and nothing is written", () => {
    const dir = mkdtempSync(join(tmpdir(), "conv-bad-"));
    try {
        assert.equal(run([BUILDER, join(dir, "fp8")]).status, 0);
        const indexFile = join(dir, "fp8/model.safetensors.index.json");
        const index = JSON.parse(readFileSync(indexFile, "utf8"));
        delete index.weight_map["model.layers.0.mlp.up_proj.weight_scale_inv"]; // a weight without its scale
        index.weight_map["model.layers.9.mlp.ghost.weight"] = "model-00001-of-00002.safetensors"; // listed, absent
        writeFileSync(indexFile, JSON.stringify(index));
        const r = run([CONVERTER, "--input", join(dir, "fp8"), "--output", join(dir, "bf16"), "--backend", "numpy"]);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /up_proj\.weight: FP8 weight without model\.layers\.0\.mlp\.up_proj\.weight_scale_inv/);
        assert.match(r.stderr, /ghost\.weight: the index places it in model-00001-of-00002\.safetensors, which lacks it/);
        assert.ok(!existsSync(join(dir, "bf16")), "nothing written for a refused checkpoint");
        const same = run([CONVERTER, "--input", join(dir, "fp8"), "--output", join(dir, "fp8")]);
        assert.equal(same.status, 2, "output onto the input is a usage error");
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
