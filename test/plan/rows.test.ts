// Every row of the requirements table plans on every release, every emitted argv parses with
// SGLang's own flag set, and rank 0's argv equals the seed's recipe for the row up to canonical
// flag names plus the flags the library manages.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { CLOUD_IDS, GPUS, RELEASES, ROWS, gpusOffered, GPU_IDS } from "../../src/catalog/index";
import { parseSglangArgv } from "../../src/plan/argparse";
import { assertMatchesSeed, cloudFor, clusterFor, mustPlan, valuesOf } from "./helpers";

// The seed's recipes (sglang-facts §1.1), rank 0, exactly as SGLang documents them.
const SEED_RECIPES: Record<string, string> = {
    "fp8-8xh200": "--model deepseek-ai/DeepSeek-V3 --tp 8 --trust-remote-code --port 30000",
    "fp8-8xmi300x": "--model-path deepseek-ai/DeepSeek-V3 --tp 8 --trust-remote-code --host 0.0.0.0 --port 30000",
    "fp8-2x8xh100": "--model-path deepseek-ai/DeepSeek-V3 --tp 16 --dist-init-addr 10.0.0.1:5000 --nnodes 2 --node-rank 0 --trust-remote-code",
    "bf16-2x8xh200": "--model-path deepseek-ai/DeepSeek-V3 --tp 16 --dist-init-addr 192.168.114.10:20000 --nnodes 2 --node-rank 0 --trust-remote-code --host 0.0.0.0 --port 40000",
    "bf16-4x8xa100": "--model-path /path/to/DeepSeek-V3-BF16 --tp 32 --dist-init-addr 10.0.0.1:5000 --nnodes 4 --node-rank 0 --trust-remote-code --host 0.0.0.0 --port 30000",
    "awq-8xh100": "--model cognitivecomputations/DeepSeek-R1-AWQ --tp 8 --trust-remote-code --quantization moe_wna16",
    "awq-8xa100": "--model cognitivecomputations/DeepSeek-R1-AWQ --tp 8 --trust-remote-code --quantization moe_wna16",
    "int8-16xa100": "--model meituan/DeepSeek-R1-Block-INT8 --tp 16 --dist-init-addr MASTER_IP:5000 --nnodes 2 --node-rank 0 --trust-remote-code --enable-torch-compile --torch-compile-max-bs 8",
    "int8-32xl40s": "--model meituan/DeepSeek-R1-Channel-INT8 --tp 32 --quantization w8a8_int8 --dist-init-addr MASTER_IP:5000 --nnodes 4 --node-rank 0 --trust-remote --enable-torch-compile --torch-compile-max-bs 32",
    // No recipe of its own: the seed's multi-node recipe at this row's size.
    "bf16-2x8xmi300x": "--model-path deepseek-ai/DeepSeek-V3 --tp 16 --dist-init-addr 10.0.0.1:5000 --nnodes 2 --node-rank 0 --trust-remote-code",
    "bf16-4x8xh100": "--model-path deepseek-ai/DeepSeek-V3 --tp 32 --dist-init-addr 10.0.0.1:5000 --nnodes 4 --node-rank 0 --trust-remote-code",
};

describe("every row x every release", () => {
    for (const row of ROWS) {
        for (const version of Object.keys(RELEASES)) {
            for (const gpu of row.gpus) {
                const cloud = cloudFor(row, gpu);
                it(`${row.id} on ${gpu} (${cloud}), SGLang ${version}`, () => {
                    const plan = mustPlan(clusterFor(row, cloud, gpu, version));
                    const flags = RELEASES[version]!.flags;
                    assert.equal(plan.nodes.length, row.nodes);
                    assert.equal(plan.parallel.tp, row.nodes * row.gpusPerNode);
                    for (const node of plan.nodes) {
                        valuesOf(node.launch, flags, false);
                        if (node.precompile) {
                            const r = parseSglangArgv(node.precompile, flags, { entry: "compile_deep_gemm" });
                            assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
                        }
                        assert.equal(node.launch.includes("--api-key"), node.rank === 0, "only rank 0 serves the API");
                    }
                    const hopperFp8 = row.weights === "fp8" && GPUS[gpu].hopper;
                    assert.equal(plan.deepgemm.precompile, hopperFp8, "DeepGEMM precompile on FP8 Hopper only");
                });
            }
        }
    }
});

describe("rank 0 equals the seed's recipe up to canonical names and managed flags", () => {
    // The recipes are the same at 0.4.6.post5 and at upstream main (sglang-facts §1.2).
    for (const row of ROWS) for (const release of Object.values(RELEASES)) {
        it(`${row.id}, SGLang ${release.version}`, () => {
            const plan = mustPlan(clusterFor(row, cloudFor(row), row.gpus[0], release.version));
            assertMatchesSeed(plan.nodes[0]!.launch, SEED_RECIPES[row.id]!, release);
            // Every rank's --dist-init-addr is rank 0's own address.
            for (const n of plan.nodes) if (plan.nodes.length > 1) assert.ok(n.launch.join(" ").includes(`--dist-init-addr ${plan.nodes[0]!.address}:`));
        });
    }
});

describe("catalog sanity", () => {
    it("every cloud offers at least one GPU and every row has a cloud to rent it from", () => {
        for (const c of CLOUD_IDS) assert.ok(gpusOffered(c, GPU_IDS).length > 0);
        // DESIGN.md's table: every row runs on some cloud with its first-named GPU, not only on existing hosts.
        for (const row of ROWS) assert.notEqual(cloudFor(row), "hosts", row.id);
    });
});
