// The Pulumi program itself (what `pulumi up` runs): invalid config is refused before any resource
// is registered, with every problem in one RunError and no stack trace; clouds without a component
// are refused rather than silently creating nothing.

import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { awsPreviewMocks } from "../../src/clouds/aws/preview-mocks";
// The program only defines a function: importing it registers nothing before the mocks are set.
import program from "../../src/program";

const registered: string[] = [];

before(async () => {
    await pulumi.runtime.setMocks(awsPreviewMocks({ region: "us-east-2" }, (a) => registered.push(`${a.type}::${a.name}`)), "deepseek-sglang", "unit", false);
});

async function runWith(config: Record<string, unknown>, secretKeys: string[] = []): Promise<unknown> {
    registered.length = 0;
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) strings[k] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(strings, secretKeys);
    try {
        return await program();
    } finally {
        await settle();
    }
}

/** Children register after their inputs resolve: drain the RPC queue before asserting on them. */
async function settle(): Promise<void> {
    const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (waitForRPCs) await waitForRPCs();
}

describe("program", () => {
    it("refuses invalid config with one RunError listing every problem, having registered nothing", async () => {
        await assert.rejects(
            runWith({ "aws:region": "us-east-2", "deepseek-sglang:cluster": { cloud: "aws", gpu: "A100", weights: "fp8", sglang: { dpAttention: 1 } }, "deepseek-sglang:hfToken": "hf_plain" }),
            (err: unknown) => {
                assert.ok(err instanceof pulumi.RunError, "RunError prints without a stack trace");
                const msg = (err as Error).message;
                for (const p of ["deepseek-sglang:hfToken:", "deepseek-sglang:cluster.weights:", "deepseek-sglang:cluster.sglang.dpAttention:"]) assert.ok(msg.includes(p), `${p} in ${msg}`);
                return true;
            },
        );
        assert.deepEqual(registered, []);
    });

    it("accepts the HF token when Pulumi holds it as a secret", async () => {
        const outputs = (await runWith(
            { "aws:region": "us-east-2", "deepseek-sglang:cluster": { cloud: "aws", gpu: "H200", weights: "fp8" }, "deepseek-sglang:hfToken": "hf_secret_value" },
            ["deepseek-sglang:hfToken"],
        )) as Record<string, unknown>;
        assert.ok("endpoint" in outputs && "apiKey" in outputs);
        assert.ok(registered.some((r) => r.startsWith("aws:secretsmanager/secret:Secret::") && r.endsWith("hf-token")), registered.join("\n"));
    });

    it("refuses a cloud whose component does not exist yet", async () => {
        await assert.rejects(
            runWith({ "azure-native:location": "eastus", "deepseek-sglang:cluster": { cloud: "azure", gpu: "MI300X", weights: "fp8" } }),
            (err: unknown) => err instanceof pulumi.RunError && /^deepseek-sglang:cluster\.cloud: "azure" has no component yet/.test((err as Error).message),
        );
        assert.deepEqual(registered, []);
    });
});
