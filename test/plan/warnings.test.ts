// The warnings channel: legal but probably unintended choices, known-quality notes, the price basis.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { run } from "../../src/cli/plan";
import { mustPlan } from "./helpers";

const P = "deepseek-sglang:cluster";

describe("plan warnings", () => {
    it("more nodes than the row needs", () => {
        const w = mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", nodes: 2 }).warnings;
        const over = w.find((x) => x.path === `${P}.nodes`);
        assert.match(over?.message ?? "", /2 nodes where SGLang's table serves FP8 on H200 with 1 \(row fp8-8xh200\), about \$63\.30\/h more/);
        assert.ok(!mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8" }).warnings.some((x) => x.path === `${P}.nodes`));
    });

    it("a checkpoint with a known quality issue: the AWQ V3 note", () => {
        const w = mustPlan({ cloud: "aws", gpu: "H100", weights: "awq", model: "cognitivecomputations/DeepSeek-V3-AWQ" }).warnings;
        assert.match(w.find((x) => x.path === `${P}.model`)?.message ?? "", /#6654 reports garbled output/);
        assert.ok(!mustPlan({ cloud: "aws", gpu: "H100", weights: "awq" }).warnings.some((x) => x.path === `${P}.model`));
    });

    it("the price basis, and the region it differs from", () => {
        const w = mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8" }, { "aws:region": "eu-north-1" }).warnings;
        assert.match(w.find((x) => x.path === null)?.message ?? "", /list price in us-east-1 .*this stack runs in eu-north-1/);
    });

    it("MTP without --max-running-requests: SGLang caps it at 48", () => {
        const mtp = { steps: 1, topk: 1, draftTokens: 2 };
        assert.ok(mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", sglang: { mtp } }).warnings.some((x) => /caps concurrent requests at 48/.test(x.message)));
        assert.ok(!mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", sglang: { mtp, extraArgs: ["--max-running-requests", "64"] } }).warnings.some((x) => /48/.test(x.message)));
    });

    it("the plan command shows them: stderr beside the summary, and in --json", async () => {
        let out = "";
        let err = "";
        assert.equal(await run(["--stack", "fp8-8xh200-aws"], (s) => (out += s), (s) => (err += s)), 0);
        assert.equal(out.trim().split("\n").length, 2, "the header and the stack's line");
        assert.match(err, /^warning: .*caps concurrent requests at 48/m);
        out = "";
        assert.equal(await run(["--stack", "fp8-8xh200-aws", "--json"], (s) => (out += s), () => {}), 0);
        const doc = JSON.parse(out) as { warnings: { path: string | null; message: string }[] };
        assert.ok(doc.warnings.some((w) => w.path === null && /list price/.test(w.message)));
    });
});
