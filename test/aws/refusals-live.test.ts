// Refusals only AWS can answer (zone offerings, the user's subnet), made through invokes: the
// component's availabilityZone output rejects with an AwsConfigError naming the config path. The
// clusters are built in a child process (refusal-runner.ts), one after another under fresh mocks.

import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import type { Problem } from "../../src/plan/types";

import { TS_NODE_ARGS } from "../support/ts-child";
import { SCENARIOS } from "./refusal-runner";

type Outcome = { error?: string; problems?: Problem[]; resolved?: string; strayKinds: string[] };
const outcomes: Record<string, Outcome> = {};

before(async () => {
    const run = promisify(execFile);
    // Pulumi's exit hook sets a failing exit code when registrations were left pending, which a
    // refused zone does on purpose; the verdict is the JSON on stdout.
    const stdout = await run(process.execPath, [...TS_NODE_ARGS, path.join(__dirname, "refusal-runner.ts"), ...Object.keys(SCENARIOS)], { encoding: "utf8" })
        .then((r) => r.stdout, (err: { stdout?: string }) => err.stdout ?? "");
    Object.assign(outcomes, JSON.parse(stdout));
});

function problemsOf(name: string): Problem[] {
    const r = outcomes[name]!;
    assert.equal(r.error, "AwsConfigError", JSON.stringify(r));
    return r.problems!;
}

describe("refusals that need AWS's answer", () => {
    it("a named zone that does not offer the type", () => {
        const problems = problemsOf("badzone");
        assert.deepEqual(problems.map((p) => p.path), ["deepseek-sglang:cluster.aws.availabilityZone"]);
        assert.match(problems[0]!.reason, /us-east-2c does not offer p5\.48xlarge \(zones that do: us-east-2a\)/);
    });
    it("a region where no zone offers the type", () => {
        assert.deepEqual(problemsOf("nowhere").map((p) => p.path), ["deepseek-sglang:cluster.aws.instanceType"]);
    });
    it("a subnet that is in another VPC and zone than the config says", () => {
        const problems = problemsOf("wrongvpc");
        assert.deepEqual(problems.map((p) => p.path), ["deepseek-sglang:cluster.aws.subnetId", "deepseek-sglang:cluster.aws.availabilityZone"]);
        assert.match(problems[0]!.reason, /subnet-0e1fe belongs to vpc-0e1fe, not to vpcId vpc-0a1b/);
    });
    it("a subnet whose CIDR is not the one the addresses were planned in", () => {
        assert.deepEqual(problemsOf("wrongcidr").map((p) => p.path), ["deepseek-sglang:cluster.aws.subnetCidr"]);
    });
    it("fails the resources that wait on a refusal with that same refusal, nothing else", () => {
        for (const [name, o] of Object.entries(outcomes)) assert.deepEqual(o.strayKinds, ["AwsConfigError"], name);
    });
});
