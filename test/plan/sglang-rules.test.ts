// SGLang's own cross-flag rules (src/plan/server-rules.ts), one refusal test per rule, on every
// release the rule applies to, with the config path asserted; the same flag given as a typed
// setting or in extraArgs is judged the same way.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { RELEASES } from "../../src/catalog/index";
import { mustPlan, problemsOf } from "./helpers";

const P = "deepseek-sglang:cluster";
const VERSIONS = Object.keys(RELEASES);
const NEWER = VERSIONS.filter((v) => v !== "0.4.6.post5");
const H200 = { cloud: "aws", gpu: "H200", weights: "fp8" };
const MTP = { steps: 1, topk: 1, draftTokens: 2 };
const on = (version: string, sglang: Record<string, unknown>, base: Record<string, unknown> = H200) => ({ ...base, sglang: { version, ...sglang } });

function only(problems: { path: string; reason: string }[], path: string, pattern: RegExp): void {
    assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => `${p.path}: ${p.reason}`).join("\n")}`);
    assert.equal(problems[0]!.path, path);
    assert.match(problems[0]!.reason, pattern);
}

describe("SGLang's cross-flag rules over the whole argv", () => {
    it("speculative decoding refuses --enable-mixed-chunk", () => {
        for (const v of VERSIONS) only(problemsOf(on(v, { mtp: MTP, extraArgs: ["--enable-mixed-chunk"] })), `${P}.sglang.extraArgs[0]`, /mixed-chunk with speculative/);
    });

    it("MTP topk > 1 with a paged KV cache: 0.4.6.post5 resets topk, later releases allow only flashinfer/fa3/triton", () => {
        only(problemsOf(on("0.4.6.post5", { mtp: { steps: 3, topk: 4, draftTokens: 8 }, extraArgs: ["--page-size", "16"] })), `${P}.sglang.extraArgs[0]`, /resets MTP topk to 1/);
        for (const v of NEWER) {
            only(problemsOf(on(v, { attentionBackend: "flashmla", mtp: { steps: 3, topk: 4, draftTokens: 8 } })), `${P}.sglang.mtp.topk`, /only on flashinfer, fa3, triton/);
            mustPlan(on(v, { attentionBackend: "fa3", mtp: { steps: 3, topk: 4, draftTokens: 8 }, extraArgs: ["--page-size", "16"] }));
        }
    });

    it("--enable-dp-lm-head needs DP attention", () => {
        for (const v of VERSIONS) {
            only(problemsOf(on(v, { extraArgs: ["--enable-dp-lm-head"] })), `${P}.sglang.extraArgs[0]`, /needs DP attention/);
            mustPlan(on(v, { dpAttention: 8, extraArgs: ["--enable-dp-lm-head"] }));
        }
    });

    it("prefill/decode attention backends must run on the GPU", () => {
        for (const v of NEWER) only(problemsOf(on(v, { extraArgs: ["--decode-attention-backend", "aiter"] })), `${P}.sglang.extraArgs[0]`, /aiter does not run on H200/);
    });

    it("pipeline parallel needs GPUs the cluster lacks, and refuses MTP", () => {
        for (const v of VERSIONS) {
            const problems = problemsOf(on(v, { mtp: MTP, extraArgs: ["--pp-size", "2"] }));
            assert.ok(problems.every((p) => p.path === `${P}.sglang.extraArgs[0]`));
            assert.ok(problems.some((p) => /needs tp-size x pp-size = 16 GPUs; the cluster has 8/.test(p.reason)));
        }
    });

    it("--ep-size must divide tp-size", () => {
        for (const v of VERSIONS) only(problemsOf(on(v, { extraArgs: ["--ep-size", "16"] })), `${P}.sglang.extraArgs[0]`, /must divide tp-size 8/);
        for (const v of VERSIONS) mustPlan(on(v, { extraArgs: ["--ep-size", "8"] }));
    });

    it("DeepEP is refused over EFA, and 0.4.6.post5's deepep auto with DP attention", () => {
        for (const v of NEWER) only(problemsOf(on(v, { extraArgs: ["--moe-a2a-backend", "deepep"] })), `${P}.sglang.extraArgs[0]`, /DeepEP does not run over EFA/);
        const hosts = { cloud: "hosts", gpu: "H200", weights: "fp8", hosts: { addresses: ["10.0.0.1"] } };
        only(problemsOf(on("0.4.6.post5", { dpAttention: 8, extraArgs: ["--enable-deepep-moe"] }, hosts)), `${P}.sglang.extraArgs[0]`, /deepep-mode auto with DP attention/);
        mustPlan(on("0.5.18", { extraArgs: ["--moe-a2a-backend", "deepep"] }, hosts));
    });

    it("shared-experts fusion: contradicting flags, and 0.4.6.post5's n == tp assert", () => {
        for (const v of NEWER) only(problemsOf(on(v, { extraArgs: ["--disable-shared-experts-fusion", "--enforce-shared-experts-fusion"] })), `${P}.sglang.extraArgs[1]`, /contradict/);
        only(problemsOf(on("0.4.6.post5", { extraArgs: ["--n-share-experts-fusion", "4"] })), `${P}.sglang.extraArgs[0]`, /equals tp-size \(8\)/);
    });

    it("no port may take the HTTP, dist-init or rank 0's ZMQ ports", () => {
        for (const v of NEWER.filter((v) => RELEASES[v]!.flags.some((f) => f.flag === "--grpc-port"))) {
            only(problemsOf(on(v, { extraArgs: ["--grpc-port", "30000"] })), `${P}.sglang.extraArgs[0]`, /HTTP API port/);
            mustPlan(on(v, { extraArgs: ["--grpc-port", "31000"] }));
        }
        // Each release is judged by its own flags: 0.5.15 has no --grpc-port at all.
        only(problemsOf(on("0.5.15", { extraArgs: ["--grpc-port", "31000"] })), `${P}.sglang.extraArgs[0]`, /0.5.15 has no flag --grpc-port/);
        for (const v of NEWER) {
            only(problemsOf(on(v, { extraArgs: ["--nccl-port", "20000"] })), `${P}.sglang.extraArgs[0]`, /dist-init port/);
            only(problemsOf(on(v, { extraArgs: ["--nccl-port", "20003"] }, { cloud: "aws", gpu: "H100", weights: "fp8" })), `${P}.sglang.extraArgs[0]`, /above the dist-init port/);
        }
    });

    it("torch.compile conflicts: --disable-cuda-graph-padding (0.5.x assert) and CUDA graphs off", () => {
        for (const v of NEWER) only(problemsOf(on(v, { torchCompile: { maxBs: 8 }, extraArgs: ["--disable-cuda-graph-padding"] })), `${P}.sglang.extraArgs[0]`, /refuses --disable-cuda-graph-padding with torch.compile/);
        only(problemsOf(on("0.4.6.post5", { torchCompile: { maxBs: 8 }, extraArgs: ["--disable-cuda-graph"] })), `${P}.sglang.extraArgs[0]`, /torch.compile runs only inside CUDA-graph capture/);
        // The INT8 row's recipe turns torch.compile on: the path is the setting that can turn it off.
        const int8 = { cloud: "aws", gpu: "A100", weights: "int8", sglang: { version: "0.5.18", extraArgs: ["--cuda-graph-backend-decode", "disabled"] } };
        only(problemsOf(int8), `${P}.sglang.extraArgs[0]`, /CUDA graphs are off/);
    });

    it("block-quantized FP8 on 4 x 8 H100 (tp 32) is refused with the node counts that work", () => {
        for (const v of VERSIONS) only(problemsOf({ cloud: "aws", gpu: "H100", weights: "fp8", nodes: 4, sglang: { version: v } }), `${P}.nodes`, /2048 \/ 32 = 64.*use 2 node\(s\) of 8 GPUs \(tp 16\)/);
        // BF16 converted from FP8 has no blocks left: 4 x 8 H100 is its row.
        mustPlan({ cloud: "aws", gpu: "H100", weights: "bf16", nodes: 4 });
    });

    it("memFractionStatic must leave room for the weights and a KV cache", () => {
        only(problemsOf({ ...H200, sglang: { memFractionStatic: 0.55 } }), `${P}.sglang.memFractionStatic`, /leaving 0 GB for the KV cache; use at least 0.6/);
        mustPlan({ ...H200, sglang: { memFractionStatic: 0.8 } });
    });

    it("BF16 on one MI300X node is refused as the table says; the seed's 1 x 8 H20 example plans", () => {
        only(problemsOf({ cloud: "azure", gpu: "MI300X", weights: "bf16", nodes: 1 }, { "azure-native:location": "eastus" }), `${P}.nodes`, /table serves BF16 on MI300X with 2 x 8/);
        mustPlan({ cloud: "hosts", gpu: "H20", weights: "fp8", nodes: 1, hosts: { addresses: ["10.0.0.1"] } });
    });

    it("--tp-size, --tensor-parallel-size and --tp are one managed flag on every release (matched by dest)", () => {
        for (const v of VERSIONS) {
            for (const spelling of ["--tp-size", "--tensor-parallel-size"]) only(problemsOf(on(v, { extraArgs: [spelling, "8"] })), `${P}.sglang.extraArgs[0]`, /managed by the library/);
            assert.match(problemsOf(on(v, { extraArgs: ["--tp", "8"] }))[0]!.reason, /abbreviation/);
            for (const spelling of ["--dp-size", "--data-parallel-size"]) only(problemsOf(on(v, { extraArgs: [spelling, "2"] })), `${P}.sglang.extraArgs[0]`, /managed by the library/);
        }
    });
});
