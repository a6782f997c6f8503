// The seed's own examples, reproduced by specs and compared flag by flag with the seed's command.

import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { RELEASES } from "../../src/catalog/index";
import { assertMatchesSeed, flagValue, mustPlan } from "./helpers";

const v046 = RELEASES["0.4.6.post5"]!;
const latest = RELEASES["0.5.15"]!;

describe("seed examples", () => {
    it("MTP on 8 x H200", () => {
        for (const release of [v046, latest]) {
            const plan = mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", model: "deepseek-ai/DeepSeek-V3-0324", sglang: { version: release.version, mtp: { steps: 1, topk: 1, draftTokens: 2 } } });
            assertMatchesSeed(
                plan.nodes[0]!.launch,
                "--model-path deepseek-ai/DeepSeek-V3-0324 --speculative-algorithm EAGLE --speculative-num-steps 1 --speculative-eagle-topk 1 --speculative-num-draft-tokens 2 --trust-remote-code --tp 8",
                release,
            );
        }
    });

    it("DP attention on one node: --enable-dp-attention --tp 8 --dp 8", () => {
        const plan = mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", sglang: { version: "0.4.6.post5", dpAttention: 8 } });
        assertMatchesSeed(plan.nodes[0]!.launch, "--model-path deepseek-ai/DeepSeek-V3 --trust-remote-code --enable-dp-attention --tp 8 --dp 8", v046);
    });

    it("DP attention on two 8 x H100 nodes: --enable-dp-attention --tp 16 --dp 2", () => {
        for (const release of [v046, latest]) {
            const plan = mustPlan({ cloud: "aws", gpu: "H100", weights: "fp8", sglang: { version: release.version, dpAttention: 2 } });
            for (const node of plan.nodes) {
                assert.equal(flagValue(node.launch, "--dp-size"), "2");
                assert.equal(flagValue(node.launch, "--tp-size"), "16");
            }
            assertMatchesSeed(plan.nodes[0]!.launch, `--model-path deepseek-ai/DeepSeek-V3 --trust-remote-code --enable-dp-attention --tp 16 --dp 2 --dist-init-addr 10.0.0.1:5000 --nnodes 2 --node-rank 0`, release);
        }
    });

    it("tool calling on one 8 x H20 node (0.4.6.post5, where --disable-cuda-graph is current)", () => {
        const plan = mustPlan({
            cloud: "hosts",
            gpu: "H20",
            weights: "fp8",
            nodes: 1,
            model: "deepseek-ai/DeepSeek-V3-0324",
            hosts: { addresses: ["10.0.0.1"] },
            sglang: { version: "0.4.6.post5", toolCalling: true, memFractionStatic: 0.9, extraArgs: ["--disable-cuda-graph"] },
        });
        assertMatchesSeed(
            plan.nodes[0]!.launch,
            "--model deepseek-ai/DeepSeek-V3-0324 --tp 8 --port 30000 --host 0.0.0.0 --mem-fraction-static 0.9 --disable-cuda-graph --tool-call-parser deepseekv3 --chat-template ./examples/chat_template/tool_chat_template_deepseekv3.jinja",
            v046,
            ["chat_template"],
        );
        // The seed's relative path resolves only in the newer image's WORKDIR; the library uses the absolute path (sglang-facts §1.7).
        assert.equal(flagValue(plan.nodes[0]!.launch, "--chat-template"), "/sgl-workspace/sglang/examples/chat_template/tool_chat_template_deepseekv3.jinja");
    });

    it("thinking budget's server flags on 8 x H200", () => {
        const plan = mustPlan({
            cloud: "aws",
            gpu: "H200",
            weights: "fp8",
            model: "deepseek-ai/DeepSeek-R1",
            sglang: { version: "0.4.6.post5", reasoningParser: "deepseek-r1", customLogitProcessor: true, memFractionStatic: 0.9, extraArgs: ["--disable-cuda-graph"] },
        });
        assertMatchesSeed(
            plan.nodes[0]!.launch,
            "--model deepseek-ai/DeepSeek-R1 --tp 8 --port 30000 --host 0.0.0.0 --mem-fraction-static 0.9 --disable-cuda-graph --reasoning-parser deepseek-r1 --enable-custom-logit-processor",
            v046,
        );
    });

    it("--disable-cuda-graph is deprecated in 0.5.15, so the same example is refused there", () => {
        assert.throws(() => mustPlan({ cloud: "aws", gpu: "H200", weights: "fp8", sglang: { version: "0.5.15", extraArgs: ["--disable-cuda-graph"] } }), /extraArgs\[0\].*deprecated.*use --cuda-graph-backend-decode disabled/);
    });

    it("multi-node: every rank shares rank 0's --dist-init-addr, and only --node-rank differs", () => {
        const plan = mustPlan({ cloud: "aws", gpu: "A100", weights: "bf16" });
        const strip = (argv: string[]) => argv.filter((_, i) => argv[i - 1] !== "--node-rank" && argv[i] !== "--node-rank");
        const withoutKey = (argv: string[]) => argv.slice(0, argv.indexOf("--api-key") >= 0 ? argv.indexOf("--api-key") : argv.length);
        for (const node of plan.nodes) {
            assert.equal(flagValue(node.launch, "--node-rank"), String(node.rank));
            assert.equal(flagValue(node.launch, "--dist-init-addr"), `${plan.nodes[0]!.address}:20000`);
            assert.equal(flagValue(node.launch, "--dist-timeout"), "3600");
            assert.deepEqual(strip(withoutKey(node.launch)), strip(withoutKey(plan.nodes[0]!.launch)));
        }
    });
});
