// MI300X on ROCm: every release has its ROCm image and container env, no DeepGEMM, the ROCm
// attention backends only.

import { strict as assert } from "node:assert";
import { test } from "node:test";
import { RELEASES, ROCM_ENV } from "../../src/catalog/index";
import { planFromConfig } from "../../src/plan/index";
import { CLUSTER_KEY } from "../../src/intent/schema";

const mi300x = (weights: string, sglang: Record<string, unknown> = {}, addresses = ["10.0.0.1", "10.0.0.2"].slice(0, weights === "fp8" ? 1 : 2)) =>
    planFromConfig({ [CLUSTER_KEY]: { cloud: "hosts", gpu: "MI300X", weights, model: weights === "bf16" ? "unsloth/DeepSeek-R1-0528-BF16" : undefined, sglang, hosts: { addresses, ibGidIndex: 3 } } }, { stack: null });

test("every release the library knows has a ROCm image and its MI300X container env", () => {
    assert.deepEqual(Object.keys(ROCM_ENV).sort(), Object.keys(RELEASES).sort());
    for (const [version, release] of Object.entries(RELEASES)) {
        assert.match(release.images.rocm.tag, /^lmsysorg\/sglang:v[0-9.a-z]+-rocm/, version);
    }
});

test("both MI300X rows plan on hosts for every release: ROCm image, AITER env, RoCE GID, no DeepGEMM", () => {
    for (const version of Object.keys(RELEASES)) {
        for (const weights of ["fp8", "bf16"]) {
            const r = mi300x(weights, { version });
            if (!r.ok) throw new Error(`${version} ${weights}: ${r.problems.map((p) => `${p.path}: ${p.reason}`).join("; ")}`);
            const p = r.plan;
            assert.equal(p.sglang.image, RELEASES[version]!.images.rocm.tag);
            assert.equal(p.sglang.minNvidiaDriver, null);
            assert.equal(p.deepgemm.precompile, false, "DeepGEMM is CUDA-only");
            assert.ok(p.nodes.every((n) => n.precompile === null));
            for (const n of p.nodes) {
                assert.equal(n.env.HSA_NO_SCRATCH_RECLAIM, "1");
                assert.equal(n.env.SGLANG_USE_AITER, version === "0.4.6.post5" ? undefined : "1");
                assert.equal(n.env.NCCL_IB_GID_INDEX, "3");
                assert.ok(!Object.keys(n.env).some((k) => k.startsWith("CUDA")), "no CUDA settings on ROCm");
            }
        }
    }
});

test("attention backend on MI300X: the ROCm backends pass, Hopper-only fa3 is refused", () => {
    const ok = mi300x("fp8", { attentionBackend: "aiter" });
    assert.ok(ok.ok, ok.ok ? "" : JSON.stringify(ok.problems));
    assert.ok(ok.plan.nodes[0]!.launch.join(" ").includes("--attention-backend aiter"));
    const fa3 = mi300x("fp8", { attentionBackend: "fa3" });
    assert.ok(!fa3.ok);
    assert.ok(fa3.problems.some((p) => p.path === "deepseek-sglang:cluster.sglang.attentionBackend"), JSON.stringify(fa3.problems));
});
