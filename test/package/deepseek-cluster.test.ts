// DeepSeekCluster under Pulumi's mocks: it builds its cloud's component as its child, and bad args
// throw before any child is registered.

import { strict as assert } from "node:assert";
import { before, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { awsPreviewMocks } from "../../src/clouds/aws/preview-mocks";
import { DeepSeekCluster } from "../../src/deepseek-cluster";

const registered: { type: string; name: string; parent?: string }[] = [];

before(async () => {
    await pulumi.runtime.setMocks(awsPreviewMocks({ region: "us-east-2" }, (a) => registered.push({ type: a.type, name: a.name })), "deepseek-sglang", "unit", false);
});

async function settle(): Promise<void> {
    const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (wait) await wait();
}

it("builds the AWS cluster for an AWS row as its child, with the common outputs", async () => {
    registered.length = 0;
    const c = new DeepSeekCluster("ds", { cloud: "aws", gpu: "H200", weights: "fp8", region: "us-east-2", aws: { allowedCidrs: ["10.0.0.0/8"] } });
    const endpoint = await new Promise<string>((res) => c.endpoint.apply((e) => res(e)));
    await settle();
    assert.match(endpoint, /^http:\/\/10\.42\.0\.10:30000$/);
    assert.ok(registered.some((r) => r.type === "deepseek-sglang:index:DeepSeekCluster" && r.name === "ds"));
    assert.ok(registered.some((r) => r.type === "deepseek-sglang:index:AwsServingCluster" && r.name === "ds"));
    assert.ok(registered.some((r) => r.type === "aws:ec2/instance:Instance"));
});

it("refuses bad args with every problem and its config path, registering no child", async () => {
    registered.length = 0;
    assert.throws(
        () => new DeepSeekCluster("bad", { cloud: "aws", gpu: "H200", weights: "fp8", region: "us-east-2", aws: { allowedCidrs: ["10.0.0.0/33"] }, sglang: { extraArgs: ["--tp-size", "4"] } }),
        (e: Error) => /deepseek-sglang:cluster\.aws\.allowedCidrs\[0\]/.test(e.message) && /deepseek-sglang:cluster\.sglang\.extraArgs/.test(e.message),
    );
    // The refused component's own registration is still in flight: let it end under these mocks.
    await settle();
    assert.deepEqual(registered.filter((r) => r.type !== "deepseek-sglang:index:DeepSeekCluster"), []);
});
