// Every configuration the seed or SGLang says will not work is refused, naming its config path.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { planFromConfig } from "../../src/plan/index";
import { problemsOf } from "./helpers";

const H200 = { cloud: "aws", gpu: "H200", weights: "fp8" };
const P = "deepseek-sglang:cluster";

function assertProblem(problems: { path: string; reason: string }[], path: string, pattern: RegExp): void {
    const hit = problems.find((p) => p.path === path && pattern.test(p.reason));
    assert.ok(hit, `expected a problem at ${path} matching ${pattern}, got:\n${problems.map((p) => `${p.path}: ${p.reason}`).join("\n")}`);
}

describe("refusals", () => {
    it("weights that don't fit: FP8 on one 8 x H100 node", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "H100", weights: "fp8", nodes: 1 }), `${P}.nodes`, /per GPU.*at least 2 nodes/);
    });
    it("weights that don't fit: BF16 on 2 x 8 x H100 (judged on memory, not on the table)", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "H100", weights: "bf16", nodes: 2 }), `${P}.nodes`, /at least 4 nodes/);
    });
    it("3 x 8 x H100 BF16 fits in memory but tp 24 does not divide DeepSeek's 128 heads", () => {
        const problems = problemsOf({ cloud: "aws", gpu: "H100", weights: "bf16", nodes: 3 });
        assertProblem(problems, `${P}.nodes`, /--tp-size 24.*128 attention heads/);
        assert.ok(!problems.some((p) => /per GPU/.test(p.reason)), "3 x 8 x H100 holds the BF16 weights");
    });
    it("INT8 on 2 x 8 x L40S does not fit", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "L40S", weights: "int8", nodes: 2 }), `${P}.nodes`, /at least 4 nodes/);
    });
    it("FP8 weights on A100/A800 (no FP8)", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "fp8" }), `${P}.weights`, /no FP8 support/);
        assertProblem(problemsOf({ cloud: "hosts", gpu: "A800", weights: "fp8", hosts: { addresses: ["10.0.0.1", "10.0.0.2"] } }), `${P}.weights`, /no FP8 support/);
    });
    it("--quantization on an FP8 checkpoint (the seed's warning)", () => {
        assertProblem(problemsOf({ ...H200, sglang: { extraArgs: ["--quantization", "fp8"] } }), `${P}.sglang.extraArgs[0]`, /already FP8/);
    });
    it("--kv-cache-dtype fp8_e5m2 on an FP8 checkpoint", () => {
        assertProblem(problemsOf({ ...H200, sglang: { extraArgs: ["--chunked-prefill-size", "4096", "--kv-cache-dtype", "fp8_e5m2"] } }), `${P}.sglang.extraArgs[2]`, /already FP8/);
    });
    it("a checkpoint whose format doesn't match weights", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "awq", model: "meituan/DeepSeek-R1-Block-INT8" }), `${P}.model`, /INT8 checkpoint but weights is awq/);
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "int8", model: "unsloth/DeepSeek-R1-0528-BF16", nodes: 4 }), `${P}.model`, /only an FP8 checkpoint can be converted/);
    });
    it("FP8 -> BF16 is the one conversion allowed", () => {
        const r = planFromConfig({ [P]: { cloud: "aws", gpu: "H200", weights: "bf16", model: "deepseek-ai/DeepSeek-R1" }, "aws:region": "us-east-2" }, { stack: null });
        assert.ok(r.ok);
        assert.deepEqual(r.plan.weights.conversion?.to, "bf16");
    });
    it("DP attention of size 1", () => {
        assertProblem(problemsOf({ ...H200, sglang: { dpAttention: 1 } }), `${P}.sglang.dpAttention`, /at least 2/);
    });
    it("DP attention size that doesn't divide tp", () => {
        assertProblem(problemsOf({ ...H200, sglang: { dpAttention: 3 } }), `${P}.sglang.dpAttention`, /must divide tp-size 8/);
    });
    it("DP attention with MTP on 0.4.6.post5 (issue #6296)", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.4.6.post5", dpAttention: 8, mtp: { steps: 1, topk: 1, draftTokens: 2 } } }), `${P}.sglang.dpAttention`, /#6296/);
    });
    it("MTP with flashinfer and topk > 1", () => {
        assertProblem(problemsOf({ ...H200, sglang: { attentionBackend: "flashinfer", mtp: { steps: 3, topk: 2, draftTokens: 4 } } }), `${P}.sglang.mtp.topk`, /topk 1/);
    });
    it("MTP with cutlass_mla on 0.4.6.post5", () => {
        const problems = problemsOf({ ...H200, sglang: { version: "0.4.6.post5", attentionBackend: "cutlass_mla", mtp: { steps: 1, topk: 1, draftTokens: 2 } } });
        assertProblem(problems, `${P}.sglang.mtp`, /cutlass_mla/);
    });
    it("fa3 on GPUs without it", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "awq", sglang: { attentionBackend: "fa3" } }), `${P}.sglang.attentionBackend`, /fa3 does not run on A100/);
        assertProblem(problemsOf({ cloud: "azure", gpu: "MI300X", weights: "fp8", sglang: { attentionBackend: "fa3" } }), `${P}.sglang.attentionBackend`, /MI300X/);
    });
    it("an attention backend the release lacks", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.4.6.post5", attentionBackend: "trtllm_mla" } }), `${P}.sglang.attentionBackend`, /no attention backend "trtllm_mla"/);
    });
    it("chunked prefix cache on a backend that lacks it (0.4.6.post5: fa3 only)", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.4.6.post5", attentionBackend: "flashinfer", chunkedPrefixCache: true } }), `${P}.sglang.chunkedPrefixCache`, /only with fa3/);
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "awq", sglang: { version: "0.4.6.post5", chunkedPrefixCache: true } }), `${P}.sglang.chunkedPrefixCache`, /triton/);
    });
    it("the chunked prefix cache rule follows the release: flashinfer has it in 0.5.15", () => {
        const r = planFromConfig({ [P]: { ...H200, sglang: { version: "0.5.15", attentionBackend: "flashinfer", chunkedPrefixCache: true } }, "aws:region": "us-east-2" }, { stack: null });
        assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.problems));
    });
    it("DeepGEMM on GPUs without it", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "A100", weights: "awq", sglang: { deepGemm: true } }), `${P}.sglang.deepGemm`, /Hopper/);
        assertProblem(problemsOf({ cloud: "azure", gpu: "MI300X", weights: "fp8", sglang: { deepGemm: true } }), `${P}.sglang.deepGemm`, /Hopper/);
    });
    it("a GPU the chosen cloud does not offer", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "MI300X", weights: "fp8" }), `${P}.gpu`, /aws does not offer MI300X/);
        assertProblem(problemsOf({ cloud: "gcp", gpu: "L40S", weights: "int8" }), `${P}.gpu`, /gcp does not offer L40S/);
        assertProblem(problemsOf({ cloud: "azure", gpu: "H20", weights: "fp8" }), `${P}.gpu`, /azure does not offer H20/);
    });
    it("an unknown SGLang release", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.4.7" } }), `${P}.sglang.version`, /unknown SGLang release "0.4.7"/);
    });
    it("extraArgs: unknown, abbreviated, deprecated, managed", () => {
        const problems = problemsOf({
            ...H200,
            sglang: { extraArgs: ["--no-such-flag", "1", "--chunked-prefill", "4096", "--disable-cuda-graph", "--nnodes", "2", "--tp", "8", "--dist-init-addr", "1.2.3.4:5"] },
        });
        assertProblem(problems, `${P}.sglang.extraArgs[0]`, /no flag --no-such-flag/);
        assertProblem(problems, `${P}.sglang.extraArgs[2]`, /abbreviation of --chunked-prefill-size/);
        assertProblem(problems, `${P}.sglang.extraArgs[4]`, /deprecated/);
        assertProblem(problems, `${P}.sglang.extraArgs[5]`, /managed by the library/);
        assertProblem(problems, `${P}.sglang.extraArgs[7]`, /abbreviation of --tp-size/);
        assertProblem(problems, `${P}.sglang.extraArgs[9]`, /managed by the library/);
    });
    it("extraArgs: a flag of the other release, and a bad value", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.5.15", extraArgs: ["--enable-ep-moe"] } }), `${P}.sglang.extraArgs[0]`, /no flag --enable-ep-moe/);
        assertProblem(problemsOf({ ...H200, sglang: { extraArgs: ["--chunked-prefill-size", "lots"] } }), `${P}.sglang.extraArgs[1]`, /lots/);
    });
    it("extraArgs: --config would load unchecked flags from a file", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.5.15", extraArgs: ["--config", "/etc/sglang.yaml"] } }), `${P}.sglang.extraArgs[0]`, /cannot check/);
    });
    it("lists every problem at once", () => {
        const problems = problemsOf({ cloud: "aws", gpu: "A100", weights: "fp8", sglang: { version: "9.9", dpAttention: 1, extraArgs: ["--bogus"] } });
        const paths = new Set(problems.map((p) => p.path));
        for (const p of [`${P}.weights`, `${P}.sglang.version`]) assert.ok(paths.has(p), `missing ${p} in ${[...paths].join(", ")}`);
        assert.ok(problems.length >= 2);
    });
    it("unknown keys and plain-text hfToken are refused", () => {
        const r = planFromConfig({ [P]: { ...H200, sglng: {}, aws: { instanceTyp: "p5.48xlarge" } }, "deepseek-sglang:hfToken": "hf_plain" }, { stack: null });
        assert.ok(!r.ok);
        assertProblem(r.problems, `${P}.sglng`, /unknown key/);
        assertProblem(r.problems, `${P}.aws.instanceTyp`, /unknown key/);
        assertProblem(r.problems, "deepseek-sglang:hfToken", /must be a Pulumi secret/);
    });
    it("a typo does not hide the other problems", () => {
        const problems = problemsOf({ cloud: "aws", gpu: "H100", weights: "fp8", nodes: 1, sglang: { atentionBackend: "fa3", dpAttention: 3 } });
        assertProblem(problems, `${P}.sglang.atentionBackend`, /unknown key/);
        assertProblem(problems, `${P}.nodes`, /at least 2 nodes/);
        assertProblem(problems, `${P}.sglang.dpAttention`, /must divide/);
    });
    it("a secure hfToken is accepted", () => {
        const r = planFromConfig({ [P]: H200, "aws:region": "us-east-2", "deepseek-sglang:hfToken": { secure: "v1:abc" } }, { stack: null });
        assert.ok(r.ok);
    });
    it("another cloud's block, and hosts without addresses", () => {
        assertProblem(problemsOf({ ...H200, gcp: { zone: "us-central1-b" } }), `${P}.gcp`, /only the aws block/);
        assertProblem(problemsOf({ cloud: "hosts", gpu: "H200", weights: "fp8" }), `${P}.hosts`, /addresses/);
        assertProblem(problemsOf({ cloud: "hosts", gpu: "H20", weights: "fp8", hosts: { addresses: ["10.0.0.1"] } }), `${P}.hosts.addresses`, /1 address.*2 node/);
    });
    it("an AWS stack without aws:region", () => {
        const r = planFromConfig({ [P]: H200 }, { stack: null });
        assert.ok(!r.ok && r.problems.some((p) => p.path === "aws:region"));
    });
    it("a table combination that has no row", () => {
        assertProblem(problemsOf({ cloud: "aws", gpu: "H200", weights: "int8" }), `${P}.weights`, /no row/);
    });
    it("reasoning parser the release lacks", () => {
        assertProblem(problemsOf({ ...H200, sglang: { version: "0.4.6.post5", reasoningParser: "deepseek-v3" } }), `${P}.sglang.reasoningParser`, /deepseek-v3/);
    });
});
